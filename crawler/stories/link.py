"""The linking decision: does a new report belong to a story already seen, and why.

A new report's index keys (its specific actors, name keys, rare figures and title words, each on its
publication day) find candidate reports through a `CandidateSource` — an index, never a scan. Each candidate
is scored by the evidence both share; the best one at or above `LinkingRules.threshold` gives its story.
The evidence is kept with the link so a reader can see why two reports were grouped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from crawler.jsonl import read_lines
from crawler.stories.features import YEAR_RANGE, StoryFeatures, extract_features
from crawler.stories.lexicon import Lexicon, default_lexicon


@dataclass(frozen=True)
class LinkingRules:
    """Evidence weights and limits; the defaults are the ones bench/story_linking.py reports."""

    threshold: float = 1.2  # evidence from which two reports are one story
    window_days: int = 1  # days either side searched for candidates (and beyond window_days + 1 never linked)
    near_hours: float = 30.0  # within this, evidence counts fully; beyond it, times far_factor
    far_factor: float = 0.6
    undated_factor: float = 0.6  # a report without a date: evidence times this
    name_weight: float = 0.7  # one shared transliteration key of a name
    name_cap: float = 2.1
    rare_number_weight: float = 0.6  # a shared figure of 3+ digits or with decimals
    number_weight: float = 0.15  # a shared two-digit figure (a day of the month, a small count)
    number_cap: float = 1.0
    title_word_weight: float = 0.35  # one shared title word (same language only)
    title_word_cap: float = 1.4
    specific_cap: float = 3.0
    generic_cap: float = 0.45  # every report of the topic names Russia, Hamas, Israel, Gaza: at most this much
    action_cap: float = 0.75  # shared kinds of act (release, visit, condemnation): only beside two shared actors
    headline_weight: float = 0.5  # both headlines name one act by two or more of the same actors
    named_day_weight: float = 0.5  # one report names the day the other was published
    named_day_factor: float = 0.9  # published further apart than the window, but tied by a named day
    citation: float = 5.0  # one report links to the other
    max_candidates: int = 25  # candidates scored per new report, those sharing most keys first


DEFAULT_RULES = LinkingRules()


@dataclass(frozen=True)
class Evidence:
    """Why a report was linked to another: what both name, and how far apart they were published."""

    linked_to: str
    score: float
    actors: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()
    named_days: tuple[str, ...] = ()
    hours_apart: float | None = None
    cited: bool = False

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("actors", "names", "numbers", "title_words", "named_days"):
            out[key] = list(out[key])
        out["score"] = round(self.score, 3)
        if self.hours_apart is not None:
            out["hours_apart"] = round(self.hours_apart, 1)
        return out

    def summary(self) -> str:
        """One line for a reader: 'shared actors bogdanov, abu_marzouk; figures 26; 3 h apart'."""
        parts = []
        if self.cited:
            parts.append("one report links to the other")
        if self.actors:
            parts.append("actors " + ", ".join(self.actors))
        if self.names:
            parts.append("names " + ", ".join(self.names))
        if self.numbers:
            parts.append("figures " + ", ".join(self.numbers))
        if self.title_words:
            parts.append("title words " + ", ".join(self.title_words))
        if self.named_days:
            parts.append("names the day " + ", ".join(self.named_days))
        if self.hours_apart is not None:
            parts.append(f"{self.hours_apart:.0f} h apart")
        return "; ".join(parts) + f" (score {self.score:.2f})"


def _is_rare_number(value: str) -> bool:
    return "." in value or (len(value) >= 3 and not (len(value) == 4 and int(value) in YEAR_RANGE))


def index_keys(features: StoryFeatures, lexicon: Lexicon) -> list[str]:
    """What a report is found by: its specific actors, name keys, rare figures and title words."""
    keys = [f"a:{actor}" for actor in features.actors if not lexicon.actors[actor].generic]
    keys += [f"n:{key}" for key in sorted(features.names | features.words)]
    keys += [f"#:{number}" for number in sorted(features.numbers) if _is_rare_number(number)]
    keys += [f"w:{features.lang}:{word}" for word in sorted(features.title_words)]
    return keys


def day_of(features: StoryFeatures) -> date | None:
    return features.published.astimezone(timezone.utc).date() if features.published else None


def anchor_days(features: StoryFeatures) -> list[date | None]:
    """The days a report is filed under: its publication day and the days it names."""
    day = day_of(features)
    return [day, *sorted(d for d in features.days if d != day)]


def candidate_days(features: StoryFeatures, rules: LinkingRules) -> list[date | None]:
    """Days whose reports may be this one's story: around its publication day, and the days it names."""
    day = day_of(features)
    if day is None:
        return [None]
    days = {day + timedelta(days=offset) for offset in range(-rules.window_days, rules.window_days + 1)}
    days |= {named + timedelta(days=offset) for named in features.days for offset in (-1, 0, 1)}
    return sorted(days)


def _named_days(a: StoryFeatures, b: StoryFeatures) -> list[str]:
    """Days one report names that are (within a day) the other's publication day, when the two were published
    on different days: two items of one day both name "yesterday" and "today" whatever they report."""
    found = set()
    if day_of(a) is not None and day_of(a) == day_of(b):
        return []
    for text_of, other in ((a, b), (b, a)):
        published = day_of(other)
        if published is None:
            continue
        found |= {d.isoformat() for d in text_of.days if abs((d - published).days) <= 1}
    return sorted(found)


CASELESS_MIN_KEY = 5


def _shared_names(a: StoryFeatures, b: StoryFeatures) -> set[str]:
    """Name keys both share, across languages only: within one language the words themselves are compared
    (title words), and capitalised common nouns ("President") would pass for names. Hebrew/Arabic words count
    against names of cased scripts, and between Hebrew and Arabic when long."""
    if a.lang == b.lang:
        return set()
    # Every Hebrew/Arabic word has a key, so a short key meets some English or Russian name by chance
    # (300 words x 30 names against ~10^4 four-class keys); five classes make that rare.
    caseless = (a.names & b.words) | (a.words & b.names) | (a.words & b.words)
    return (a.names & b.names) | {key for key in caseless if len(key) >= CASELESS_MIN_KEY}


# Kinds of actor a headline is about (a person is the speaker; places and bodies are the subject).
SUBJECT_KINDS = frozenset({"place", "organisation"})


def _title_subjects(features: StoryFeatures, lexicon: Lexicon) -> set[str]:
    return {x for x in features.title_actors
            if x in lexicon.actors and not lexicon.actors[x].generic and lexicon.actors[x].kind in SUBJECT_KINDS}


def _prominence(actor: str, a: StoryFeatures, b: StoryFeatures) -> float:
    """1 when both reports name the actor in title or lead, 1/2 when one does, 1/4 when neither: a long piece
    names half the region somewhere, but its lead says what it is about."""
    return (0.5 if actor in a.lead_actors else 0.25) * (2.0 if actor in b.lead_actors else 1.0)


def _headline_prominence(item: str, a: StoryFeatures, b: StoryFeatures) -> float:
    """1 when both headlines name it, 1/2 when one does, 1/4 when neither."""
    return (0.5 if item in a.title_actors else 0.25) * (2.0 if item in b.title_actors else 1.0)


def score_pair(a: StoryFeatures, b: StoryFeatures, lexicon: Lexicon, rules: LinkingRules = DEFAULT_RULES) -> Evidence:
    """The evidence that `a` and `b` report the same event."""
    cited = bool((a.url and a.url in b.urls) or (b.url and b.url in a.urls))
    named_days = _named_days(a, b)
    hours = None
    if a.published and b.published:
        hours = abs((a.published - b.published).total_seconds()) / 3600
        if hours > (rules.window_days + 1) * 24 and not cited and not named_days:
            return Evidence(b.id, 0.0, hours_apart=hours)
    subjects_a, subjects_b = _title_subjects(a, lexicon), _title_subjects(b, lexicon)
    if subjects_a and subjects_b and not subjects_a & subjects_b and not cited:
        # "... on Syria" and "... on Ukraine": the same speaker the same day, two stories.
        return Evidence(b.id, 0.0, hours_apart=hours)
    actors = sorted(set(a.actors) & set(b.actors), key=lambda x: (lexicon.is_action(x), lexicon.actors[x].generic, x))
    who = [x for x in actors if not lexicon.is_action(x)]
    specific = min(rules.specific_cap, sum(
        lexicon.weight(x) * _prominence(x, a, b) for x in who if not lexicon.actors[x].generic))
    generic = min(rules.generic_cap, sum(lexicon.weight(x) for x in who if lexicon.actors[x].generic))
    # What was done says little alone (every day has a visit somewhere, every week a hostage video), much beside
    # two of the same actors: "Hamas ... released ... Putin" names an event, "Trump ... hostage" a theme.
    # A long piece names visits and talks in passing; its headline names the act it reports.
    action = min(rules.action_cap, sum(
        lexicon.weight(x) * _headline_prominence(x, a, b) for x in actors if lexicon.is_action(x))) if len(who) >= 2 else 0.0
    names = sorted(_shared_names(a, b))
    name_score = min(rules.name_cap, rules.name_weight * len(names))
    numbers = sorted(a.numbers & b.numbers, key=lambda n: (not _is_rare_number(n), n))
    number_score = min(rules.number_cap, sum(
        rules.rare_number_weight if _is_rare_number(n) else 0.0 if len(n) == 4 and int(float(n)) in YEAR_RANGE
        else rules.number_weight for n in numbers))
    words = sorted(a.title_words & b.title_words) if a.lang == b.lang else []
    word_score = min(rules.title_word_cap, rules.title_word_weight * len(words))
    in_headlines = set(a.title_actors) & set(b.title_actors)
    headline = rules.headline_weight if (
        any(lexicon.is_action(x) for x in in_headlines)
        and sum(not lexicon.is_action(x) for x in in_headlines) >= 2) else 0.0
    score = specific + generic + action + headline + name_score + number_score + word_score
    score += rules.named_day_weight if named_days else 0.0
    if hours is None:
        score *= rules.undated_factor
    elif hours > (rules.window_days + 1) * 24:
        score *= rules.named_day_factor  # only a named day ties them
    elif hours > rules.near_hours:
        score *= rules.far_factor
    if cited:
        score += rules.citation
    return Evidence(b.id, score, tuple(actors), tuple(names), tuple(numbers), tuple(words), tuple(named_days), hours, cited)


@dataclass(frozen=True)
class Candidate:
    features: StoryFeatures
    story: str


class CandidateSource(Protocol):
    """Where stored reports are found by index key and day (in memory here; in the database for the pipeline)."""

    def candidates(self, keys: list[str], days: list[date | None], limit: int) -> list[Candidate]: ...

    def add(self, features: StoryFeatures, story: str, keys: list[str], days: list[date | None]) -> None: ...


@dataclass(frozen=True)
class Decision:
    story: str | None  # None: a new story
    evidence: Evidence | None


def decide(features: StoryFeatures, source: CandidateSource, lexicon: Lexicon,
           rules: LinkingRules = DEFAULT_RULES) -> tuple[Decision, list[str]]:
    """The story a new report joins (best-scoring candidate over the threshold), and its index keys."""
    keys = index_keys(features, lexicon)
    best: tuple[float, Candidate, Evidence] | None = None
    for candidate in source.candidates(keys, candidate_days(features, rules), rules.max_candidates):
        if candidate.features.id == features.id:
            continue
        evidence = score_pair(features, candidate.features, lexicon, rules)
        if evidence.score >= rules.threshold and (best is None or evidence.score > best[0]):
            best = (evidence.score, candidate, evidence)
    if best is None:
        return Decision(None, None), keys
    return Decision(best[1].story, best[2]), keys


@dataclass
class MemoryCandidates:
    """An in-memory (key, day) -> reports index, for `coverwatch stories` and the bench."""

    # Postings per (key, day) beyond this are a word every report uses: the newest ones are kept.
    max_postings: int = 200
    postings: dict[tuple[str, date | None], list[int]] = field(default_factory=dict)
    stored: list[Candidate] = field(default_factory=list)

    def candidates(self, keys: list[str], days: list[date | None], limit: int) -> list[Candidate]:
        counts: dict[int, int] = {}
        for key in keys:
            for day in days:
                for slot in self.postings.get((key, day), ()):
                    counts[slot] = counts.get(slot, 0) + 1
        ranked = sorted(counts, key=lambda slot: (-counts[slot], -slot))[:limit]
        return [self.stored[slot] for slot in ranked]

    def add(self, features: StoryFeatures, story: str, keys: list[str], days: list[date | None]) -> None:
        slot = len(self.stored)
        self.stored.append(Candidate(features, story))
        for day in days:
            for key in keys:
                posting = self.postings.setdefault((key, day), [])
                posting.append(slot)
                if len(posting) > self.max_postings:
                    del posting[0]


@dataclass(frozen=True)
class Linked:
    id: str
    story: str
    evidence: Evidence | None


def link_all(reports: Iterable[StoryFeatures], lexicon: Lexicon, rules: LinkingRules = DEFAULT_RULES,
             source: CandidateSource | None = None) -> list[Linked]:
    """Link reports in publication order (undated last), each against those before it."""
    source = source if source is not None else MemoryCandidates()
    ordered = sorted(reports, key=lambda f: (f.published is None, f.published or datetime.min.replace(tzinfo=timezone.utc), f.id))
    out = []
    for features in ordered:
        decision, keys = decide(features, source, lexicon, rules)
        story = decision.story or features.id
        source.add(features, story, keys, anchor_days(features))
        out.append(Linked(features.id, story, decision.evidence))
    return out


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp or date; naive values are taken as UTC. Anything else is None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value.strip()[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def stories_jsonl(lines: Iterable[str], lexicon: Lexicon | None = None,
                  rules: LinkingRules = DEFAULT_RULES) -> Iterator[dict[str, Any]]:
    """`coverwatch stories`: {id, lang, title, text, published_at} per line in, {id, story, evidence} out.

    Output follows input order. A line that is not a JSON object yields {id: null, story: null, error}; a
    report without a usable date is linked with weaker evidence and says so in `warning`.
    """
    lexicon = lexicon or default_lexicon()
    rows: list[dict[str, Any]] = []
    reports: list[StoryFeatures] = []
    for n, doc, error in read_lines(lines):
        if error is not None:
            rows.append({"id": None, "story": None, "evidence": None, "error": error})
            continue
        if not isinstance(doc, dict) or doc.get("id") is None:
            rows.append({"id": None, "story": None, "evidence": None, "error": f"line {n}: not an object with an id"})
            continue
        published = parse_time(doc.get("published_at"))
        features = extract_features(str(doc["id"]), str(doc.get("lang") or ""), doc.get("title"), doc.get("text"),
                                    published, lexicon, url=doc.get("url"))
        row: dict[str, Any] = {"id": doc["id"], "key": features.id}
        if published is None:
            row["warning"] = "no usable published_at: linked with weaker evidence"
        rows.append(row)
        reports.append(features)
    linked = {item.id: item for item in link_all(reports, lexicon, rules)}
    for row in rows:
        key = row.pop("key", None)
        if key is not None:
            item = linked[key]
            row["story"] = item.story
            row["evidence"] = item.evidence.as_json() if item.evidence else None
        yield row
