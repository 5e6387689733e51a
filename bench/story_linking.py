"""Story linking: pairwise precision and recall per language pair on the labelled set, and the cost of
linking one new report with 10k and 100k reports stored.

    .venv/bin/python bench/story_linking.py            # figures on bench/data/stories/story_groups.jsonl
    .venv/bin/python bench/story_linking.py --errors   # also list wrong and missed links
    .venv/bin/python bench/story_linking.py --file OTHER.jsonl   # any {id, lang, title, text, published_at, story}

Links are made by the same code as `coverwatch stories` (crawler.stories.link.stories_jsonl). A pair of
reports is positive when both carry the same gold `story`; precision and recall count pairs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.stories import translit  # noqa: E402
from crawler.stories.features import extract_features  # noqa: E402
from crawler.stories.lexicon import default_lexicon  # noqa: E402
from crawler.stories.link import (  # noqa: E402
    DEFAULT_RULES,
    LinkingRules,
    MemoryCandidates,
    anchor_days,
    decide,
    index_keys,
    parse_time,
    stories_jsonl,
)

DEFAULT_FILE = ROOT / "bench" / "data" / "stories" / "story_groups.jsonl"


def pairwise(rows: list[dict], predicted: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per language pair (and 'all'): true positives, false positives, false negatives."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "pairs": 0, "gold": 0})
    for a, b in combinations(rows, 2):
        gold = a["story"] == b["story"]
        said = predicted[str(a["id"])] == predicted[str(b["id"])]
        for key in ("-".join(sorted((a["lang"], b["lang"]))), "all"):
            c = counts[key]
            c["pairs"] += 1
            c["gold"] += gold
            c["tp"] += gold and said
            c["fp"] += said and not gold
            c["fn"] += gold and not said
    return counts


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "  -  "


def print_table(title: str, counts: dict[str, dict[str, int]]) -> None:
    print(f"\n{title}")
    print(f"  {'pair':<7} {'pairs':>6} {'gold+':>6} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    for key in sorted(counts, key=lambda k: (k == "all", k)):
        c = counts[key]
        print(f"  {key:<7} {c['pairs']:>6} {c['gold']:>6} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} "
              f"{_ratio(c['tp'], c['tp'] + c['fp']):>9} {_ratio(c['tp'], c['tp'] + c['fn']):>7}")


def link(rows: list[dict], rules: LinkingRules = DEFAULT_RULES) -> tuple[dict[str, str], dict[str, dict]]:
    lines = [json.dumps({k: row.get(k) for k in ("id", "lang", "title", "text", "published_at")}, ensure_ascii=False)
             for row in rows]
    out = list(stories_jsonl(lines, rules=rules))
    return {str(r["id"]): str(r["story"]) for r in out}, {str(r["id"]): r for r in out}


def quality(all_rows: list[dict], show_errors: bool) -> None:
    # Borderline items are linked with the rest (they are in the stream) but kept out of the figures.
    predicted, results = link(all_rows)
    rows = [r for r in all_rows if not r.get("borderline")]
    print_table("all items", pairwise(rows, predicted))
    for split in ("tune", "heldout"):
        part = [r for r in rows if r.get("split") == split]
        if part:
            print_table(f"split={split} ({len(part)} items)", pairwise(part, predicted))
    # The same links without cross-script name keys: what transliteration adds.
    saved = translit.MIN_KEY_LEN
    translit.MIN_KEY_LEN = 10_000
    translit.name_key.cache_clear()
    try:
        without, _ = link(all_rows)
    finally:
        translit.MIN_KEY_LEN = saved
        translit.name_key.cache_clear()
    print_table("lexicon, figures and time only (no transliteration keys)", pairwise(rows, without))
    # How far the default threshold sits from where precision or recall give way: a narrow band is overfitting.
    print(f"\nthreshold sweep (default {DEFAULT_RULES.threshold})")
    for threshold in (1.0, 1.1, 1.2, 1.3, 1.4, 1.5):
        swept, _ = link(all_rows, replace(DEFAULT_RULES, threshold=threshold))
        c = pairwise(rows, swept)["all"]
        print(f"  {threshold:.2f}: precision {_ratio(c['tp'], c['tp'] + c['fp'])}  recall {_ratio(c['tp'], c['tp'] + c['fn'])}")
    if show_errors:
        by_id = {str(r["id"]): r for r in rows}
        print("\nerrors (pairs):")
        for a, b in combinations(rows, 2):
            gold = a["story"] == b["story"]
            said = predicted[str(a["id"])] == predicted[str(b["id"])]
            if gold != said:
                kind = "missed" if gold else "WRONG"
                print(f"  {kind:<6} {a['id']} ~ {b['id']}   ({a['story']} / {b['story']})")
        for rid, result in results.items():
            if result.get("evidence"):
                print(f"  link   {rid} -> {result['story']}: {json.dumps(result['evidence'], ensure_ascii=False)}")
                _ = by_id


def cost(rows: list[dict], stored_sizes: tuple[int, ...] = (10_000, 100_000), probes: int = 200) -> None:
    """Fill an index with `n` stored reports (the labelled items, shifted over a year with new ids), then time
    the linking decision for reports not in it."""
    lexicon = default_lexicon()
    base = [extract_features(str(r["id"]), r["lang"], r["title"], r["text"], parse_time(r["published_at"]), lexicon)
            for r in rows]
    rng = random.Random(18)
    print("\ncost of linking one new report (in-memory (key, day) index; the store uses the same keys, indexed)")
    for n in stored_sizes:
        source = MemoryCandidates()
        for i in range(n):
            proto = base[i % len(base)]
            shifted = replace(proto, id=f"{proto.id}#{i}",
                              published=proto.published + timedelta(hours=rng.randrange(0, 24 * 365)) if proto.published else None)
            source.add(shifted, shifted.id, index_keys(shifted, lexicon), anchor_days(shifted))
        timings = []
        for j in range(probes):
            proto = base[j % len(base)]
            probe = replace(proto, id=f"probe{j}",
                            published=proto.published + timedelta(hours=rng.randrange(0, 24 * 365)) if proto.published else None)
            started = time.perf_counter()
            decide(probe, source, lexicon)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(f"  {n:>7} stored: median {statistics.median(timings):.2f} ms, p95 {timings[int(len(timings) * 0.95)]:.2f} ms "
              f"per report (candidates scored, feature extraction excluded)")
    started = time.perf_counter()
    for r in rows:
        extract_features(str(r["id"]), r["lang"], r["title"], r["text"], parse_time(r["published_at"]), lexicon)
    print(f"  feature extraction: {(time.perf_counter() - started) * 1000 / len(rows):.2f} ms per report (mean)")


def cost_store(rows: list[dict], stored_sizes: tuple[int, ...] = (10_000, 100_000), probes: int = 200) -> None:
    """The same decision over the real store (SQLite file, schema from the migrations, story_keys index)."""
    import tempfile

    from sqlalchemy import insert

    from crawler.stories.features import features_to_json
    from storage.db import make_engine, make_session_factory, upgrade
    from storage.models import Article, StoryKey, StoryLink
    from storage.story_repo import StoredCandidates

    lexicon = default_lexicon()
    base = [extract_features(str(r["id"]), r["lang"], r["title"], r["text"], parse_time(r["published_at"]), lexicon)
            for r in rows]
    rng = random.Random(18)
    print("\ncost of linking one new report against the store (SQLite file; candidates from story_keys by (key, day))")
    for n in stored_sizes:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            upgrade(engine)
            sessions = make_session_factory(engine)
            started = time.perf_counter()
            with sessions.begin() as session:
                for chunk in range(0, n, 5000):
                    articles, links, keys = [], [], []
                    for i in range(chunk, min(n, chunk + 5000)):
                        proto = base[i % len(base)]
                        shifted = replace(proto, id=str(i + 1), published=proto.published + timedelta(hours=rng.randrange(0, 24 * 365)))
                        seen = shifted.published
                        articles.append({"id": i + 1, "url_key": f"k{i}", "url": f"https://example.org/{i}", "outlet": "bench",
                                         "first_seen": seen, "last_seen": seen, "published_at": seen, "text": ""})
                        links.append({"article_id": i + 1, "story_id": i + 1, "features": features_to_json(shifted),
                                      "evidence": None, "linked_at": seen, "pinned": False})
                        keys += [{"key": key, "day": day, "article_id": i + 1}
                                 for day in anchor_days(shifted) for key in index_keys(shifted, lexicon)]
                    session.execute(insert(Article), articles)
                    session.execute(insert(StoryLink), links)
                    session.execute(insert(StoryKey), keys)
            filled = time.perf_counter() - started
            timings = []
            with sessions() as session:
                source = StoredCandidates(session)
                for j in range(probes):
                    proto = base[j % len(base)]
                    probe = replace(proto, id=f"probe{j}", published=proto.published + timedelta(hours=rng.randrange(0, 24 * 365)))
                    began = time.perf_counter()
                    decide(probe, source, lexicon)
                    timings.append((time.perf_counter() - began) * 1000)
            timings.sort()
            print(f"  {n:>7} stored: median {statistics.median(timings):.2f} ms, p95 {timings[int(len(timings) * 0.95)]:.2f} ms "
                  f"per report (index query + candidates scored; filling took {filled:.0f} s)")
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--no-cost", action="store_true")
    parser.add_argument("--store", action="store_true", help="also time the decision over a SQLite store (slow to fill)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    langs = sorted({r["lang"] for r in rows})
    print(f"{len(rows)} reports, {len({r['story'] for r in rows})} gold stories, languages {', '.join(langs)} ({args.file.name})")
    quality(rows, args.errors)
    if not args.no_cost:
        cost(rows)
    if args.store:
        cost_store(rows)


if __name__ == "__main__":
    main()
