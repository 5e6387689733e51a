"""PDF bytes -> text, with Hebrew and Arabic in logical order.

Pure stage (no Scrapy): `extract_pdf(data) -> PdfText`, `looks_like_pdf(data)`; `PdfError` when the bytes are
not a readable PDF.

How: pypdfium2 opens the document first (a fast C parser: it rejects corrupt files at once, tells whether the
file is encrypted, gives the page count and the metadata title). pdfminer.six then gives each page's glyphs
with their boxes, and `crawler.extract.bidi` turns them into lines in logical order (method "pdfminer+bidi").
A page falls back to pypdfium2's own text (method "pypdfium2") when pdfminer cannot read it, when it is too
heavy for pdfminer's pure-Python parser, when the time budget is spent, or when word shapes (Hebrew final
letters, Arabic initial/final forms) say our output reads reversed and pypdfium2's does not. pypdfium2 is not
the first choice: it reverses each RTL run on its own and so misplaces digits, Latin words and brackets in
mixed lines (research/pdf.md).

pdfium is not thread-safe: call this from one thread at a time (Scrapy's reactor thread is fine).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTItem
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

from crawler.extract.budget import DocumentBudget, inflate_chunks
from crawler.extract.bidi import (
    Glyph,
    LogicalText,
    clean_glyph_text,
    finish_line,
    normalize_presentation_forms,
    page_lines,
    reversal_evidence,
)

log = logging.getLogger(__name__)

METHOD_BIDI = "pdfminer+bidi"
METHOD_PDFIUM = "pypdfium2"
# Most PDF readers accept a header anywhere in the first KiB (some servers prepend junk or a BOM).
HEADER_WINDOW = 1024
# Think-tank reports run to 150 pages; anything much longer is a book or a data annex, not coverage.
DEFAULT_MAX_PAGES = 300
# pdfminer writes a glyph it cannot map to Unicode as "(cid:123)": noise, never text.
_UNMAPPED_PREFIX = "(cid:"
# A page is judged reversed only on this many words of evidence: one odd word (an acronym, a foreign name)
# proves nothing.
MIN_REVERSAL_VOTES = 3
# pdfminer parses every path of a page in Python: a vector map or chart with a million segments takes minutes.
# A text page has a few thousand page objects at most (pdfium counts each text run, path and image as one).
MAX_PAGE_OBJECTS = 20_000
# The document's time budget (crawler.extract.budget.SECONDS) bounds the pdfminer pass (about 60 ms a page: 300
# pages take ~20 s). Once spent, the remaining pages take pypdfium2's text, so a pathological file cannot stall a
# crawl.
# The start of a stream's data; its dictionary comes just before (PDF 32000-1, 7.3.8).
_STREAM_START = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_STREAM_END = b"endstream"
# How far back from "stream" the stream's dictionary is looked for.
_DICT_WINDOW = 2048
# Operators that make one pdfium page object each: text showing, path painting, XObjects, shadings. Counted by
# splitting on whitespace and delimiters (a C-speed pass; a regex scan took 0.1 s per MiB).
_OBJECT_OPERATORS = frozenset(b"Tj TJ Do sh f F f* S s B B* b b*".split())
_DELIMITERS_TO_SPACE = bytes.maketrans(b"()[]<>/{}", b" " * 9)


class PdfError(Exception):
    """The bytes are not a PDF we can read. `reason` is a short stable code; `detail` says more.

    Reasons: "not_pdf" (no %PDF- header), "corrupt" (pdfium cannot open it), "encrypted" (needs a password).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class PdfText:
    text: str  # pages separated by a blank line, lines by "\n", table cells on one line by "\t"
    pages: int  # pages in the document (not only the extracted ones)
    method: str  # "pdfminer+bidi", "pypdfium2", or "pdfminer+bidi,pypdfium2" when pages differed
    title: str | None = None  # /Title from the document information dictionary, if any
    warnings: list[str] = field(default_factory=list)
    encrypted: bool = False  # encrypted, and opened with the empty user password


@dataclass
class _MinerPage:
    """What the pdfminer pass made of one page."""

    lines: list[list[LogicalText]] | None = None  # None: use pypdfium2 for this page
    problem: str = ""  # why not, for the warnings
    unmapped: int = 0  # glyphs without a Unicode mapping, skipped


def looks_like_pdf(data: bytes) -> bool:
    """True when a %PDF- header appears in the first KiB."""
    return b"%PDF-" in data[:HEADER_WINDOW]


def extract_pdf(data: bytes, *, max_pages: int = DEFAULT_MAX_PAGES, budget: DocumentBudget | None = None) -> PdfText:
    """Text of a PDF in logical order. Raises PdfError for non-PDF, corrupt or password-protected input, and
    BudgetExceeded (before pdfium or pdfminer parse anything) when its streams inflate past the budget."""
    if max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, not {max_pages}")
    if not looks_like_pdf(data):
        raise PdfError("not_pdf", "no %PDF- header in the first 1024 bytes")
    budget = budget or DocumentBudget()
    charge_streams(data, budget)
    document = _open_pdfium(data)
    try:
        encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1
        total = len(document)
        title = (document.get_metadata_value("Title") or "").strip() or None
        warnings: list[str] = []
        limit = min(total, max_pages)
        if limit < total:
            warnings.append(f"truncated: extracted {limit} of {total} pages (max_pages={max_pages})")
        pages, methods = _extract_pages(data, document, limit, warnings, budget)
    finally:
        document.close()
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        warnings.append("no text layer: the PDF may be scanned images")
    return PdfText(
        text=text,
        pages=total,
        method=",".join(m for m in (METHOD_BIDI, METHOD_PDFIUM) if m in methods) or METHOD_BIDI,
        title=title,
        warnings=warnings,
        encrypted=encrypted,
    )


def charge_streams(data: bytes, budget: DocumentBudget) -> None:
    """Charge every stream that text extraction would decode (all but images) to `budget`: inflated bytes and
    the page objects its operators would make. pdfium and pdfminer both decode content streams whole and build
    every object, so a small file can otherwise cost gigabytes; this pass holds one 1 MiB chunk at a time.
    Images are skipped: neither library decodes them to read text. Filters other than Flate (LZW, RunLength;
    rare since PDF 1.2) are charged at their encoded size."""
    for match in _STREAM_START.finditer(data):
        start = match.end()
        end = data.find(_STREAM_END, start)
        end = len(data) if end == -1 else end
        head = data[max(0, match.start() - _DICT_WINDOW) : match.start()]
        dictionary = head[head.rfind(b"obj") + 1 :]
        if b"/Image" in dictionary:
            continue
        what = f"the PDF stream at byte {start}"
        raw = data[start:end]
        chunks = inflate_chunks(raw, budget, what) if b"/FlateDecode" in dictionary or b"/Fl " in dictionary else _charged(raw, budget, what)
        objects = 0
        for chunk in chunks:
            objects += sum(1 for token in chunk.translate(_DELIMITERS_TO_SPACE).split() if token in _OBJECT_OPERATORS)
            budget.check_objects(objects, what)


def _charged(raw: bytes, budget: DocumentBudget, what: str) -> Iterator[bytes]:
    budget.charge_bytes(len(raw), what)
    yield raw


def _open_pdfium(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise PdfError("encrypted", "a password is required (the empty password was refused)") from exc
        raise PdfError("corrupt", str(exc)) from exc


def _extract_pages(
    data: bytes, document: pdfium.PdfDocument, limit: int, warnings: list[str], budget: DocumentBudget
) -> tuple[list[str], set[str]]:
    """Every page up to `limit`: pdfminer+bidi lines, or pypdfium2 text where that is better or all there is."""
    heavy = {i for i in range(limit) if _object_count(document, i) > MAX_PAGE_OBJECTS}
    miner = list(_pdfminer_pages(data, limit, heavy, budget))
    if len(miner) < limit:
        warnings.append(f"pdfminer read {len(miner)} of {limit} pages; used pypdfium2 for the rest")
        miner += [_MinerPage(problem="")] * (limit - len(miner))
    unmapped = sum(p.unmapped for p in miner)
    if unmapped:
        warnings.append(f"{unmapped} glyphs have no Unicode mapping in their font and were skipped")
    # Which bracket convention the producer used is one decision per document: lines that balance either way
    # follow the lines that do not.
    vote = sum(cell.vote for page in miner if page.lines for line in page.lines for cell in line)
    pages: list[str] = []
    methods: set[str] = set()
    for index, page in enumerate(miner):
        if page.lines is None:
            if page.problem:
                warnings.append(f"page {index + 1}: {page.problem}; used pypdfium2")
            pages.append(normalize_presentation_forms(_pdfium_page_text(document, index)))
            methods.add(METHOD_PDFIUM)
            continue
        logical, reversed_ = reversal_evidence("\n".join("\t".join(c.plain for c in line) for line in page.lines))
        if reversed_ >= MIN_REVERSAL_VOTES and reversed_ > logical:
            alternative = _pdfium_page_text(document, index)
            alt_logical, alt_reversed = reversal_evidence(alternative)
            if alt_logical - alt_reversed > logical - reversed_:
                warnings.append(f"page {index + 1}: glyph order reads reversed ({reversed_} words vs {logical}); used pypdfium2")
                pages.append(normalize_presentation_forms(alternative))
                methods.add(METHOD_PDFIUM)
                continue
        pages.append("\n".join(finish_line(line, prefer_mirrored=vote > 0) for line in page.lines))
        methods.add(METHOD_BIDI)
    return pages, methods


def _pdfminer_pages(data: bytes, limit: int, heavy: set[int], budget: DocumentBudget) -> Iterator[_MinerPage]:
    """One _MinerPage per page, in order; stops early if pdfminer cannot open the document or its page tree."""
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
        page_iter = PDFPage.create_pages(document)
        resources = PDFResourceManager(caching=True)
        device = PDFPageAggregator(resources, laparams=None)  # our own line analysis: skip pdfminer's
        interpreter = PDFPageInterpreter(resources, device)
    except Exception as exc:  # pdfminer raises many types (PSEOF, PDFSyntaxError, KeyError...) on bad files
        log.debug("pdfminer could not open the document: %s", exc)
        return
    for index in range(limit):
        try:
            page = next(page_iter)
        except StopIteration:
            return
        except Exception as exc:
            log.debug("pdfminer page tree failed: %s", exc)
            return
        if index in heavy:
            yield _MinerPage(problem=f"more than {MAX_PAGE_OBJECTS} objects, too heavy for pdfminer")
            continue
        if budget.time_left() <= 0:
            yield _MinerPage(problem=f"time budget of {budget.seconds:.0f} s spent")
            continue
        try:
            interpreter.process_page(page)
            groups, unmapped = _page_glyphs(device.get_result())
            yield _MinerPage([line for glyphs in groups for line in page_lines(glyphs)], unmapped=unmapped)
        except Exception as exc:  # one bad page (a broken font, a recursion limit) must not lose the others
            yield _MinerPage(problem=f"pdfminer failed ({type(exc).__name__}: {exc})")


def _orientation(matrix: tuple[float, ...]) -> int:
    """Which way a glyph's baseline runs, in degrees counter-clockwise: 0, 90, 180 or 270.

    A mirrored matrix (-1 0 0 1, pdfium's hebrew_mirrored test) still runs horizontally: it counts as 0.
    """
    a, b, c, d = matrix[:4]
    if abs(b) > abs(a):
        return 90 if b > 0 else 270
    return 180 if a < 0 and d < 0 else 0


def _upright_box(x0: float, y0: float, x1: float, y1: float, orientation: int) -> tuple[float, float, float, float]:
    """The glyph box in a frame turned so that its text runs left to right: (x0, x1, y0, y1)."""
    if orientation == 90:  # reads upwards; the glyphs' tops point to -x
        return y0, y1, -x1, -x0
    if orientation == 270:  # reads downwards; tops point to +x
        return -y1, -y0, x0, x1
    if orientation == 180:
        return -x1, -x0, -y1, -y0
    return x0, x1, y0, y1


def _page_glyphs(layout: LTItem) -> tuple[list[list[Glyph]], int]:
    """(glyphs grouped by text direction, most common direction first; unmapped glyphs skipped).

    Rotated text (a landscape table on a portrait page, a sidebar running up the margin) is read in its own
    turned frame, so it forms lines like any other text instead of one fragment per glyph.
    """
    by_orientation: dict[int, list[Glyph]] = {}
    unmapped = 0
    stack = [layout]
    while stack:
        item = stack.pop()
        if isinstance(item, LTChar):
            text = item.get_text()
            if not text or text.startswith(_UNMAPPED_PREFIX):
                unmapped += 1
                continue
            orientation = _orientation(item.matrix)
            x0, x1, y0, y1 = _upright_box(item.x0, item.y0, item.x1, item.y1, orientation)
            by_orientation.setdefault(orientation, []).append(Glyph(text, x0, x1, y0, y1, max(y1 - y0, 1.0)))
        elif isinstance(item, LTContainer):
            stack.extend(reversed(list(item)))  # keep content-stream order (it breaks ties in sorting)
    return sorted(by_orientation.values(), key=len, reverse=True), unmapped


def _object_count(document: pdfium.PdfDocument, index: int) -> int:
    try:
        page = document[index]
    except pdfium.PdfiumError:  # a broken page object: pdfminer may still read it, else the page stays empty
        return 0
    try:
        return int(pdfium_c.FPDFPage_CountObjects(page.raw))
    finally:
        page.close()


def _pdfium_page_text(document: pdfium.PdfDocument, index: int) -> str:
    """pypdfium2's text of one page (logical order per run; its own line breaks); "" for a page pdfium cannot load."""
    try:
        page = document[index]
    except pdfium.PdfiumError:
        return ""
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()
    lines = (clean_glyph_text(line).strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
