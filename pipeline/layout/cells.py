"""Tables written one cell per line: Word's text export (a tab starts each cell) and the
variant where each cell line ends in `` |``.

In the Word layout a cell's text may run over several lines, even over blank lines; a blank
line followed by a new cell starts a new row; merged cells leave empty cells or short rows.
The hard question is where a table ends: a line of prose after a blank line looks exactly
like the continuation of a cell.  ``_continues`` answers it from what follows (another cell
soon, nothing that reads like a heading, a note or a signature line), and a table whose rows
disagree in width is marked uncertain rather than silently squared.
"""

from __future__ import annotations

import re
from itertools import pairwise

from pipeline.layout.lines import Kind, Line, trim
from pipeline.layout.model import Cell, Table

MAX_GAP_LINES = 15
MAX_TITLE = 40
_TERMINATOR = re.compile(
    r"^\s*(?:说明|注[:：]|备注|填表人|填报人|单位负责人|附件|评价组|部门（单位）负责人|财政部门|#)"
    r"|^\s*[一二三四五六七八九十]+、"
    r"|^\s*[（(][一二三四五六七八九十]+[）)]"
    r"| {4,}"
    r"|表\s*$|^\s*(?:金额)?单位[:：]"
)


def _continues(lines: list[Line], j: int, blanks: int) -> bool:
    """Is text line ``j``, after ``blanks`` blank lines, still inside the current cell?"""
    k = j
    while k < len(lines) and k - j <= MAX_GAP_LINES:
        line = lines[k]
        if line.kind is Kind.CELL:
            return True
        if line.kind in (Kind.TABROW, Kind.PIPE, Kind.BAR):
            return False
        if line.kind is Kind.TEXT:
            s = line.stripped
            if _TERMINATOR.search(line.text) or (blanks >= 2 and len(s) > 40):
                return False
        k += 1
    return False


def read_word_cells(text: str, lines: list[Line], i: int) -> tuple[list[list[Cell]], int]:
    """Read the one-cell-per-tab-line block starting at line ``i``.

    Returns its rows and the index of the first line after it.
    """
    rows: list[list[tuple[int, int]]] = []
    cell: list[int] | None = None  # [start, end] of the open cell's content
    blanks = 0
    j = i
    while j < len(lines):
        line = lines[j]
        if line.kind is Kind.CELL or (
            line.kind is Kind.TABROW and line.text.lstrip(" ").startswith("\t")
        ):
            if cell is not None:
                rows[-1].append((cell[0], cell[1]))
            if not rows or blanks:
                rows.append([])
            # Tabs between contents separate cells; a run of leading tabs before one content
            # (``→→5.27``) is the cell's own indentation, as Word exports write it.
            tabs = [k for k in range(line.start, line.end) if text[k] == "\t"]
            lead = line.start + len(line.text) - len(line.text.lstrip(" \t"))
            tabs = [k for k in tabs if k >= max(t for t in tabs if t < lead)]
            for a, b in pairwise(tabs):
                rows[-1].append((a + 1, b))
            cell = [tabs[-1] + 1, line.end]
            blanks = 0
        elif line.kind is Kind.BLANK:
            blanks += 1
        elif line.kind is Kind.SPACE and cell is not None and blanks == 0:
            pass  # a padded line inside the cell: content, not a row break
        elif (
            line.kind in (Kind.TEXT, Kind.SPACE)
            and cell is not None
            and (blanks == 0 or _continues(lines, j, blanks))
        ):
            if line.kind is Kind.TEXT:
                cell[1] = line.end
            blanks = 0
        else:
            break
        j += 1
    if cell is not None:
        rows[-1].append((cell[0], cell[1]))
    # Trailing blank lines belong to what follows.
    while j > i and lines[j - 1].kind in (Kind.BLANK, Kind.SPACE):
        j -= 1
    return _to_cells(text, rows), j


def read_bar_cells(text: str, lines: list[Line], i: int) -> tuple[list[list[Cell]], int]:
    """Read a block of cells each closed by a line ending in `` |``; blank lines end rows."""
    rows: list[list[tuple[int, int]]] = [[]]
    open_start: int | None = None
    j = i
    while j < len(lines):
        line = lines[j]
        if line.kind is Kind.BAR:
            bar = line.text.rstrip().rfind("|")
            start = line.start if open_start is None else open_start
            rows[-1].append((start, line.start + bar))
            open_start = None
        elif line.kind is Kind.BLANK:
            if open_start is None and rows[-1]:
                rows.append([])
        elif line.kind is Kind.TEXT and (open_start is not None or _next_is_bar(lines, j)):
            if open_start is None:
                open_start = line.start
        else:
            break
        j += 1
    rows = [r for r in rows if r]
    while j > i and lines[j - 1].kind in (Kind.BLANK, Kind.SPACE):
        j -= 1
    return _to_cells(text, rows), j


def _next_is_bar(lines: list[Line], j: int) -> bool:
    for k in range(j + 1, min(j + 4, len(lines))):
        if lines[k].kind is Kind.BAR:
            return True
        if lines[k].kind is not Kind.TEXT:
            return False
    return False


def _to_cells(text: str, rows: list[list[tuple[int, int]]]) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    for r, row in enumerate(rows):
        cells = []
        for c, (s, e) in enumerate(row):
            s, e = trim(text, s, e)
            cells.append(Cell(row=r, col=c, text=text[s:e], start=s, end=e))
        out.append(cells)
    return out


def join_split_rows(rows: list[list[Cell]]) -> tuple[list[list[Cell]], dict[int, int]]:
    """Join runs of short rows that together make exactly one full row.

    Word exports sometimes put a blank line inside a row (``→ \n9712.53\n\n→1352.45``),
    which reads as a row break.  Adjacent short rows are joined only when they sit between
    two rows of the same width and their cells add up to exactly that width (the later
    pieces not starting with an empty cell): anything less certain is left as it is.

    Returns the rows and, for each joined row, the offset of its first cell mapped to the
    number of pieces joined, so the table the row ends up in can say so.
    """
    out: list[list[Cell]] = []
    joined_at: dict[int, int] = {}
    k = 0
    while k < len(rows):
        width = len(rows[k - 1]) if k > 0 else 0
        total, m = len(rows[k]), k + 1
        while (
            width and total < width and m < len(rows) and len(rows[m]) < width and rows[m][0].text
        ):
            total += len(rows[m])
            m += 1
        sandwiched = m < len(rows) and len(rows[m]) == width
        if width >= 3 and 1 < len(rows[k]) < width and m > k + 1 and total == width and sandwiched:
            joined = [c for r in rows[k:m] for c in r]
            out.append([c.model_copy(update={"col": n}) for n, c in enumerate(joined)])
            joined_at[joined[0].start] = m - k
            k = m
            continue
        out.append(rows[k])
        k += 1
    return out, joined_at


def split_on_title_rows(table: Table, joined_at: dict[int, int]) -> list[Table]:
    """A Word export runs consecutive tables together; a row of one lone cell between them
    (``年度收入情况（万元）``) is the next table's title.  Split there."""
    parts: list[Table] = []
    current: list[list[Cell]] = []
    title: Cell | None = None

    def flush() -> None:
        if current:
            parts.append(_retable(table, current, title, joined_at))

    for row in table.rows:
        lone = len(row) == 1 and 0 < len(row[0].clean) <= MAX_TITLE
        if lone and not (current and len(current[-1]) == 1):
            flush()
            current = []
            title = row[0]
            continue
        current.append(row)
    flush()
    return parts or [table]


def _retable(
    table: Table, rows: list[list[Cell]], title: Cell | None, joined_at: dict[int, int]
) -> Table:
    renumbered = [[c.model_copy(update={"row": r}) for c in row] for r, row in enumerate(rows)]
    notes = [
        f"row {r} joined from {joined_at[row[0].start]} pieces: a blank line inside a row read as a row break"
        for r, row in enumerate(rows)
        if row[0].start in joined_at
    ]
    start = title.start if title is not None else rows[0][0].start
    return Table(
        index=0,
        format=table.format,
        start=start,
        end=rows[-1][-1].end,
        rows=renumbered,
        title=title.clean if title is not None else None,
        title_start=title.start if title is not None else None,
        title_end=title.end if title is not None else None,
        uncertain=list(table.uncertain) + notes,
    )
