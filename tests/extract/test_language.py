"""crawler.extract.language: metadata when the text agrees, py3langid otherwise; mixed pages keep the dominant language."""

from __future__ import annotations

import pytest

from crawler.extract.language import detect_language, dominant_script, normalize_code

# Short excerpts of the project's reference documents (shared/seeds, see tests/fixtures/pages/README.md).
HEBREW = (
    "אחרי שחרורו של שורד השבי סשה טרופנוב, המחזיק באזרחות רוסית, הזמין אותו הנשיא ולדימיר פוטין לביקור בקרמלין. "
    "שם, מול סשה ומשפחתו, הודה פוטין לחמאס על השחרור, מבלי לציין את חלקו בחטיפה ובהחזקת בני המשפחה בשבי."
)
ARABIC = (
    "سافر ممثلو حماس إلى موسكو يوم 26 تشرين الأول/ أكتوبر، للاجتماع مع وزراء الخارجية الروس. "
    "ويعتقد أن المجموعة ناقشت خلال الزيارة الصراع الدائر بين إسرائيل وحماس."
)
RUSSIAN = (
    "Движение от Можайского до Новорижского шоссе на пятом пусковом комплексе Центральной кольцевой автодороги "
    "открывается в понедельник. Об этом говорится в сообщении Автодора."
)
ENGLISH = (
    "An Israeli tank crew killed a Reuters reporter in Lebanon in October by firing two shells at a clearly "
    "identified group of journalists and then likely opened fire on them with a heavy machine gun."
)
PERSIAN = (
    "وزیر امور خارجه روسیه روز پنجشنبه با هیئتی از حماس در مسکو دیدار کرد و درباره آتش بس در نوار غزه گفتگو کردند. "
    "این سومین سفر نمایندگان این گروه به روسیه پس از حمله هفتم اکتبر است."
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("he-IL", "he"),
        ("iw", "he"),
        ("ar_AE", "ar"),
        ("EN-us", "en"),
        ("ru", "ru"),
        ("", None),
        (None, None),
        ("x-default", None),
        ("hebrew", None),
    ],
)
def test_normalize_code(raw: str | None, code: str | None) -> None:
    assert normalize_code(raw) == code


@pytest.mark.parametrize(("text", "code"), [(HEBREW, "he"), (ARABIC, "ar"), (RUSSIAN, "ru"), (ENGLISH, "en"), (PERSIAN, "fa")])
def test_detects_without_metadata(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(("text", "declared"), [(HEBREW, "he-IL"), (ARABIC, "ar"), (RUSSIAN, "ru-RU"), (ENGLISH, "en-GB")])
def test_consistent_metadata_is_kept(text: str, declared: str) -> None:
    assert detect_language(text, declared) == normalize_code(declared)


@pytest.mark.parametrize(
    ("text", "declared", "code"),
    [
        (ARABIC, "en", "ar"),  # a CMS default on an Arabic page
        (HEBREW, "ru", "he"),
        (ENGLISH, "he", "en"),  # an English piece on a Hebrew outlet
        (ENGLISH, "de", "en"),  # same script, but the classifier is sure
        (PERSIAN, "ar", "fa"),  # same script, but clearly Persian
    ],
)
def test_contradicted_metadata_is_overruled(text: str, declared: str, code: str) -> None:
    assert detect_language(text, declared) == code


def test_mixed_pages_keep_the_dominant_language() -> None:
    hebrew_with_quote = HEBREW + ' לדבריו, "We will not allow Russia to mediate", אמר הבכיר. ' + HEBREW
    assert detect_language(hebrew_with_quote) == "he"
    arabic_with_menu = "Home News Sport Contact Login " + ARABIC + " " + ARABIC
    assert detect_language(arabic_with_menu) == "ar"
    assert detect_language(arabic_with_menu, "en") == "ar"
    assert dominant_script(arabic_with_menu)[0] == "arabic"


def test_too_little_text_falls_back_to_the_declaration() -> None:
    assert detect_language("", "he") == "he"
    assert detect_language("12:30", "ar-EG") == "ar"
    assert detect_language("") is None
    assert detect_language("OK", None) is None
