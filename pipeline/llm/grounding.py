"""Finding what a model returned in the chunk it was sent, and giving it its span.

A model copies characters (``raw``) and the words that locate them (a row label, an
indicator's name, a column header); it cannot give offsets.  ``ChunkLocator`` finds them:

* **Exact after normalization.**  Both sides are normalized as the pipeline normalizes
  documents (full-width digits, odd spaces) and compared with all whitespace removed, since
  Word exports break cells and words over lines freely.  The span found is mapped through the
  chunk to the normalized text and through the offset map to the original, so the Report's
  ``raw`` is always the original characters at the span, not the model's copy.
* **Numbers stand alone**: ``15`` is not found inside ``2015`` or ``1.5``.
* **Near their anchor**: a number is looked for only in the anchor's table row (from the
  layout's grid) or, outside tables, in the anchor's sentence.  A number the model put on the
  wrong row, or altered into a figure stated elsewhere, is therefore not grounded to that
  other place.  Within the row the column header named by the field picks the cell.
* **Texts fall back to a fuzzy match** (similarity ≥ ``FUZZY_MIN`` on the whitespace-free
  texts), which the caller reports; numbers never do: a number is either there or not.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.document import Document
from pipeline.layout.model import Cell, Layout
from pipeline.llm.chunking import Chunk
from pipeline.normalize import normalize
from pipeline.schema import Span

FUZZY_MIN = 0.85
"""Lowest similarity for a text to count as found (after whitespace removal): one character
in seven may differ (a dropped punctuation mark, a variant character), not the words."""

SENTENCE_WINDOW = 160
"""How far (in characters of the chunk) a prose figure may stand from its label."""

_SENTENCE_END = re.compile(r"[。；;！？!?\n]")
_NUMERIC_EDGE = "0123456789."
_ENUMERATION = "、"
AMOUNT_UNITS = ("万元", "亿元", "元", "%")
"""Units an amount is stated in (longest first, as the pattern after a number tries them)."""
_UNIT_AFTER = re.compile(r"[ \t]*(" + "|".join(AMOUNT_UNITS) + ")")
_UNIT_STATED = re.compile(r"(?:单位[:：]?|[（(])\s*(万元|亿元|元)")
_BARE_NUMBER = re.compile(r"[-+]?[\d.,]+%?")


def _stands_alone(text: str, cs: int, ce: int, *, bare: bool) -> bool:
    """``text[cs:ce]`` is a whole number, not part of one: no digit or decimal point next to
    it, nor a thousands separator leading into digits (``500`` in ``1,500``).  The edges are
    read in the text itself, since squeezing out whitespace fuses neighbouring cells; for
    the same reason a bare number may not span whitespace (``1515`` is not ``15\t15``)."""
    if cs > 0 and (
        text[cs - 1] in _NUMERIC_EDGE or (text[cs - 1] == "," and cs > 1 and text[cs - 2].isdigit())
    ):
        return False
    if ce < len(text) and (
        text[ce] in _NUMERIC_EDGE
        or (text[ce] == "," and ce + 1 < len(text) and text[ce + 1].isdigit())
    ):
        return False
    if bare and ce < len(text) and text[ce] in _ENUMERATION:
        return False  # 3、公务接待费: a list number, not a figure
    return not (bare and any(ch.isspace() for ch in text[cs:ce]))


def squeeze(text: str) -> str:
    """``text`` normalized as documents are, with every whitespace character removed."""
    normalized, _ = normalize(text, fragment=True)
    return "".join(ch for ch in normalized if not ch.isspace())


@dataclass(frozen=True)
class Found:
    """A place in the chunk: chunk-text offsets, normalized offsets, original span and raw."""

    cs: int
    ce: int
    ns: int
    ne: int
    span: Span
    raw: str
    similarity: float = 1.0

    @property
    def exact(self) -> bool:
        return self.similarity >= 1.0


class ChunkLocator:
    """Search one chunk's text, in its document's coordinates."""

    def __init__(self, doc: Document, layout: Layout, chunk: Chunk):
        self.doc = doc
        self.chunk = chunk
        text = chunk.text
        self._pos = [i for i, ch in enumerate(text) if not ch.isspace()]
        self._clean = "".join(text[i] for i in self._pos)
        self._cells: list[Cell] = []
        if chunk.table_index is not None and chunk.table_index < len(layout.tables):
            table = layout.tables[chunk.table_index]
            self._cells = sorted((c for row in table.rows for c in row), key=lambda c: c.start)
        self._cell_starts = [c.start for c in self._cells]
        self._table_title = (
            layout.tables[chunk.table_index].title
            if chunk.table_index is not None and self._cells
            else None
        )

    # ------------------------------------------------------------------ primitives

    def _found(self, i: int, j: int, similarity: float = 1.0) -> Found:
        """The place of clean characters [i, j)."""
        cs, ce = self._pos[i], self._pos[j - 1] + 1
        ns, ne = self.chunk.to_source(cs), self.chunk.to_source(ce - 1) + 1
        s, e = self.doc.offsets.to_original(ns, ne)
        return Found(cs, ce, ns, ne, Span(start=s, end=e), self.doc.original[s:e], similarity)

    def find_all(self, needle: str, *, number: bool = False) -> list[Found]:
        """Every exact occurrence (after normalization) of ``needle`` in the chunk."""
        target = squeeze(needle)
        if not target:
            return []
        bare = bool(_BARE_NUMBER.fullmatch(target))
        out: list[Found] = []
        text = self.chunk.text
        at = self._clean.find(target)
        while at >= 0:
            end = at + len(target)
            cs, ce = self._pos[at], self._pos[end - 1] + 1
            if not number or _stands_alone(text, cs, ce, bare=bare):
                out.append(self._found(at, end))
            at = self._clean.find(target, at + 1)
        return out

    def find_fuzzy(self, needle: str) -> Found | None:
        """The best approximate occurrence of a text, if similar enough (see ``FUZZY_MIN``)."""
        target = squeeze(needle)
        if len(target) < 4 or not self._clean:
            return None
        matcher = difflib.SequenceMatcher(None, self._clean, target, autojunk=False)
        block = matcher.find_longest_match(0, len(self._clean), 0, len(target))
        if block.size == 0:
            return None
        best: tuple[float, int, int] | None = None
        base = block.a - block.b
        for ds in range(-2, 3):
            for de in range(-2, 3):
                i = max(0, base + ds)
                j = min(len(self._clean), base + len(target) + de)
                if j - i < 1:
                    continue
                r = difflib.SequenceMatcher(None, self._clean[i:j], target, autojunk=False).ratio()
                if best is None or r > best[0]:
                    best = (r, i, j)
        if best is None or best[0] < FUZZY_MIN:
            return None
        return self._found(best[1], best[2], round(best[0], 3))

    def cell_at(self, ns: int) -> Cell | None:
        """The layout cell holding normalized offset ``ns``, in this chunk's table."""
        k = bisect_right(self._cell_starts, ns) - 1
        if k >= 0 and ns < self._cells[k].end:
            return self._cells[k]
        return None

    def cell_rank(self, f: Found) -> int:
        """0: ``f`` is a whole layout cell; 1: it starts one; 2: it stands inside one, or
        outside the table (a name is found inside a longer cell too: 服务对象满意度 in
        服务对象满意度指标, 效益指标 in 经济效益指标)."""
        cell = self.cell_at(f.ns)
        if cell is None:
            return 2
        here = squeeze(self.chunk.text[f.cs : f.ce])
        if cell.clean == here or cell.clean in (here + "分", here + "%"):  # 10分 is the cell 10
            return 0
        return 1 if cell.clean.startswith(here) else 2

    def prefer_whole_cells(self, found: list[Found]) -> list[Found]:
        return sorted(found, key=self.cell_rank)

    def under_header(self, row: int, words: tuple[str, ...]) -> Callable[[Cell], bool]:
        """A test for cells of ``row`` standing under a header cell holding one of ``words``
        (compared without whitespace), in the nearest row above that has one.

        Rows of the same width line up by column index.  Ragged rows (merged cells left out,
        and merged cells are the labels on the left) are lined up from the right end."""
        keys = [k for k in (squeeze(w) for w in words) if k]
        by_row: dict[int, list[Cell]] = {}
        for c in self._cells:
            by_row.setdefault(c.row, []).append(c)
        width = len(by_row.get(row, ()))
        for r in sorted((r for r in by_row if r < row), reverse=True):
            head = by_row[r]
            cols = {c.col for c in head if any(k in c.clean for k in keys)}
            if not cols:
                continue
            if len(head) == width:
                return lambda cell: cell.row == row and cell.col in cols
            from_right = {len(head) - 1 - c for c in cols}
            return lambda cell: cell.row == row and width - 1 - cell.col in from_right
        return lambda cell: False

    def unit_after(self, found: Found) -> str | None:
        """The amount unit written right after ``found`` (万元, 元, 亿元, %), or else the one
        its table's title or header states (（万元）, 单位：万元), or None."""
        text = self.doc.normalized
        m = _UNIT_AFTER.match(text, found.ne)
        if m:
            return m.group(1)
        if self._cells:
            header = "".join(c.clean for c in self._cells if c.row <= 1)
            title = self._table_title or ""
            m = _UNIT_STATED.search(title + header)
            if m:
                return m.group(1)
        return None

    def whole_cell(self, found: Found) -> Found:
        """``found`` widened to the layout cell it lies in (targets are read as whole cells)."""
        cell = self.cell_at(found.ns)
        if cell is None or not (cell.start <= found.ns and found.ne <= cell.end):
            return found
        ns, ne = cell.start, cell.end
        s, e = self.doc.offsets.to_original(ns, ne)
        return Found(found.cs, found.ce, ns, ne, Span(start=s, end=e), self.doc.original[s:e])

    def sentence(self, found: Found) -> tuple[int, int]:
        """Chunk-text bounds of the sentence around ``found``, at most ``SENTENCE_WINDOW``
        characters either side."""
        text = self.chunk.text
        lo = max(0, found.cs - SENTENCE_WINDOW)
        hi = min(len(text), found.ce + SENTENCE_WINDOW)
        before = [m.end() for m in _SENTENCE_END.finditer(text, lo, found.cs)]
        after = _SENTENCE_END.search(text, found.ce, hi)
        return (before[-1] if before else lo), (after.start() if after else hi)

    def near(self, anchor: Found, candidates: list[Found]) -> list[Found]:
        """The candidates in ``anchor``'s table row, or else in its sentence, nearest first
        (after the anchor before those before it)."""
        cell = self.cell_at(anchor.ns)
        if cell is not None:
            same = [c for c in candidates if (x := self.cell_at(c.ns)) and x.row == cell.row]
            if not same:  # a label over its value: 编制数 in a header row, 42 below it
                same = [
                    c
                    for c in candidates
                    if (x := self.cell_at(c.ns))
                    and x.col == cell.col
                    and cell.row < x.row <= cell.row + 2
                ]
        else:
            lo, hi = self.sentence(anchor)
            same = [c for c in candidates if lo <= c.cs and c.ce <= hi]
        return sorted(same, key=lambda c: (c.cs < anchor.ce, abs(c.cs - anchor.ce)))
