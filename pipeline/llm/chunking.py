"""Table-aware chunking of a report's normalized text for model extraction (DESIGN.md §6).

The text is cut into *table regions* (one per table of the layout) and the *narrative* between
them.  Every region or stretch of narrative is the home of one or more chunks, in document
order.  The chunks' home ranges (``start``..``end``) cover every non-whitespace character of the
text; only neighbouring narrative pieces share characters (their overlap), and table pieces
share none.

Narrative is split by langchain's ``RecursiveCharacterTextSplitter`` with Chinese separators
(paragraph, line, 。, ；, ，, then characters; a separator stays at the end of the piece it
closes), sizes counted in tokens, and ``overlap_tokens`` of overlap between neighbouring pieces
of the same stretch.  A narrative chunk's text is exactly ``normalized[start:end]``.

A table is split only between rows, never inside one.  Its region runs from the start of the
line of its first row (or from its title line, when the title sits just above the table with at
most a short unit/year line between) to the end of the line of its last row; each row *unit*
runs from the start of its line to the start of the next row's line, so text between rows
(blank lines, the ``|---|`` rule of a pipe table) travels with the row above it.  Rows whose
cell spans overlap (which layout should not produce) are kept together as one unit.

**Header heuristic.**  A row is a *data row* when one of its cells is a number as a whole
(``1613.46``, ``-41.06``, ``100%``, ``1,234``; a bare year such as ``2019`` or ``2019年`` is
not).  The header is the rows before the first data row; a table without data rows takes its
first row as header (when it has more than one).  The header, with the title line, is repeated
at the start of every piece after the first (the first piece begins with them anyway); if the
title and header take more than a third of ``max_tokens``, header rows are dropped from the
bottom until they fit, and then the title.  A row that does not fit in a chunk together with
the header goes into a chunk of its own without the header (``note`` says so); a row that
alone exceeds ``max_tokens`` also stands alone, with ``oversize=True``.  No other chunk is over
budget.

A table chunk's text is assembled from source ranges only (``spans``: title line, header, then
the piece's own rows, adjacent ranges merged), with nothing inserted, so every character of a
chunk maps back to the normalized text: ``chunk.to_source(i)``.

Tokens are counted by ``count_tokens`` (default ``estimate_tokens``, offline and deterministic).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from langchain_text_splitters import RecursiveCharacterTextSplitter

if TYPE_CHECKING:
    from pipeline.document import Document
    from pipeline.layout.model import Layout, Table

CountTokens = Callable[[str], int]
Span = tuple[int, int]

SEPARATORS = ["\n\n", "\n", "。", "；", "，", ""]

_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")
_SPACE_RUN = re.compile(r"\s+")


def estimate_tokens(text: str) -> int:
    """An offline estimate of the tokens of ``text``, without a tokenizer.

    A CJK character counts 1; a run of ASCII letters and digits counts one per 4 characters
    (rounded up); a run of whitespace counts 1; any other character (punctuation, full-width
    symbols, other scripts) counts 1.  It is subadditive (the count of a concatenation is at most
    the sum of the counts of its parts), which keeps langchain's merging of splits within budget.
    Calibrate against a server's reported usage before trusting it to the token.
    """
    runs = _ALNUM_RUN.findall(text)
    alnum = sum(len(m) for m in runs)
    alnum_tokens = sum((len(m) + 3) // 4 for m in runs)
    spaces = _SPACE_RUN.findall(text)
    space_chars = sum(len(s) for s in spaces)
    return (len(text) - alnum - space_chars) + alnum_tokens + len(spaces)


@dataclass(frozen=True)
class Chunk:
    """One piece of the text to send to a model.

    ``start``..``end`` is the chunk's *home* in the normalized text: the part of the source this
    chunk is responsible for (for a narrative chunk, exactly its text; for a table piece, its own
    rows, and for the first piece of a table also its title and header).  ``spans`` are the
    normalized ranges ``text`` is the concatenation of, in order; spans that end before
    ``start`` are context repeated from earlier (the table's title line and header rows).
    ``header_chars`` is how many leading characters of ``text`` are that title and header.
    """

    index: int
    kind: Literal["table", "narrative"]
    start: int
    end: int
    text: str
    spans: tuple[Span, ...]
    tokens: int
    table_index: int | None = None
    header_rows: int = 0
    header_chars: int = 0
    oversize: bool = False
    note: str | None = None

    def to_source(self, offset: int) -> int:
        """The normalized offset of character ``offset`` of ``text``."""
        if not 0 <= offset < len(self.text):
            raise IndexError(
                f"offset {offset} outside chunk {self.index} (length {len(self.text)})"
            )
        for a, b in self.spans:
            if offset < b - a:
                return a + offset
            offset -= b - a
        raise AssertionError("spans shorter than text")  # pragma: no cover - by construction


@dataclass(frozen=True)
class PlanTotals:
    chunks: int
    tokens: int
    source_tokens: int

    @property
    def amplification(self) -> float:
        """Tokens sent over tokens of the source: the cost of overlap and repeated headers."""
        return self.tokens / self.source_tokens if self.source_tokens else 0.0


def plan_totals(
    doc: Document, chunks: Sequence[Chunk], count_tokens: CountTokens | None = None
) -> PlanTotals:
    count = count_tokens or estimate_tokens
    return PlanTotals(
        chunks=len(chunks),
        tokens=sum(c.tokens for c in chunks),
        source_tokens=count(doc.normalized),
    )


def plan_chunks(
    doc: Document,
    layout: Layout,
    *,
    max_tokens: int = 1200,
    overlap_tokens: int = 100,
    count_tokens: CountTokens | None = None,
) -> list[Chunk]:
    """Cut ``doc.normalized`` into chunks of at most ``max_tokens`` (see the module docstring)."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    if not 0 <= overlap_tokens < max_tokens:
        raise ValueError(
            f"overlap_tokens must be at least 0 and below max_tokens ({max_tokens}), "
            f"not {overlap_tokens}"
        )
    count = count_tokens or estimate_tokens
    text = doc.normalized
    drafts: list[_Draft] = []
    pos = 0
    for table in sorted(layout.tables, key=lambda t: t.start):
        plan = _TablePlan.build(text, table, floor=pos, count=count, max_tokens=max_tokens)
        if plan is None:
            continue
        drafts += _narrative(text, pos, plan.r0, max_tokens, overlap_tokens, count, max_tokens)
        drafts += plan.pieces()
        pos = plan.r1
    drafts += _narrative(text, pos, len(text), max_tokens, overlap_tokens, count, max_tokens)
    drafts.sort(key=lambda d: (d.home[0], d.home[1]))
    return [d.chunk(k, text, count) for k, d in enumerate(drafts)]


# --------------------------------------------------------------------------- internals


@dataclass
class _Draft:
    kind: Literal["table", "narrative"]
    spans: list[Span]
    home: Span
    table_index: int | None = None
    header_rows: int = 0
    header_chars: int = 0
    oversize: bool = False
    note: str | None = None

    def chunk(self, index: int, text: str, count: CountTokens) -> Chunk:
        body = "".join(text[a:b] for a, b in self.spans)
        return Chunk(
            index=index,
            kind=self.kind,
            start=self.home[0],
            end=self.home[1],
            text=body,
            spans=tuple(self.spans),
            tokens=count(body),
            table_index=self.table_index,
            header_rows=self.header_rows,
            header_chars=self.header_chars,
            oversize=self.oversize,
            note=self.note,
        )


def _narrative(
    text: str,
    g0: int,
    g1: int,
    size: int,
    overlap: int,
    count: CountTokens,
    max_tokens: int,
) -> list[_Draft]:
    """Split ``text[g0:g1]`` with the recursive splitter; every piece at most ``max_tokens``.

    With a counter that is not subadditive (a real tokenizer may be), a merged piece can come
    out over budget; such a piece is split again with a smaller ``chunk_size``.
    """
    gap = text[g0:g1]
    if not gap.strip():
        return []
    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=size,
        chunk_overlap=min(overlap, size - 1),
        length_function=count,
        add_start_index=True,
    )
    out: list[_Draft] = []
    for s, e in _place(gap, splitter):
        s, e = g0 + s, g0 + e
        tokens = count(text[s:e])
        if tokens > max_tokens and size > 1 and e - s > 1:
            smaller = max(1, min(size - 1, size * max_tokens // tokens))
            out += _narrative(text, s, e, smaller, overlap, count, max_tokens)
        else:
            out.append(_Draft("narrative", [(s, e)], (s, e)))
    return out


def _place(gap: str, splitter: RecursiveCharacterTextSplitter) -> list[Span]:
    """Where each piece of the splitter lies in ``gap``, exactly.

    The splitter's pieces are runs of contiguous splits with surrounding whitespace stripped, so
    each piece starts no later than the end of the previous one plus the whitespace after it
    (``limit``).  The piece is placed at its last occurrence starting at or before ``limit``:
    that is where langchain's ``start_index`` puts it when its search is not misled (it searches
    from an offset computed with the overlap in tokens as if they were characters), and it keeps
    every character up to the piece's true end covered even in repetitive text.
    """
    spans: list[Span] = []
    limit = len(gap) - len(gap.lstrip())
    for d in splitter.create_documents([gap]):
        piece = d.page_content
        at = gap.rfind(piece, 0, limit + len(piece))
        if at < 0 or gap[at : at + len(piece)] != piece:
            raise AssertionError(f"splitter piece not found in its text: {piece[:40]!r}")
        spans.append((at, at + len(piece)))
        end = at + len(piece)
        limit = max(limit, end + len(gap[end:]) - len(gap[end:].lstrip()))
    return spans


_NUMBER = re.compile(r"^[-+−(（]?\d[\d,，]*(?:\.\d+)?[%％]?[)）]?$")
_YEAR = re.compile(r"^(?:19|20)\d\d年?$")
_HSPACE = " \t\u3000"
_BORDER = "|│┃"  # the outer bars of pipe and box tables belong to the row they close


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(cell)) and not _YEAR.match(cell)


def _line_start(text: str, pos: int, floor: int, extra: str = "") -> int:
    """``pos`` moved back over horizontal space (and ``extra``) to the start of its line, if
    only those lie between; never below ``floor``."""
    k = pos
    while k > floor and text[k - 1] in _HSPACE + extra:
        k -= 1
    return k if k == floor or text[k - 1] == "\n" else pos


@dataclass
class _Unit:
    start: int
    end: int
    rows: int  # table rows in the unit; 0 for the title lines above the table


@dataclass
class _TablePlan:
    table: Table
    r0: int
    r1: int
    units: list[_Unit]
    body: int  # index of the first unit after the title lines and header
    header_rows: int  # table rows in the header units
    title_span: Span | None  # the title line, when it is not inside the region
    prefix: list[Span]  # repeated at the start of every piece after the first
    text: str
    count: CountTokens
    max_tokens: int

    @classmethod
    def build(
        cls, text: str, table: Table, *, floor: int, count: CountTokens, max_tokens: int
    ) -> _TablePlan | None:
        rows = sorted(
            (min(c.start for c in r), max(c.end for c in r), any(_is_number(c.clean) for c in r))
            for r in table.rows
            if r
        )
        if not rows:
            return None
        groups: list[list[int]] = []  # start, end, rows, whether one of them is a data row
        for a, b, is_data in rows:
            if groups and a < groups[-1][1]:  # overlapping rows: one unit
                groups[-1][1] = max(groups[-1][1], b)
                groups[-1][2] += 1
                groups[-1][3] |= is_data
            else:
                groups.append([a, b, 1, int(is_data)])
        u0 = _line_start(text, groups[0][0], floor, extra=_BORDER)
        r0, title_span = u0, None
        if table.title is not None and table.title_start is not None:
            ts = table.title_start
            te = table.title_end if table.title_end is not None else ts + len(table.title)
            if floor <= ts < u0 and _short_gap(text[te:u0]):
                r0 = _line_start(text, ts, floor, extra="#")
            elif ts < u0:
                nl = text.find("\n", te)
                title_span = (ts, len(text) if nl < 0 else nl + 1)
        r1 = k = groups[-1][1]
        while k < len(text) and text[k] in _HSPACE + _BORDER:
            k += 1
        if k == len(text) or text[k] == "\n":  # the rest of the line is the row's
            r1 = min(k + 1, len(text))
        units: list[_Unit] = []
        if r0 < u0:
            units.append(_Unit(r0, u0, 0))
        for n, (a, _, nrows, _) in enumerate(groups):
            s = (
                u0
                if n == 0
                else max(_line_start(text, a, groups[n - 1][1], extra=_BORDER), groups[n - 1][1])
            )
            if units:
                units[-1].end = s
            units.append(_Unit(s, r1, nrows))
        first_data = next((n for n, g in enumerate(groups) if g[3]), None)
        h = first_data if first_data is not None else (1 if len(groups) > 1 else 0)
        pre = 1 if units[0].rows == 0 else 0
        plan = cls(
            table=table,
            r0=r0,
            r1=r1,
            units=units,
            body=pre + h,
            header_rows=0,
            title_span=title_span,
            prefix=[],
            text=text,
            count=count,
            max_tokens=max_tokens,
        )
        plan._fit_header(h, pre)
        return plan

    def _fit_header(self, h: int, pre: int) -> None:
        """The header repeated in later pieces: title line and header rows, within a third of
        the budget (header rows dropped from the bottom first, then the title)."""
        budget = self.max_tokens // 3
        with_title = True
        while True:
            spans = self._prefix(pre + h, with_title)
            if self._tokens(spans) <= budget or (h == 0 and not with_title):
                break
            if h > 0:
                h -= 1
            else:
                with_title = False
        self.body = pre + h
        self.header_rows = sum(u.rows for u in self.units[: self.body])
        self.prefix = spans
        if not with_title:
            self.title_span = None

    def _prefix(self, body: int, with_title: bool) -> list[Span]:
        spans: list[Span] = []
        if with_title and self.title_span:
            spans.append(self.title_span)
        first = 0 if with_title or self.units[0].rows else 1
        if body > first:
            spans.append((self.units[first].start, self.units[body - 1].end))
        return _merge(spans)

    def _tokens(self, spans: list[Span]) -> int:
        return self.count("".join(self.text[a:b] for a, b in spans))

    def pieces(self) -> list[_Draft]:
        out: list[_Draft] = []
        units, i = self.units, 0
        while i < len(units):
            if i == 0:
                lead = [self.title_span] if self.title_span else []
            elif i >= self.body:
                lead = list(self.prefix)
            else:
                lead = []
            j = i
            while j < len(units) and self._tokens(lead + [(units[i].start, units[j].end)]) <= (
                self.max_tokens
            ):
                j += 1
            note, oversize = None, False
            if j == i:  # unit i does not fit with what leads it
                j = i + 1
                alone = self._tokens([(units[i].start, units[i].end)])
                what = f"row {self._row_of(i)}" if units[i].rows else "title lines"
                if alone > self.max_tokens:
                    oversize = True
                    note = (
                        f"{what} alone is {alone} tokens, over the budget of {self.max_tokens}; "
                        "it stands alone, without the header"
                    )
                else:
                    note = f"{what} does not fit with the header; it stands alone, without it"
                lead = []
            home = (units[i].start, units[j - 1].end)
            spans = _merge(lead + [home])
            lead_chars = sum(b - a for a, b in lead)
            if i == 0 and not note:
                own = min(units[j - 1].end, units[self.body - 1].end) if self.body else home[0]
                header_chars, header_rows = (
                    lead_chars + own - home[0],
                    self._rows(0, min(j, self.body)),
                )
            elif lead:
                header_chars, header_rows = lead_chars, self.header_rows
            else:
                header_chars, header_rows = 0, 0
            out.append(
                _Draft(
                    "table",
                    spans,
                    home,
                    table_index=self.table.index,
                    header_rows=header_rows,
                    header_chars=header_chars,
                    oversize=oversize,
                    note=note,
                )
            )
            i = j
        return out

    def _rows(self, i: int, j: int) -> int:
        return sum(u.rows for u in self.units[i:j])

    def _row_of(self, i: int) -> int:
        return self._rows(0, i)


def _short_gap(gap: str) -> bool:
    """Between a title and its table: blank lines and at most a unit or year line or two."""
    return len("".join(gap.split())) <= 40 and gap.count("\n") <= 6


def _merge(spans: list[Span]) -> list[Span]:
    """Adjacent ranges joined; empty ones dropped."""
    out: list[Span] = []
    for a, b in spans:
        if b <= a:
            continue
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def split_chunk(
    chunk: Chunk, text: str, layout: Layout, count_tokens: CountTokens | None = None
) -> tuple[Chunk, Chunk] | None:
    """Two chunks for one whose answer did not fit (``finish_reason = length``).

    The home range is cut near its middle: between table rows (at the start of a row's line),
    or in narrative at the line or sentence end nearest the middle.  Both halves keep the
    chunk's repeated title and header; the first piece of a table, whose header is part of
    its home range, gives its header to the second half.  None when there is no place to
    cut (a single row, a few characters)."""
    count = count_tokens or estimate_tokens
    prefix = [s for s in chunk.spans if s[1] <= chunk.start]
    lo = chunk.start
    own_header = chunk.header_chars - sum(b - a for a, b in prefix)
    if chunk.kind == "table" and own_header > 0:
        # a table's first piece: its header rows are in its home range (after a title line
        # repeated from further up, if any); the second half needs them repeated
        lo = chunk.start + own_header
        prefix = _merge([*prefix, (chunk.start, lo)])
    hi = chunk.end
    mid = (lo + hi) // 2
    if chunk.kind == "table" and chunk.table_index is not None:
        table = layout.tables[chunk.table_index]
        cuts = [
            _line_start(text, min(c.start for c in row), lo, extra=_BORDER)
            for row in table.rows
            if row
        ]
    else:
        cuts = [m.end() for m in re.finditer(r"\n|。|；", text[lo:hi])]
        cuts = [lo + c for c in cuts]
    cuts = [c for c in cuts if lo < c < hi and text[lo:c].strip() and text[c:hi].strip()]
    if not cuts:
        return None
    cut = min(cuts, key=lambda c: abs(c - mid))
    halves = []
    for a, b in ((chunk.start, cut), (cut, hi)):
        head = [x for x in prefix if x[1] <= chunk.start] if a == chunk.start else prefix
        spans = _merge([*head, (a, b)])
        body = "".join(text[x:y] for x, y in spans)
        header_chars = chunk.header_chars if a == chunk.start else sum(y - x for x, y in head)
        halves.append(
            Chunk(
                index=chunk.index,
                kind=chunk.kind,
                start=a,
                end=b,
                text=body,
                spans=tuple(spans),
                tokens=count(body),
                table_index=chunk.table_index,
                header_rows=chunk.header_rows if header_chars else 0,
                header_chars=header_chars,
                note=f"part of chunk {chunk.index}, split after a truncated answer",
            )
        )
    return halves[0], halves[1]
