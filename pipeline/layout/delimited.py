"""Tables whose rows are single lines: markdown pipe tables and tab-separated rows.

Pipe tables split by a page break come out as several tables with the same columns, the
later ones under an empty header row; they are joined back into one.  Tab-separated rows
are ragged (merged cells shift cells right, trailing empties vary); the grid keeps cells
where they stand and the table notes the raggedness instead of guessing spans.
"""

from __future__ import annotations

import re

from pipeline.layout.lines import Kind, Line, trim
from pipeline.layout.model import Cell

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SEP_CELLS = re.compile(r"^\s*\|(\s*:?-+:?\s*\|)+\s*$")


def _split(text: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    s = start
    for k in range(start, end):
        if text[k] == sep:
            pieces.append((s, k))
            s = k + 1
    pieces.append((s, end))
    return pieces


def _row(text: str, pieces: list[tuple[int, int]], r: int) -> list[Cell]:
    cells = []
    for c, (s, e) in enumerate(pieces):
        s, e = trim(text, s, e)
        cells.append(Cell(row=r, col=c, text=text[s:e], start=s, end=e))
    return cells


def read_pipe(text: str, lines: list[Line], i: int) -> tuple[list[list[Cell]], list[str], int]:
    """Read pipe-table lines from ``i``, joining parts split by page breaks.

    Returns rows, notes on what was joined, and the index of the first line after.
    """
    rows: list[list[Cell]] = []
    notes: list[str] = []
    j = i
    width = None
    while j < len(lines):
        block_start = j
        block: list[list[Cell]] = []
        while j < len(lines) and lines[j].kind is Kind.PIPE:
            line = lines[j]
            if not _SEP_CELLS.match(line.text):
                lo = line.text.index("|") + line.start
                hi = line.text.rindex("|") + line.start
                block.append(_row(text, _split(text, lo + 1, hi, "|"), 0))
            j += 1
        if rows and block:
            if block and not any(c.text for c in block[0]) and len(block[0]) == width:
                block = block[1:]
            notes.append(f"joined a continuation at line {block_start + 1} (page break)")
        rows.extend(block)
        width = width or (len(block[0]) if block else None)
        # A continuation follows after blank lines only, with the same number of columns.
        k = j
        while k < len(lines) and lines[k].kind in (Kind.BLANK, Kind.SPACE):
            k += 1
        if (
            k < len(lines)
            and k > j
            and lines[k].kind is Kind.PIPE
            and width is not None
            and _pipe_width(lines[k]) == width
            and _is_empty_header(lines[k])
        ):
            j = k
            continue
        break
    rows = [[c.model_copy(update={"row": r}) for c in row] for r, row in enumerate(rows)]
    return rows, notes, j


def _pipe_width(line: Line) -> int:
    return line.text.strip().strip("|").count("|") + 1


def _is_empty_header(line: Line) -> bool:
    return not line.text.replace("|", "").strip()


def read_tab_rows(text: str, lines: list[Line], i: int) -> tuple[list[list[Cell]], list[str], int]:
    """Read consecutive tab-separated rows from ``i`` (a blank line inside is tolerated when
    more rows follow at once).  Trailing empty cells are dropped."""
    rows: list[list[Cell]] = []
    j = i
    while j < len(lines):
        line = lines[j]
        if line.kind in (Kind.TABROW, Kind.CELL):
            pieces = _split(text, line.start, line.end, "\t")
            row = _row(text, pieces, len(rows))
            while row and not row[-1].text:
                row.pop()
            rows.append(row)
            j += 1
        elif line.kind in (Kind.BLANK, Kind.SPACE) and rows and _rows_resume(lines, j):
            j += 1
        else:
            break
    notes = []
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        notes.append(
            f"ragged rows: {min(widths)} to {max(widths)} cells (merged cells shift cells)"
        )
    return rows, notes, j


def _rows_resume(lines: list[Line], j: int, max_blank: int = 3) -> bool:
    """Blank lines inside a tab-separated table: more rows follow after at most a few."""
    k = j
    while k < len(lines) and k - j < max_blank and lines[k].kind in (Kind.BLANK, Kind.SPACE):
        k += 1
    return k < len(lines) and lines[k].kind is Kind.TABROW
