"""Topic relevance: language-aware matching, false friends, datelines, proximity scoring, the JSONL CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.model import Match, Relevance
from crawler.relevance import ProfileError, load_profile, main, relevance_jsonl, score
from crawler.relevance_match import find_hits

FIXTURES = Path(__file__).parent / "fixtures" / "relevance"
SEEDS = sorted((FIXTURES / "seeds").glob("0*.txt"))


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def hits(text: str, profile, *, title: str = "") -> list[tuple[str, str]]:
    """(group, surface) of every counted mention in a text."""
    report = find_hits({"title": title, "lead": "", "text": text}, profile)
    fields = {"title": title, "text": text}
    return [(h.alias.group, fields[h.field][h.start : h.end]) for h in report.hits]


def groups(text: str, profile) -> list[str]:
    return [g for g, _ in hits(text, profile)]


# ------------------------------------------------------------------------------------------ morphology


@pytest.mark.parametrize("word", ["חמאס", "וחמאס", "לחמאס", "שבחמאס", "החמאס", "מחמאס", "ושהחמאס"])
def test_hebrew_prefixes_on_hamas(word, profile):
    assert hits(f"אמר כי {word} הודיע", profile) == [("hamas", word)]


@pytest.mark.parametrize(
    ("word", "group"),
    [("ברוסיה", "russia"), ("הקרמלין", "kremlin"), ("בקרמלין", "kremlin"), ("ממוסקבה", "moscow"), ("לפוטין", "putin")],
)
def test_hebrew_prefixes_on_russia_side(word, group, profile):
    assert groups(f"דיווח {word} היום", profile) == [group]


@pytest.mark.parametrize("text", ["הוא קיבל מחמאה מהשר", "מחמאות רבות", "חמאה על הלחם", "חמס ואלימות"])
def test_hebrew_false_friends_are_not_hamas(text, profile):
    assert hits(text, profile) == []


def test_hebrew_niqqud_is_ignored_and_offsets_stay_on_the_original(profile):
    text = "מַנְהִיגֵי חֲמָאס הִגִּיעוּ"
    [(group, surface)] = hits(text, profile)
    assert group == "hamas" and surface == "חֲמָאס"


@pytest.mark.parametrize(
    ("word", "group"),
    [
        ("وحماس", "hamas"),
        ("لحماس", "hamas"),
        ("بحركة حماس", "hamas"),
        ('حركة "حماس', "hamas"),  # the closing quote is not part of the match
        ("الكرملين", "kremlin"),
        ("للكرملين", "kremlin"),
        ("وبالكرملين", "kremlin"),
        ("بروسيا", "russia"),
        ("فروسيا", "russia"),
        ("وبوتين", "putin"),
    ],
)
def test_arabic_clitics(word, group, profile):
    # "غزة" is Palestinian context, which confirms a bare حماس.
    found = hits(f"قال {word} في غزة", profile)
    assert found == [(group, word)]


def test_arabic_harakat_tatweel_alef_and_ta_marbuta(profile):
    assert groups("حَمَاس في غزة", profile) == ["hamas"]
    assert groups("حمـــاس في غزة", profile) == ["hamas"]
    assert groups("التقى إسماعيل هنية", profile) == ["haniyeh"]
    assert groups("التقى اسماعيل هنيه", profile) == ["haniyeh"]
    assert groups("الخارجيه الروسيه", profile) == ["russian_mfa"]


@pytest.mark.parametrize(
    "text",
    [
        "حماسة الجماهير في الملعب",  # حماسة is only ever "enthusiasm"
        "شاهدنا حماس الجماهير في غزة",  # construct with the crowd: vetoed even with Palestinian context
        "استقبل الجمهور الفنان بحماس كبير",
        "ازداد الحماس بين اللاعبين",  # the article: the movement never takes it
        "غنى الجمهور بحماس لافت",  # bare, but nothing political nearby
    ],
)
def test_arabic_enthusiasm_is_not_hamas(text, profile):
    assert [g for g in groups(text, profile) if g == "hamas"] == []


def test_arabic_bare_hamas_confirmed_by_a_sure_mention_elsewhere(profile):
    text = "أعلنت حركة حماس موقفها.\nوقال مسؤول إن روسيا رحبت بحماس."
    assert groups(text, profile).count("hamas") == 2


@pytest.mark.parametrize(
    ("word", "group"),
    [
        ("ХАМАС", "hamas"),
        ("ХАМАСа", "hamas"),
        ("ХАМАСу", "hamas"),
        ("ХАМАСом", "hamas"),
        ("Хамасе", "hamas"),
        ("Россия", "russia"),
        ("России", "russia"),
        ("Россией", "russia"),
        ("Россию", "russia"),
        ("Москве", "moscow"),
        ("Москвой", "moscow"),
        ("Путину", "putin"),
        ("Путиным", "putin"),
        ("Кремлём", "kremlin"),
        ("Лавровым", "lavrov"),
        ("Захаровой", "zakharova"),
        ("Небензей", "nebenzia"),
        ("российскими", "russian_adjective"),
    ],
)
def test_russian_cases(word, group, profile):
    assert hits(f"Встреча с {word} состоялась", profile) == [(group, word)]


@pytest.mark.parametrize("text", ["Москвич купил машину", "росс", "Путинцев сказал", "хамасовский"])
def test_russian_no_prefix_matching(text, profile):
    assert hits(text, profile) == []


def test_russian_multiword_alias_declines(profile):
    assert hits("встреча с российскими дипломатами", profile) == [("russia", "российскими дипломатами")]
    assert hits("заявили в МИДе России", profile) == [("russian_mfa", "МИДе России")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia's envoy", [("russia", "Russia's")]),
        ("Hamas's leaders", [("hamas", "Hamas's")]),
        ("Hamas’ leaders", [("hamas", "Hamas")]),
        ("the Kremlin's line", [("kremlin", "Kremlin's")]),
        ("the Israel-Hamas war", [("hamas", "Hamas")]),
        ("the Russian foreign ministry said", [("russian_mfa", "Russian foreign ministry")]),
    ],
)
def test_english_possessives_and_compounds(text, expected, profile):
    assert hits(text, profile) == expected


@pytest.mark.parametrize("text", ["a trip to the Bahamas", "The Baaa-hamas.", "please rt this", "Russianness"])
def test_english_false_friends(text, profile):
    assert hits(text, profile) == []


def test_acronyms_need_capitals(profile):
    assert groups("He told RT on Monday", profile) == ["russian_state_media"]
    assert groups("please rt and like", profile) == []


# ------------------------------------------------------------------------------------------ datelines


@pytest.mark.parametrize(
    "text",
    [
        "MOSCOW (Reuters) - Hamas said on Monday it would study the proposal.",
        "MOSCOW, Oct 26 (Reuters) - Hamas said on Monday it would study the proposal.",
        "Moscow (AP) — Hamas said on Monday it would study the proposal.",
        "МОСКВА, 26 октября. /ТАСС/. ХАМАС рассмотрит предложение.",
        "موسكو - رويترز: قالت حركة حماس إنها ستدرس الاقتراح.",
    ],
)
def test_dateline_alone_is_not_russia(text, profile):
    rel = score(None, text, None, profile)
    assert not rel.relevant
    assert {m.side for m in rel.matches} == {"hamas"}
    assert "dateline" in rel.explanation


def test_real_tass_dateline_is_dropped(profile):
    text = (FIXTURES / "tass_ru_8836033_2020.txt").read_text(encoding="utf-8")
    surfaces = [s for _, s in hits(text, profile)]
    assert "МОСКВА" not in surfaces and "ТАСС" not in surfaces


def test_moscow_in_the_story_still_counts(profile):
    text = "MOSCOW (Reuters) - A Hamas delegation arrived in Moscow on Thursday for talks with Russian officials."
    rel = score(None, text, "en", profile)
    assert rel.relevant
    assert [m.surface for m in rel.matches if m.side == "russia"] == ["Moscow", "Russian officials"]


# ------------------------------------------------------------------------------------------ scoring

FILLER = "The council met to discuss the municipal budget and the new bus lanes. " * 200  # ~2,600 words


def test_proximity_same_sentence_beats_paragraph_beats_far_apart(profile):
    same_sentence = f"{FILLER}\nA Hamas delegation met Russian diplomats in Moscow.\n{FILLER}"
    adjacent = f"{FILLER}\nA Hamas delegation arrived on Monday. It met Russian diplomats.\n{FILLER}"
    far_apart = f"A Hamas delegation arrived on Monday.\n{FILLER}\nRussian diplomats were busy elsewhere."
    s_same, s_adj, s_far = (score(None, t, "en", profile).score for t in (same_sentence, adjacent, far_apart))
    assert s_same > s_adj > s_far == 0.0


def test_title_and_lead_weigh_more_than_the_body(profile):
    sentence = "Putin thanked Hamas for freeing the hostage."
    in_title = score(sentence, FILLER, "en", profile)
    in_lead = score(None, f"{sentence}\n{FILLER}", "en", profile)
    deep = score(None, f"{FILLER}\n{sentence}\n{FILLER}", "en", profile)
    assert in_title.score > in_lead.score > deep.score
    assert in_title.relevant and in_lead.relevant and not deep.relevant


def test_lead_field_is_scored_and_reported(profile):
    rel = score("Freed hostage visits the Kremlin", FILLER, "en", profile, lead="He said Hamas released him.")
    assert rel.relevant
    assert {m.field for m in rel.matches} == {"title", "lead"}


def test_one_side_only_is_not_relevant(profile):
    rel = score("Hamas accepts ceasefire proposal", "Hamas said it accepted the Egyptian-Qatari plan.", "en", profile)
    assert not rel.relevant and "Hamas side only" in rel.explanation
    rel = score("Putin meets Malaysia's prime minister", "Putin and Lavrov met the delegation.", "en", profile)
    assert not rel.relevant and "Russia side only" in rel.explanation


def test_roundup_of_separate_items_is_not_a_relation(profile):
    text = (
        "Russia's central bank raises key rate to 21%\n"
        "The Bank of Russia said inflation remained high across the economy.\n"
        "Hamas says it is studying the new ceasefire proposal\n"
        "The group said it would respond to the mediators within days.\n"
        "Kremlin says Putin has no plans to visit the summit\n"
        "Peskov said the schedule had not been finalised."
    )
    rel = score("News in brief", text, "en", profile)
    assert not rel.relevant and rel.score < 0.3


def test_real_roundup_page_is_not_relevant(profile):
    text = (FIXTURES / "ynetnews_category_3082_2025.txt").read_text(encoding="utf-8")
    rel = score(None, text, "en", profile)
    assert {m.side for m in rel.matches} == {"russia", "hamas"}  # both sides are there...
    assert not rel.relevant  # ...but never as a relation


def test_other_conflict_and_comparison_are_not_relations(profile):
    rel = score(
        "Zelensky compares Hamas to Russia",
        "Ukrainian President Volodymyr Zelensky drew a parallel between Russia's invasion of his country and "
        "the Hamas attack on Israel.\nHe said it was the same evil.",
        "en",
        profile,
    )
    assert not rel.relevant
    assert "weakened" in rel.explanation


def test_negative_stance_is_relevant(profile):
    rel = score("Kremlin cools on Hamas", "Russia distanced itself from Hamas after the attack, Peskov said.", "en",
                profile)
    assert rel.relevant


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_all_five_seeds_are_relevant(path, profile):
    rel = score(None, path.read_text(encoding="utf-8"), None, profile)
    assert rel.relevant and rel.score > 0.8
    assert {m.side for m in rel.matches} == {"russia", "hamas"}


def test_matches_point_into_the_original_fields(profile):
    title = "Хамас поблагодарил Путина"
    text = "Делегация ХАМАСа прибыла в Москву.\nВстреча с Лавровым прошла в МИДе России."
    rel = score(title, text, "ru", profile)
    assert isinstance(rel, Relevance) and all(isinstance(m, Match) for m in rel.matches)
    fields = {"title": title, "text": text}
    for m in rel.matches:
        assert fields[m.field][m.start : m.end] == m.surface
    assert rel.relevant and 0.0 <= rel.score <= 1.0


def test_threshold_is_configurable(profile):
    text = "A Hamas delegation met Russian diplomats in Moscow."
    rel = score(None, text, "en", profile)
    assert rel.relevant
    assert not score(None, text, "en", profile, threshold=0.99).relevant
    assert profile.threshold == 0.5


def test_empty_document(profile):
    rel = score(None, "", None, profile)
    assert rel == Relevance(0.0, False, [], rel.explanation) and "no Russia-side or Hamas-side term" in rel.explanation


# ------------------------------------------------------------------------------------------ profile


def test_custom_profile_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(
        """
[profile]
name = "test"
threshold = 0.3

[groups.rus]
side = "russia"
en = ["Russia"]

[groups.ham]
side = "hamas"
ar = ["حركة"]
suffixes.ar = ["حركة"]
""",
        encoding="utf-8",
    )
    p = load_profile(path)
    assert p.threshold == 0.3 and p.name == "test"
    # Arabic attached pronouns are matched only for aliases that allow them: حركتها = حركة + ها
    assert [m.surface for m in score(None, "Russia and حركتها", None, p).matches] == ["Russia", "حركتها"]


@pytest.mark.parametrize(
    "body",
    [
        "[groups.a]\nside = 'russia'\nen = ['Russia']\n",  # no Hamas-side group
        "[groups.a]\nside = 'moon'\nen = ['x']\n[groups.b]\nside='hamas'\nen=['y']\n",
        "[profile]\nthreshold = 3\n[groups.a]\nside='russia'\nen=['x']\n[groups.b]\nside='hamas'\nen=['y']\n",
    ],
)
def test_malformed_profiles_are_rejected(tmp_path, body):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile(path)


# ------------------------------------------------------------------------------------------ JSONL / CLI


def test_relevance_jsonl_shape(profile):
    lines = [
        json.dumps({"id": "a", "lang": "en", "title": "Hamas thanks Putin", "text": ""}),
        "",
        "not json",
        json.dumps({"id": 7, "lang": "he", "title": None, "text": "מחמאה"}),
    ]
    out = list(relevance_jsonl(lines, profile))
    assert [o["id"] for o in out] == ["a", None, 7]
    assert set(out[0]) == {"id", "relevant", "score", "matches"} and out[0]["relevant"] is True
    assert out[0]["matches"][0] == {
        "group": "hamas", "side": "hamas", "term": "Hamas", "surface": "Hamas", "field": "title", "start": 0, "end": 5
    }
    assert "error" in out[1] and out[1]["relevant"] is False
    assert out[2]["matches"] == [] and out[2]["score"] == 0.0
    assert not next(relevance_jsonl(lines[:1], profile, threshold=0.99))["relevant"]


def test_cli_main(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "x", "lang": "ar", "title": "وفد حماس في موسكو", "text": ""}) + "\n",
                    encoding="utf-8")
    assert main([str(path), "--explain"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["id"] == "x" and row["relevant"] is True and row["explanation"].startswith("relevant")
