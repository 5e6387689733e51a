"""PDF text extraction with Hebrew and Arabic in logical order (crawler/extract/pdf.py, crawler/extract/bidi.py).

Fixtures: tests/fixtures/pdf/ (provenance in its README.md). Every PDF there must carry a `.truth.txt` or an
`.error.txt`, so a new fixture without one fails here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from bidi import get_display

import crawler.extract.pdf as pdf_module
from crawler.extract.budget import DocumentBudget
from crawler.extract.bidi import (
    Glyph,
    LogicalText,
    bracket_errors,
    normalize_presentation_forms,
    page_lines,
    reversal_evidence,
    to_logical,
    to_visual,
)
from crawler.extract.pdf import PdfError, PdfText, extract_pdf, looks_like_pdf
from tests.pdf_builder import pdf_from_streams

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pdf"
ALL_PDFS = sorted(FIXTURES.rglob("*.pdf"))
WORD365 = FIXTURES / "pdfjs__issue11656__he_word365.pdf"
TWO_COLUMNS = FIXTURES / "constructed" / "two_columns_he_en.pdf"
# Fixtures whose whole output must equal their truth file line for line (order included): every real Hebrew
# file, the generated ones and the single-column Arabic ones. BidiSample is a two-column table whose truth is
# split into cells, so only its segments are pinned.
EXACT = [
    "pdfjs__issue11656__he_word365.pdf",
    "pdfjs__issue10301__he_excel2016.pdf",
    "pdfium__hebrew_mirrored__he_synthetic.pdf",
    "pdfbox__PDFBOX-4531-bidi-ligature-1__he_ar_ligature.pdf",
    "pdfjs__ArabicCIDTrueType__ar_presforms.pdf",
    "pdfjs__issue5677__ar_presforms_marks.pdf",
    "generated/gen_fpdf2_shaped.pdf",
    "generated/gen_reportlab_logical.pdf",
    "generated/gen_reportlab_visual.pdf",
    "constructed/encrypted_empty_password_aes128.pdf",
    "constructed/encrypted_empty_password_rc4.pdf",
]
_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")


def _norm(text: str) -> str:
    """The fixtures' matching rule: NFKC, no bidi controls, runs of spaces collapsed."""
    return re.sub(" +", " ", _CONTROLS.sub("", unicodedata.normalize("NFKC", text))).strip()


def _truth_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _sibling(pdf: Path, suffix: str) -> Path:
    return pdf.with_name(pdf.name.removesuffix(".pdf") + suffix)


def _lines(result: PdfText) -> list[str]:
    return [line for line in result.text.split("\n") if line]


# --- every fixture -------------------------------------------------------------------------------------------


def test_fixture_folder_is_not_empty() -> None:
    assert len(ALL_PDFS) >= 14


@pytest.mark.parametrize("pdf", ALL_PDFS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_truth(pdf: Path) -> None:
    truth, error = _sibling(pdf, ".truth.txt"), _sibling(pdf, ".error.txt")
    assert truth.exists() or error.exists(), f"{pdf.name}: add a .truth.txt (or .error.txt) beside it"
    if error.exists():
        reason = _truth_lines(error)[0]
        with pytest.raises(PdfError) as raised:
            extract_pdf(pdf.read_bytes())
        assert raised.value.reason == reason
        return
    segments = [_norm(line) for line in _truth_lines(truth)]
    assert segments
    result = extract_pdf(pdf.read_bytes())
    lines = [_norm(line) for line in _lines(result)]
    missing = [seg for seg in segments if not any(seg in line for line in lines)]
    assert not missing, f"missing segments: {missing}\noutput:\n{result.text}"
    assert result.method == "pdfminer+bidi"
    assert result.pages >= 1


@pytest.mark.parametrize("name", EXACT)
def test_fixture_output_is_exact(name: str) -> None:
    pdf = FIXTURES / name
    assert _lines(extract_pdf(pdf.read_bytes())) == _truth_lines(_sibling(pdf, ".truth.txt"))


# --- what the issue names ------------------------------------------------------------------------------------


def test_word_hebrew_digits_brackets_punctuation_in_place() -> None:
    lines = _lines(extract_pdf(WORD365.read_bytes()))
    assert lines[0] == "שלום עולם מה שלום כולם?"  # the `?` had a space glyph painted over it
    assert "לפי סעיף 15(ב)(4) לחוק" in lines[3]


def test_presentation_forms_unfolded_after_reordering_and_marks_kept() -> None:
    ligature = _lines(extract_pdf((FIXTURES / "pdfbox__PDFBOX-4531-bidi-ligature-1__he_ar_ligature.pdf").read_bytes()))
    assert ligature == ["\u05d0\u05bc", "\u0644\u0627"]  # alef + dagesh kept; lam then alef, not alef then lam
    marks = _lines(extract_pdf((FIXTURES / "pdfjs__issue5677__ar_presforms_marks.pdf").read_bytes()))
    assert "\u064b" in marks[0] and marks[0].index("\u064b") == marks[0].index("\u0627") + 1  # fathatan on alef
    assert marks[3] == "السّيّدة"  # two shaddas, each after its letter
    assert not any("\ufb50" <= ch <= "\ufeff" for line in marks for ch in line)


def test_two_column_pages_read_column_by_column_in_script_direction() -> None:
    lines = _lines(extract_pdf(TWO_COLUMNS.read_bytes()))
    assert lines[0] == "רוסיה וחמאס: סקירת עיתונות"
    right, left = lines.index("משרד החוץ הרוסי אירח ביום שני"), lines.index("המכון למחקרי ביטחון לאומי (INSS)")
    assert lines[right + 1] == "משלחת בכירה של חמאס במוסקבה."  # down the right column first
    assert right < left
    en_left, en_right = lines.index("Moscow hosted a Hamas delegation"), lines.index("Israel's foreign ministry called the")
    assert en_left < en_right and lines[en_left + 1] == "on Thursday, weeks after the attack"


def test_metadata_title_and_page_count() -> None:
    result = extract_pdf((FIXTURES / "generated" / "gen_fpdf2_shaped.pdf").read_bytes())
    assert result.title == "RTL fixture: fpdf2 + HarfBuzz shaping"
    assert result.pages == 1 and result.warnings == [] and result.encrypted is False
    assert extract_pdf(WORD365.read_bytes()).title is None  # empty /Title


@pytest.mark.parametrize("name", ["encrypted_empty_password_aes128.pdf", "encrypted_empty_password_rc4.pdf"])
def test_encrypted_with_empty_password_opens(name: str) -> None:
    result = extract_pdf((FIXTURES / "constructed" / name).read_bytes())
    assert result.encrypted is True
    assert _lines(result)[0] == "מסמך מוצפן עם סיסמה ריקה (בדיקה)"


def test_password_protected_is_a_clear_error() -> None:
    with pytest.raises(PdfError) as raised:
        extract_pdf((FIXTURES / "constructed" / "encrypted_user_password.pdf").read_bytes())
    assert raised.value.reason == "encrypted"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not_pdf"),
        (b"<!doctype html><html><body>Not found</body></html>", "not_pdf"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, "corrupt"),
        (WORD365.read_bytes()[:12000], "corrupt"),  # a download cut short
    ],
    ids=["empty", "html", "garbage", "truncated"],
)
def test_corrupt_or_foreign_bytes_raise_pdf_error(data: bytes, reason: str) -> None:
    with pytest.raises(PdfError) as raised:
        extract_pdf(data)
    assert raised.value.reason == reason
    assert str(raised.value).startswith(reason)


def _latin_pdf(pages: list[str], contents: list[bytes] | None = None) -> bytes:
    """A minimal valid PDF with one Helvetica line per page, or the given content streams (constructed in memory)."""
    return pdf_from_streams(contents or [b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET" for text in pages])


def test_page_cap_truncates_and_warns() -> None:
    data = _latin_pdf([f"Page {i} Hamas Moscow" for i in range(1, 6)])
    full = extract_pdf(data)
    assert full.pages == 5 and full.warnings == []
    assert _lines(full) == [f"Page {i} Hamas Moscow" for i in range(1, 6)]
    capped = extract_pdf(data, max_pages=2)
    assert capped.pages == 5
    assert "Page 2 Hamas Moscow" in capped.text and "Page 3" not in capped.text
    assert any(w.startswith("truncated: extracted 2 of 5 pages") for w in capped.warnings)


def test_default_page_cap_is_300() -> None:
    import inspect

    assert inspect.signature(extract_pdf).parameters["max_pages"].default == 300


def test_looks_like_pdf() -> None:
    assert looks_like_pdf(WORD365.read_bytes())
    assert looks_like_pdf(b"\xef\xbb\xbf junk before the header\n%PDF-1.5\n")
    assert not looks_like_pdf(b"<html>%PDF- far away</html>".rjust(2000))
    assert not looks_like_pdf(b"")


# --- per-page fallback to pypdfium2 ----------------------------------------------------------------------------


def test_page_that_reads_reversed_falls_back_to_pypdfium2(monkeypatch: pytest.MonkeyPatch) -> None:
    """When word shapes say our line order is reversed (final letters starting words), pypdfium2 is used."""

    def reversed_lines(glyphs: list[Glyph]) -> list[list[LogicalText]]:
        lines = page_lines(glyphs)
        return [[LogicalText(c.plain[::-1], c.mirrored[::-1], c.vote) for c in line] for line in lines]

    monkeypatch.setattr(pdf_module, "page_lines", reversed_lines)
    result = extract_pdf(WORD365.read_bytes())
    assert result.method == "pypdfium2"
    assert any("reads reversed" in w for w in result.warnings)
    assert "שלום עולם מה שלום כולם?" in result.text


def test_page_pdfminer_cannot_read_uses_pypdfium2(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(glyphs: list[Glyph]) -> list[list[LogicalText]]:
        raise KeyError("font")

    monkeypatch.setattr(pdf_module, "page_lines", broken)
    result = extract_pdf((FIXTURES / "pdfjs__issue10301__he_excel2016.pdf").read_bytes())
    assert result.method == "pypdfium2"
    assert any(w.startswith("page 1: pdfminer failed") for w in result.warnings)
    assert "abc" in result.text


# --- the pure line stage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "logical",
    [
        "רוסיה מתייצבת לצד חמאס, ומסרבת לגנות את המתקפה",
        "ב-7 באוקטובר 2023 חדרו כ-3,000 מחבלים לשטח ישראל.",
        "המכון למחקרי ביטחון לאומי (INSS) פרסם את המאמר בעמ׳ 12–14.",
        "הסכם אוסלו נחתם ב-1993; ראו גם UNSC 2334",
        "לחיוב פעולות אלה לפי סעיף 15(ב)(4) לחוק מבקר המדינה",
        "روسيا تقف إلى جانب حماس وترفض إدانة الهجوم (تقرير 2023)",
        "اطلع عليه بتاريخ 2023-11-29.",  # digits after an Arabic word are Arabic numbers: read from the right
        "A line with an Arabic العربية word embedded.",
    ],
)
@pytest.mark.parametrize("shapes", [False, True], ids=["word", "quartz"])
def test_visual_line_back_to_logical(logical: str, shapes: bool) -> None:
    """Painted as Word (logical bracket code points) or Quartz (shapes) would, the line comes back exactly."""
    visual = to_visual(logical, shapes=shapes)
    assert visual != logical
    assert to_logical(visual).choose(prefer_mirrored=shapes) == logical


def test_to_visual_is_python_bidi_layout() -> None:
    assert to_visual("ב-7 באוקטובר") == get_display("ב-7 באוקטובר", base_dir="R")
    assert to_visual("(שלום)") == ")םולש(" and to_visual("(שלום)", shapes=True) == "(םולש)"


def test_brackets_mirrored_only_when_that_balances_them() -> None:
    quartz = to_logical("(ריאני)")  # Quartz paints the shape: "(" on the left of an RTL word
    assert quartz.vote > 0 and quartz.choose(prefer_mirrored=False) == "(ינאיר)"
    word = to_logical(")ריאני(")  # Word paints the logical code point
    assert word.vote < 0 and word.choose(prefer_mirrored=True) == "(ינאיר)"
    assert to_logical("abc (def)").plain == "abc (def)"  # no RTL letter: untouched


def test_bracket_errors() -> None:
    assert bracket_errors("15(ב)(4) «x»") == 0
    assert bracket_errors(")x(") == 2
    assert bracket_errors("1) item") == 1


def test_reversal_evidence_from_hebrew_final_letters_and_arabic_forms() -> None:
    assert reversal_evidence("שלום עולם מה שלום כולם") == (4, 0)
    assert reversal_evidence("םולש םלוע המ םולש םלוכ") == (0, 4)
    logical, reversed_ = reversal_evidence("\ufedf\ufeae")  # initial lam first, final reh last
    assert (logical, reversed_) == (1, 0)


def test_normalize_presentation_forms_only_touches_presentation_forms() -> None:
    assert normalize_presentation_forms("\ufefb \ufb01x ½ …") == "\u0644\u0627 fix ½ …"


def _row(text: str, x: float, y: float, width: float = 6.0, size: float = 10.0) -> list[Glyph]:
    return [Glyph(ch, x + i * width, x + (i + 1) * width, y, y + size, size) for i, ch in enumerate(text)]


def test_page_lines_sorts_by_position_not_stream_order() -> None:
    # Logical-order storage (like gen_reportlab_logical): glyphs arrive right to left.
    visual = "םולש"  # what the page shows, left to right
    glyphs = list(reversed(_row(visual, 100, 700)))
    assert [[c.plain for c in line] for line in page_lines(glyphs)] == [["שלום"]]


def test_page_lines_inserts_spaces_at_gaps_and_drops_duplicates() -> None:
    glyphs = _row("Hamas", 100, 700) + _row("Moscow", 140, 700)  # 10-unit gap, no space glyph
    glyphs += [Glyph("H", 100.3, 106.3, 700, 710, 10)]  # fake-bold second paint of the H
    assert [[c.plain for c in line] for line in page_lines(glyphs)] == [["Hamas Moscow"]]


def test_marks_painted_over_their_letter_follow_it_in_canonical_order() -> None:
    # Visual, left to right: ם ו ל ש; holam drawn over the vav, qamats and shin dot over the shin
    # (shin dot painted first: the output must still be in canonical order, qamats before shin dot).
    glyphs = [
        Glyph("ם", 100, 106, 700, 710, 10),
        Glyph("ו", 106, 109, 700, 710, 10),
        Glyph("\u05b9", 107, 108, 700, 710, 10),
        Glyph("ל", 109, 115, 700, 710, 10),
        Glyph("ש", 115, 122, 700, 710, 10),
        Glyph("\u05c1", 120, 121, 700, 710, 10),
        Glyph("\u05b8", 117, 120, 700, 710, 10),
    ]
    assert [[c.plain for c in line] for line in page_lines(glyphs)] == [["ש\u05b8\u05c1לו\u05b9ם"]]


def test_heavy_pages_and_spent_time_budget_fall_back_to_pypdfium2(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _latin_pdf(["Page 1 Hamas", "Page 2 Moscow"])
    monkeypatch.setattr(pdf_module, "MAX_PAGE_OBJECTS", 0)
    heavy = extract_pdf(data)
    assert heavy.method == "pypdfium2" and "Page 2 Moscow" in heavy.text
    assert any("too heavy for pdfminer" in w for w in heavy.warnings)
    monkeypatch.setattr(pdf_module, "MAX_PAGE_OBJECTS", 20_000)
    late = extract_pdf(data, budget=DocumentBudget(seconds=-1.0))
    assert late.method == "pypdfium2" and "Page 1 Hamas" in late.text
    assert any("time budget" in w for w in late.warnings)


def test_max_pages_must_be_positive() -> None:
    with pytest.raises(ValueError):
        extract_pdf(WORD365.read_bytes(), max_pages=0)


def test_rotated_text_is_read_in_its_own_frame() -> None:
    content = (
        b"BT /F1 12 Tf 72 720 Td (Moscow hosted a Hamas delegation) Tj ET "
        b"BT /F1 9 Tf 0 1 -1 0 560 100 Tm (Sidebar running up the margin) Tj ET "
        b"BT /F1 9 Tf 0 -1 1 0 30 700 Tm (Another running down) Tj ET"
    )
    lines = _lines(extract_pdf(_latin_pdf([], [content])))
    assert lines[0] == "Moscow hosted a Hamas delegation"
    assert set(lines[1:]) == {"Sidebar running up the margin", "Another running down"}
