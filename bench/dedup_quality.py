"""Precision and recall of near-duplicate detection on real texts (crawler.dedup.index.NearDupIndex).

Corpus (read from ../shared, never by product code):
  - the five seeds (Hebrew, Arabic: all on Russia–Hamas relations);
  - captured article pages in fixtures/ extracted with trafilatura, TASS's 20 politics texts, the Fundus
    expected texts (Kommersant, Reuters);
  - benchmarks/extraction_dev eval/cache pages extracted with trafilatura (mostly German/English).
Texts under MIN_CHARS are dropped, and so is any text that is already a near copy of an earlier one
(the corpus must hold *distinct* articles for the negatives to mean anything); both counts are printed.

Positives: for every text, near copies an index should find —
  boilerplate  header/footer lines added (share/follow/copyright/photo credit/"read also" lines);
  truncation   the last 10–30% cut;
  edits        1–4 sentences (at most 1 in 5) edited (words replaced, a sentence dropped, a foreign sentence inserted);
  syndicated   boilerplate + 10–20% cut + one edit (a typical wire reprint);
  clitics      Hebrew/Arabic texts only: a proclitic (ו/ה/ב/ל, و/ال) added or dropped on 10% of words.
Negatives: every pair of distinct originals (incl. same-outlet, same-language and the seeds against each
other): any hit between two of them is a false positive.

Run:  .venv/bin/python bench/dedup_quality.py [--max-pages 300] [--schemes char:5,char:4,word:3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import py3langid
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from crawler.dedup.fingerprint import (
    DEFAULT_SHINGLING,
    Shingling,
    exact_similarity,
    shingle_set,
    signature,
)
from crawler.dedup.index import NearDupIndex
from crawler.dedup.urls import registered_domain
from crawler.dedup.versions import split_sentences

SHARED = Path(__file__).resolve().parents[2] / "shared"
# Shorter texts are briefs/teasers; near-dup on them is left to the exact and title layers.
MIN_CHARS = 800
# Corpus cleaning: two originals this similar are the same article, not a negative pair.
CORPUS_DUP_JACCARD = 0.5
CORPUS_DUP_CONTAINMENT = 0.8

BOILERPLATE = {
    "en": [
        "Share this article",
        "Follow us on Telegram and X for the latest updates",
        "Subscribe to our daily newsletter",
        "© 2024 All rights reserved.",
        "Advertisement",
        "Photo: Reuters",
        "This story was originally published by our partners.",
        "Related topics: Middle East, Russia, Gaza",
        "Reporting by staff; editing by the news desk",
        "Comments are closed for this article.",
    ],
    "he": [
        "שתפו את הכתבה",
        "הצטרפו לערוץ הטלגרם שלנו לעדכונים שוטפים",
        "צילום: רויטרס",
        "כל הזכויות שמורות ©",
        "לכתבות נוספות לחצו כאן",
        "הכתבה פורסמה לראשונה באתר השותף",
        "הירשמו לניוזלטר היומי",
        "פרסומת",
    ],
    "ar": [
        "شارك هذا المقال",
        "تابعونا على تلغرام لآخر الأخبار",
        "المصدر: وكالات",
        "جميع الحقوق محفوظة ©",
        "الصورة: رويترز",
        "اشترك في النشرة البريدية اليومية",
        "إعلان",
        "نشر هذا المقال أولا في موقع شريك",
    ],
    "ru": [
        "Поделиться статьей",
        "Подписывайтесь на наш Telegram-канал",
        "Фото: ТАСС",
        "© Все права защищены",
        "Реклама",
        "Материал впервые опубликован нашим партнером",
        "Подпишитесь на ежедневную рассылку",
    ],
    "de": [
        "Artikel teilen",
        "Folgen Sie uns auf Telegram",
        "Foto: dpa",
        "© Alle Rechte vorbehalten",
        "Anzeige",
        "Newsletter abonnieren",
        "Dieser Beitrag erschien zuerst bei unserem Partner.",
    ],
}
KINDS = ("boilerplate", "truncation", "edits", "syndicated", "clitics")
READ_ALSO = {"en": "Read also: ", "he": "קראו גם: ", "ar": "اقرأ أيضا: ", "ru": "Читайте также: ", "de": "Lesen Sie auch: "}


@dataclass
class Doc:
    key: str
    text: str
    outlet: str
    lang: str
    origin: str  # "seed", "fixture", "tass", "fundus", "extraction_dev"


def _lang(text: str) -> str:
    return str(py3langid.classify(text[:2000])[0])


def _extract(html: bytes | str, url: str | None = None) -> str:
    return trafilatura.extract(html, url=url, include_comments=False, include_tables=False) or ""


SEED_OUTLETS = {
    "000": ("inss.org.il", "he"),
    "001": ("ynet.co.il", "he"),
    "002": ("ar.wikipedia.org", "ar"),
    "003": ("alaalem.com", "ar"),
    "004": ("alkhanadeq", "ar"),
}
FIXTURE_PAGES = {
    "fixtures/pages/ar_assabah.html": "assabah.com.tn",
    "fixtures/pages/ar_cnnarabic_2013.html": "arabic.cnn.com",
    "fixtures/pages/ru_kommersant_2025.html": "kommersant.ru",
    "fixtures/reuters/article_2024_03_07.html": "reuters.com",
    "fixtures/tass/tass_ru_article_8836033_2020.html": "tass.ru",
    "fixtures/timesofisrael/article_2020.html": "timesofisrael.com",
    "fixtures/ynetnews/article_byv0vcw55_2022.html": "ynetnews.com",
    "fixtures/wikipedia/article_tsne.html": "en.wikipedia.org",
}


def load_corpus(max_pages: int) -> tuple[list[Doc], Counter[str]]:
    """All candidate texts, before corpus cleaning; plus counts of what was skipped."""
    docs: list[Doc] = []
    skipped: Counter[str] = Counter()
    for path in sorted((SHARED / "seeds").glob("0*.txt")):
        outlet, lang = SEED_OUTLETS[path.name[:3]]
        docs.append(Doc(f"seed:{path.stem}", path.read_text(encoding="utf-8"), outlet, lang, "seed"))
    for rel, outlet in FIXTURE_PAGES.items():
        text = _extract((SHARED / rel).read_bytes())
        docs.append(Doc(f"fixture:{Path(rel).name}", text, outlet, _lang(text), "fixture"))
    for i, item in enumerate(json.loads((SHARED / "fixtures/tass/tass_com_politics_text_2024.json").read_text())):
        text = "\n".join(p for p in item["content"] if p.strip())
        docs.append(Doc(f"tass:{i}", text, "tass.com", "en", "tass"))
    for rel, outlet in (
        ("fixtures/pages/ru_kommersant_expected_fundus.json", "kommersant.ru"),
        ("fixtures/reuters/article_expected_fundus.json", "reuters.com"),
    ):
        for version, item in json.loads((SHARED / rel).read_text()).items():
            body = item.get("body", {})
            paragraphs = list(body.get("summary", []))
            for section in body.get("sections", []):
                paragraphs += section.get("paragraphs", [])
            text = "\n".join(paragraphs)
            docs.append(Doc(f"fundus:{outlet}:{version}", text, outlet, _lang(text), "fundus"))
    evaldata = json.loads((SHARED / "benchmarks/extraction_dev/evaldata.json").read_text())
    url_of = {Path(v["file"]).name: url for url, v in evaldata.items()}
    taken = 0
    for archive in ("eval_pages.tgz", "cache_pages.tgz"):
        with tarfile.open(SHARED / "benchmarks/extraction_dev" / archive) as tar:
            for member in sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name):
                if taken >= max_pages:
                    break
                taken += 1
                name = Path(member.name).name
                url = url_of.get(name)
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                text = _extract(fh.read(), url)
                outlet = registered_domain(url) if url else name.split(".")[0]
                docs.append(Doc(f"dev:{name}", text, outlet, _lang(text) if text else "?", "extraction_dev"))
    kept = []
    for doc in docs:
        if len(doc.text) < MIN_CHARS:
            skipped[f"shorter than {MIN_CHARS} chars"] += 1
        else:
            kept.append(doc)
    return kept, skipped


def clean_corpus(docs: list[Doc]) -> tuple[list[Doc], list[tuple[str, str, float, float]]]:
    """Drop any text that is a near copy of an earlier one (same page twice, fixture + its expected text)."""
    kept: list[Doc] = []
    kept_sets: list[np.ndarray] = []
    dropped = []
    for doc in docs:
        shingles = shingle_set(doc.text)
        for other, other_set in zip(kept, kept_sets):
            jac, con = exact_similarity(shingles, other_set)
            if jac >= CORPUS_DUP_JACCARD or con >= CORPUS_DUP_CONTAINMENT:
                dropped.append((doc.key, other.key, jac, con))
                break
        else:
            kept.append(doc)
            kept_sets.append(shingles)
    return kept, dropped


# ---- perturbations --------------------------------------------------------------------------------------


def _pool(lang: str) -> list[str]:
    return BOILERPLATE.get(lang, BOILERPLATE["en"])


def add_boilerplate(doc: Doc, rng: random.Random, others: list[Doc]) -> str:
    pool = _pool(doc.lang)
    header = rng.sample(pool, rng.randint(1, 3))
    footer = rng.sample(pool, rng.randint(2, 4))
    same_lang = [o for o in others if o.lang == doc.lang and o.key != doc.key] or others
    related = split_sentences(rng.choice(same_lang).text)[:1]
    read_also = [READ_ALSO.get(doc.lang, READ_ALSO["en"]) + related[0]] if related else []
    return "\n".join(header + [doc.text] + read_also + footer)


def truncate(text: str, rng: random.Random, low: float = 0.10, high: float = 0.30) -> str:
    """Cut the last low..high share of the text, at a word boundary when one is near (CJK has none)."""
    cut = int(len(text) * (1 - rng.uniform(low, high)))
    space = text.rfind(" ", 0, cut)
    return text[: space if space > cut - 40 else cut]


def edit_sentences(doc: Doc, rng: random.Random, others: list[Doc], n_edits: int | None = None) -> str:
    sentences = split_sentences(doc.text)
    if len(sentences) < 3:
        return doc.text + " " + "Updated."
    # "A few" sentences: 1-4, but never more than one in five (editing 4 of 6 sentences is a rewrite).
    n_edits = n_edits if n_edits is not None else rng.randint(1, max(1, min(4, len(sentences) // 5)))
    donor = split_sentences(rng.choice([o for o in others if o.key != doc.key]).text) or ["Added sentence."]
    for _ in range(n_edits):
        op = rng.choice(("replace_words", "drop", "insert"))
        i = rng.randrange(len(sentences))
        if op == "drop" and len(sentences) > 3:
            del sentences[i]
        elif op == "insert":
            sentences.insert(i, rng.choice(donor))
        else:
            words = sentences[i].split()
            vocab = " ".join(rng.sample(sentences, min(5, len(sentences)))).split()
            for _ in range(min(3, len(words))):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            sentences[i] = " ".join(words)
    return "\n".join(sentences)


# Hebrew and Arabic proclitics (and, the, in, to / and, the): a reprint or light edit adds or drops them.
CLITICS = {"he": ("ו", "ה", "ב", "ל"), "ar": ("و", "ال")}
CLITIC_SHARE = 0.10


def toggle_clitics(doc: Doc, rng: random.Random) -> str:
    """Add or drop a proclitic on 10% of the words of a Hebrew/Arabic text."""
    prefixes = CLITICS[doc.lang]
    lines = []
    for line in doc.text.split("\n"):
        words = line.split(" ")
        for i, word in enumerate(words):
            if len(word) > 3 and rng.random() < CLITIC_SHARE:
                stripped = next((word[len(p) :] for p in prefixes if word.startswith(p)), None)
                words[i] = stripped if stripped else rng.choice(prefixes) + word
        lines.append(" ".join(words))
    return "\n".join(lines)


def make_variants(doc: Doc, rng: random.Random, others: list[Doc]) -> list[tuple[str, str]]:
    syndicated = add_boilerplate(
        Doc(doc.key, truncate(edit_sentences(doc, rng, others, 1), rng, 0.10, 0.20), doc.outlet, doc.lang, ""),
        rng,
        others,
    )
    variants = [
        ("boilerplate", add_boilerplate(doc, rng, others)),
        ("truncation", truncate(doc.text, rng)),
        ("edits", edit_sentences(doc, rng, others)),
        ("syndicated", syndicated),
    ]
    if doc.lang in CLITICS:
        variants.append(("clitics", toggle_clitics(doc, rng)))
    return variants


# ---- evaluation -----------------------------------------------------------------------------------------


@dataclass
class Result:
    scheme: str
    mode: str
    recall_by_kind: dict[str, tuple[int, int]]
    tp: int
    fp_variant: int
    fp_pairs: set[tuple[str, str]]
    n_pairs: int
    candidate_pairs: int
    ms_per_signature: float
    ms_per_query: float

    @property
    def positives(self) -> int:
        return sum(total for _, total in self.recall_by_kind.values())

    @property
    def recall(self) -> float:
        return self.tp / self.positives if self.positives else 0.0

    @property
    def precision(self) -> float:
        fp = self.fp_variant + len(self.fp_pairs)
        return self.tp / (self.tp + fp) if self.tp + fp else 0.0


def evaluate(docs: list[Doc], variants: list[tuple[str, str, str]], shingling: Shingling, mode: str) -> Result:
    texts = {d.key: d.text for d in docs}
    index = NearDupIndex(shingling=shingling)
    t0 = time.perf_counter()
    sigs = {d.key: signature(d.text, shingling=shingling) for d in docs}
    variant_sigs = [signature(text, shingling=shingling) for _, _, text in variants]
    ms_sig = (time.perf_counter() - t0) * 1000 / (len(docs) + len(variants))
    for key, sig in sigs.items():
        index.add(key, sig)
    text_of = texts.get if mode == "exact" else None

    def run(sig: bytes, text: str, exclude: str | None = None) -> list[str]:
        if mode == "exact":
            return [k for k, _ in index.query(sig, text=text, text_of=text_of, exclude=exclude)]
        return [k for k, _ in index.query(sig, exclude=exclude)]

    recall: dict[str, list[int]] = {}
    tp = fp_variant = 0
    t0 = time.perf_counter()
    for (kind, key, text), sig in zip(variants, variant_sigs):
        found = run(sig, text)
        hit = key in found
        tp += hit
        fp_variant += len([k for k in found if k != key])
        counts = recall.setdefault(kind, [0, 0])
        counts[0] += hit
        counts[1] += 1
    fp_pairs: set[tuple[str, str]] = set()
    candidate_pairs: set[tuple[str, str]] = set()
    for doc in docs:
        for other in index.candidates(sigs[doc.key]):
            if other != doc.key:
                candidate_pairs.add(tuple(sorted((doc.key, other))))  # type: ignore[arg-type]
        for other in run(sigs[doc.key], doc.text, exclude=doc.key):
            fp_pairs.add(tuple(sorted((doc.key, other))))  # type: ignore[arg-type]
    ms_query = (time.perf_counter() - t0) * 1000 / (len(variants) + len(docs))
    return Result(
        scheme=f"{shingling.kind}:{shingling.size}",
        mode=mode,
        recall_by_kind={k: (v[0], v[1]) for k, v in recall.items()},
        tp=tp,
        fp_variant=fp_variant,
        fp_pairs=fp_pairs,
        n_pairs=len(docs) * (len(docs) - 1) // 2,
        candidate_pairs=len(candidate_pairs),
        ms_per_signature=ms_sig,
        ms_per_query=ms_query,
    )


def negative_profile(docs: list[Doc], shingling: Shingling) -> dict[str, tuple[int, float, float, float]]:
    """For pair groups: (pairs, mean Jaccard, max Jaccard, max containment) over the real shingle sets."""
    sets = {d.key: shingle_set(d.text, shingling) for d in docs}
    groups: dict[str, list[tuple[float, float]]] = {"all": [], "same language": [], "same outlet": [], "seeds": []}
    for a, b in combinations(docs, 2):
        sim = exact_similarity(sets[a.key], sets[b.key])
        groups["all"].append(sim)
        if a.lang == b.lang:
            groups["same language"].append(sim)
        if a.outlet == b.outlet:
            groups["same outlet"].append(sim)
        if a.origin == b.origin == "seed":
            groups["seeds"].append(sim)
    out = {}
    for name, sims in groups.items():
        if sims:
            arr = np.array(sims)
            out[name] = (len(sims), float(arr[:, 0].mean()), float(arr[:, 0].max()), float(arr[:, 1].max()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-pages", type=int, default=300, help="extraction_dev pages to extract")
    parser.add_argument("--schemes", default="char:7,char:5,char:6,char:8,word:1,word:2,word:3")
    parser.add_argument("--seed", type=int, default=20240307)
    args = parser.parse_args()

    t0 = time.perf_counter()
    raw, skipped = load_corpus(args.max_pages)
    docs, dropped = clean_corpus(raw)
    print(
        f"corpus: {len(raw)} texts >= {MIN_CHARS} chars ({dict(skipped)} skipped), "
        f"{len(dropped)} dropped as near copies of an earlier text -> {len(docs)} distinct originals "
        f"[{time.perf_counter() - t0:.1f}s]"
    )
    for key, other, jac, con in dropped:
        print(f"  dropped {key}  ~ {other}  (J={jac:.2f}, containment={con:.2f})")
    print("  by origin:", dict(Counter(d.origin for d in docs)))
    print("  by language:", dict(Counter(d.lang for d in docs).most_common()))
    print(f"  mean length {np.mean([len(d.text) for d in docs]):.0f} chars")

    rng = random.Random(args.seed)
    variants = [(kind, d.key, text) for d in docs for kind, text in make_variants(d, rng, docs)]
    print(f"positives: {len(variants)} near copies: {dict(Counter(kind for kind, _, _ in variants))}")

    schemes = [Shingling(k, int(n)) for k, n in (s.split(":") for s in args.schemes.split(","))]
    print()
    header = (
        f"{'scheme':8} {'verify':8} {'precision':>9} {'recall':>7} {'boilerpl':>8} {'trunc':>6} "
        f"{'edits':>6} {'syndic':>6} {'clitic':>6} {'FP pairs':>8} {'cand/pair':>10} {'@1M':>6} {'ms/sig':>7} {'ms/query':>8}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for shingling in schemes:
        modes = ("exact", "estimate") if shingling == DEFAULT_SHINGLING else ("exact",)
        for mode in modes:
            r = evaluate(docs, variants, shingling, mode)
            results.append(r)
            kinds = [r.recall_by_kind.get(k, (0, 0)) for k in KINDS]
            print(
                f"{r.scheme:8} {mode:8} {r.precision:9.4f} {r.recall:7.4f} "
                + " ".join(f"{h / max(t, 1):>{w}.3f}" for (h, t), w in zip(kinds, (8, 6, 6, 6, 6)))
                + f" {len(r.fp_pairs):>4}/{r.n_pairs:<5} {r.candidate_pairs / r.n_pairs:10.6f}"
                f" {1e6 * r.candidate_pairs / r.n_pairs:6.0f}"
                f" {r.ms_per_signature:7.2f} {r.ms_per_query:8.2f}"
            )
    default = [r for r in results if r.scheme == f"{DEFAULT_SHINGLING.kind}:{DEFAULT_SHINGLING.size}"]
    for r in default:
        for a, b in sorted(r.fp_pairs):
            print(f"  false positive ({r.mode}): {a} ~ {b}")
    print()
    print("negative pairs (distinct originals), real shingle sets: pairs, mean J, max J, max containment")
    for shingling in schemes:
        prof = negative_profile(docs, shingling)
        print(
            f"  {shingling.kind}:{shingling.size}: "
            + "; ".join(f"{name} {n} / {mean:.3f} / {mx:.3f} / {con:.3f}" for name, (n, mean, mx, con) in prof.items())
        )
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
