"""Version diffs (crawler.dedup.versions) on real paragraphs from tests/fixtures/dedup (see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.dedup.versions import ChangeSummary, diff_versions, is_material_change, split_paragraphs, split_sentences

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dedup"
HE_YNET = (FIXTURES / "he_ynet_putin_thanks_hamas.txt").read_text(encoding="utf-8")
AR_KHANADEQ = (FIXTURES / "ar_alkhanadeq_will_russia_sacrifice_israel.txt").read_text(encoding="utf-8")

# The ynet paragraph on when Russia–Hamas relations began (two sentences).
HE_PARAGRAPH = next(p for p in split_paragraphs(HE_YNET) if p.startswith("היחסים בין רוסיה לחמאס החלו"))
HE_TITLE = "פוטין הודה לחמאס: מה עומד מאחורי הקשר בין רוסיה לארגון הטרור"


def test_hebrew_sentences() -> None:
    assert split_sentences(HE_PARAGRAPH) == [
        "היחסים בין רוסיה לחמאס החלו באופן רשמי בשנת 2006, לאחר המהפכה של חמאס בעזה וגירוש פתח מהשלטון ברצועה.",
        "רוסיה הייתה אז בין המדינות הראשונות שבירכו את חמאס, ואף נמנעו מלהגדיר אותו כארגון טרור.",
    ]
    # gershayim inside words (ארה"ב, מו"מ) and quotes do not end a sentence
    assert split_sentences('עבור ארה"ב זה "לא רלוונטי", אמר. מה עם מו"מ? אין.') == [
        'עבור ארה"ב זה "לא רלוונטי", אמר.',
        'מה עם מו"מ?',
        "אין.",
    ]


def test_arabic_sentences_split_on_question_mark_comma_and_line_breaks() -> None:
    text = "هل تضحيّ روسيا بإسرائيل؟\nمنذ بدء الحرب على غزة، اتخذت العلاقات منحى أكثر تعقيداً. وقالت الخارجية إن الاجتماعات مهمة!"
    assert split_sentences(text) == [
        "هل تضحيّ روسيا بإسرائيل؟",
        "منذ بدء الحرب على غزة،",
        "اتخذت العلاقات منحى أكثر تعقيداً.",
        "وقالت الخارجية إن الاجتماعات مهمة!",
    ]
    assert split_sentences(AR_KHANADEQ)[0] == "هل تضحيّ روسيا بإسرائيل؟"


def test_russian_and_english_sentences_keep_abbreviations_and_initials() -> None:
    assert split_sentences(
        "В 2024 г. глава МИД С. В. Лавров принял делегацию ХАМАС. Встреча прошла в Москве, т.е. в МИД. Итоги?"
    ) == [
        "В 2024 г. глава МИД С. В. Лавров принял делегацию ХАМАС.",
        "Встреча прошла в Москве, т.е. в МИД.",
        "Итоги?",
    ]
    assert split_sentences('Mr. Putin met U.S. envoys on Jan. 5. "It was useful." Talks went on… Then 3.5 hours more!') == [
        "Mr. Putin met U.S. envoys on Jan. 5.",
        '"It was useful."',
        "Talks went on…",
        "Then 3.5 hours more!",
    ]


def test_diff_on_edited_real_paragraph() -> None:
    old_text = HE_YNET
    edited = HE_PARAGRAPH.replace("בשנת 2006", "בשנת 2007") + " מאז נפגשו הצדדים עשרות פעמים במוסקבה ובדוחא."
    new_text = HE_YNET.replace(HE_PARAGRAPH, edited)
    change = diff_versions(HE_TITLE, old_text, HE_TITLE, new_text)
    assert change.title_changed is False
    assert change.sentences_removed == [split_sentences(HE_PARAGRAPH)[0]]
    assert change.sentences_added == [
        split_sentences(HE_PARAGRAPH)[0].replace("2006", "2007"),
        "מאז נפגשו הצדדים עשרות פעמים במוסקבה ובדוחא.",
    ]
    assert (change.paragraphs_added, change.paragraphs_removed) == (1, 1)
    assert change.size_delta == len(new_text) - len(old_text) == 45
    assert change.summary() == "2 sentences added, 1 removed; +45 chars"
    assert is_material_change(change)


def test_summary_line_format() -> None:
    change = ChangeSummary(title_changed=True, sentences_added=["a", "b", "c"], sentences_removed=["d"], size_delta=412)
    assert change.summary() == "title changed; 3 sentences added, 1 removed; +412 chars"
    assert ChangeSummary(False, [], ["x"], size_delta=-80).summary() == "1 sentence removed; -80 chars"
    assert ChangeSummary(False).summary() == "no text change; +0 chars"
    assert ChangeSummary(False, paragraphs_added=1, paragraphs_removed=2).summary() == "paragraph breaks changed; +0 chars"


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\n", "\n\n").replace(" ", "  "),  # whitespace only
        lambda t: t.replace("פוטין", "פּוּטִין"),  # niqqud added
        lambda t: t.replace("לחמאס,", "לחמאס ,").replace(".\n", ". \n"),  # spacing around punctuation
        lambda t: t.replace("באופן רשמי", "באופן רישמי"),  # typo fix (spelling variant)
        lambda t: t + "\nעודכן: 12:30",  # an "updated at" chrome line
    ],
)
def test_trivial_edits_are_not_material(edit) -> None:  # type: ignore[no-untyped-def]
    change = diff_versions(HE_TITLE, HE_YNET, HE_TITLE, edit(HE_YNET))
    assert not is_material_change(change), change


def test_arabic_harakat_and_tatweel_are_not_changes() -> None:
    new = AR_KHANADEQ.replace("روسيا", "رُوسِيَا").replace("حماس", "حمـــاس")
    change = diff_versions("هل تضحي روسيا بإسرائيل؟", AR_KHANADEQ, "هل تضحي رُوسيا بإسرائيل؟", new)
    assert change.sentences_added == [] and change.sentences_removed == [] and not change.title_changed
    assert not is_material_change(change)


@pytest.mark.parametrize(
    ("old_title", "new_title", "edit"),
    [
        (HE_TITLE, HE_TITLE, lambda t: t.replace("אחרי יותר מ-50 ימים", "אחרי יותר מ-52 ימים")),  # a number
        (HE_TITLE, "פוטין הודה לחמאס על שחרור טרופנוב", lambda t: t),  # a new headline
        (HE_TITLE, HE_TITLE, lambda t: t.replace(HE_PARAGRAPH, "")),  # a paragraph removed
        (HE_TITLE, HE_TITLE, lambda t: t.replace("הודה פוטין לחמאס", "הודה פוטין לאיראן")),  # a changed word
    ],
)
def test_material_edits(old_title: str, new_title: str, edit) -> None:  # type: ignore[no-untyped-def]
    change = diff_versions(old_title, HE_YNET, new_title, edit(HE_YNET))
    assert is_material_change(change), change.summary()


def test_identical_versions() -> None:
    change = diff_versions(HE_TITLE, HE_YNET, HE_TITLE, HE_YNET)
    assert change == ChangeSummary(title_changed=False)
    assert not is_material_change(change)
