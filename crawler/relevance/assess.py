"""Topic relevance: does a document cover Russia–Hamas relations? Pure stage, data in, data out.

    profile = load_profile()                       # the shipped default, or a user's TOML file
    rel = score(title, text, "he", profile)         # Relevance(score, relevant, matches, explanation)

Every decision is explainable: `matches` lists each counted term with its field and offsets into that
field's original string, and `explanation` says in one sentence why the score is what it is.

`python -m crawler.relevance.assess FILE.jsonl [--profile P] [--threshold T] [--explain]` reads one
{id, lang, title, text} object per line and prints one {id, relevant, score, matches} line each.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from crawler.jsonl import read_lines
from crawler.model import Match, Relevance
from crawler.relevance.match import FIELDS, Hit, HitReport, find_hits
from crawler.wording import agree, plural
from crawler.relevance.profile import Profile, ProfileError, load_profile
from crawler.relevance.scoring import Evidence, collect_evidence, nearest_distance_words, score_from_evidence
from crawler.textnorm import fold_whitespace

__all__ = ["Profile", "ProfileError", "load_profile", "main", "relevance_jsonl", "score"]

# Scores are printed with this many decimals: enough to rank, stable across platforms.
SCORE_DECIMALS = 4
# Explanations quote at most this many characters of the best sentence.
QUOTE_CHARS = 120
# A lead repeated verbatim at the top of the text must not count twice; compare this many characters.
LEAD_DUPLICATE_PROBE = 200


def score(
    title: str | None,
    text: str,
    lang: str | None,
    profile: Profile,
    *,
    lead: str | None = None,
    threshold: float | None = None,
) -> Relevance:
    """Score one document against a topic profile.

    `lang` is informational: each word is analysed by its own script, so mixed-language documents work.
    `threshold` overrides `profile.threshold`.
    """
    fields = {"title": title or "", "lead": lead or "", "text": text or ""}
    report = find_hits(fields, profile)
    use_lead = bool(lead) and not _lead_repeated(lead or "", text or "")
    evidence = collect_evidence(report, profile, use_lead=use_lead)
    value = round(score_from_evidence(evidence), SCORE_DECIMALS)
    limit = profile.threshold if threshold is None else threshold
    relevant = value >= limit and value > 0.0
    matches = [_to_match(h, fields) for h in sorted(report.hits, key=lambda h: (FIELDS.index(h.field), h.start))]
    explanation = explain(report, evidence, value, limit, relevant, fields)
    return Relevance(score=value, relevant=relevant, matches=matches, explanation=explanation)


def _lead_repeated(lead: str, text: str) -> bool:
    probe = fold_whitespace(lead)[:LEAD_DUPLICATE_PROBE]
    return bool(probe) and probe in fold_whitespace(text[: len(lead) + LEAD_DUPLICATE_PROBE])


def _to_match(hit: Hit, fields: dict[str, str]) -> Match:
    return Match(
        group=hit.alias.group,
        side=hit.alias.side,
        term=hit.alias.term,
        surface=fields[hit.field][hit.start : hit.end],
        field=hit.field,
        start=hit.start,
        end=hit.end,
    )


def _side_summary(hits: list[Hit], fields: dict[str, str]) -> str:
    counts = Counter(fields[h.field][h.start : h.end] for h in hits)
    top = ", ".join(f"'{s}'" + (f" x{n}" if n > 1 else "") for s, n in counts.most_common(3))
    return f"{len(hits)} mention{'s' if len(hits) != 1 else ''}: {top}"


def _quote(ev: Evidence, fields: dict[str, str]) -> str:
    q = fold_whitespace(fields[ev.field][ev.start : ev.end])
    return q if len(q) <= QUOTE_CHARS else q[: QUOTE_CHARS - 1] + "…"


def explain(
    report: HitReport,
    evidence: list[Evidence],
    value: float,
    limit: float,
    relevant: bool,
    fields: dict[str, str],
) -> str:
    """One human sentence (plus notes) saying why the document is or is not relevant."""
    verdict = f"{'relevant' if relevant else 'not relevant'} ({value:.2f} {'>=' if relevant else '<'} {limit:.2f})"
    russia = [h for h in report.hits if h.side == "russia"]
    hamas = [h for h in report.hits if h.side == "hamas"]
    if not russia and not hamas:
        reason = "no Russia-side or Hamas-side term"
    elif not russia:
        reason = f"Hamas side only ({_side_summary(hamas, fields)}); no Russia-side term"
    elif not hamas:
        reason = f"Russia side only ({_side_summary(russia, fields)}); no Hamas-side term"
    elif not evidence:
        gap = nearest_distance_words(report)
        where = f"; nearest {gap} words apart" if gap is not None else ""
        reason = (f"both sides appear (Russia {len(russia)}, Hamas {len(hamas)}) but never in the same "
                  f"sentence or paragraph{where}")
    else:
        kinds = Counter(e.kind for e in evidence)
        parts = []
        if kinds["title"]:
            parts.append("the title names both sides")
        if kinds["sentence"]:
            n = kinds["sentence"]
            parts.append(f"{plural(n, 'sentence')} {agree(n, 'names', 'name')} both sides")
        if kinds["title_one_side"]:
            parts.append("the title names one side and the lead the other")
        if kinds["linked"]:
            cues = sorted({e.cue for e in evidence if e.kind == "linked"})
            n = kinds["linked"]
            parts.append(f"{n} run{'s' if n != 1 else ''} of linked sentences ({', '.join(cues)}) "
                         f"link{'s' if n == 1 else ''} the two sides")
        if kinds["adjacent"]:
            n = kinds["adjacent"]
            related = sum(1 for e in evidence if e.kind == "adjacent" and e.cue == "relation")
            with_relation = f", {related} with relation words" if related else ""
            parts.append(f"{plural(n, 'pair')} of adjacent sentences {agree(n, 'names', 'name')} one side each{with_relation}")
        if kinds["paragraph"]:
            n = kinds["paragraph"]
            parts.append(f"{plural(n, 'paragraph')} {agree(n, 'names', 'name')} both sides in separate sentences")
        best = max(evidence, key=lambda e: e.value)
        reason = "; ".join(parts) + f"; strongest: {best.field} \u00ab{_quote(best, fields)}\u00bb"
    notes = []
    if report.dateline:
        names = ", ".join(sorted({fields[h.field][h.start : h.end] for h in report.dateline}))
        notes.append(f"dateline ignored ({names})")
    if report.nationality:
        names = ", ".join(sorted({fields[h.field][h.start : h.end] for h in report.nationality}))
        notes.append(f"nationality ignored ({names})")
    if report.source_credit:
        names = ", ".join(sorted({fields[h.field][h.start : h.end] for h in report.source_credit}))
        notes.append(f"source credit ignored ({names})")
    if report.host:
        names = ", ".join(sorted({fields[h.field][h.start : h.end] for h in report.host}))
        notes.append(f"host country of a foreign mission ignored ({names})")
    if report.unconfirmed:
        names = ", ".join(sorted({fields[h.field][h.start : h.end] for h in report.unconfirmed}))
        notes.append(f"ambiguous word without context ignored ({names})")
    damped = sum(1 for e in evidence if e.damped)
    if damped:
        notes.append(f"{damped} sentence{'s' if damped != 1 else ''} weakened (another conflict or a comparison "
                     "alongside, or Hamas named only in passing)")
    return f"{verdict}: {reason}" + (f" [{'; '.join(notes)}]" if notes else "")


def score_document(doc: dict[str, Any], profile: Profile, threshold: float | None = None) -> Relevance:
    """`score` for a JSON object {title, text, lang, lead?}; `language` (as `coverwatch extract` writes) stands for lang."""
    return score(doc.get("title"), doc.get("text") or "", doc.get("lang") or doc.get("language"), profile, lead=doc.get("lead"),
                 threshold=threshold)


def match_as_json(m: Match) -> dict[str, Any]:
    return {
        "group": m.group,
        "side": m.side,
        "term": m.term,
        "surface": m.surface,
        "field": m.field,
        "start": m.start,
        "end": m.end,
    }


def _error_row(message: str) -> dict[str, Any]:
    return {"id": None, "relevant": False, "score": 0.0, "matches": [], "error": message}


def relevance_jsonl(
    lines: Iterable[str], profile: Profile, threshold: float | None = None, *, explain: bool = False
) -> Iterator[dict[str, Any]]:
    """One {id, relevant, score, matches} per input line {id, lang, title, text}; blank lines skipped.

    A line that is not a JSON object yields {id: null, relevant: false, score: 0, matches: [], error}.
    """
    for n, doc, error in read_lines(lines):
        if error is not None:
            yield _error_row(error)
            continue
        if not isinstance(doc, dict):
            yield _error_row(f"line {n}: not a JSON object")
            continue
        rel = score_document(doc, profile, threshold)
        out: dict[str, Any] = {
            "id": doc.get("id"),
            "relevant": rel.relevant,
            "score": rel.score,
            "matches": [match_as_json(m) for m in rel.matches],
        }
        if explain:
            out["explanation"] = rel.explanation
        yield out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.relevance.assess", description=__doc__.split("\n")[0])
    parser.add_argument("file", help="JSONL file of {id, lang, title, text}; '-' reads stdin")
    parser.add_argument("--profile", help="topic profile TOML (default: the shipped Russia–Hamas profile)")
    parser.add_argument("--threshold", type=float, help="override the profile's threshold")
    parser.add_argument("--explain", action="store_true", help="add a human 'explanation' to each line")
    args = parser.parse_args(argv)
    try:
        profile = load_profile(args.profile)
    except (OSError, ProfileError, ValueError) as exc:
        print(f"cannot load profile: {exc}", file=sys.stderr)
        return 2
    if args.file == "-":
        _print_rows(sys.stdin, profile, args.threshold, args.explain)
    else:
        with Path(args.file).open(encoding="utf-8") as stream:
            _print_rows(stream, profile, args.threshold, args.explain)
    return 0


def _print_rows(lines: Iterable[str], profile: Profile, threshold: float | None, explain: bool) -> None:
    for out in relevance_jsonl(lines, profile, threshold, explain=explain):
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
