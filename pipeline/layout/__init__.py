"""Layout reconstruction: tables (as grids of cells with spans) and the heading tree.

``analyze`` walks the classified lines once; each table reader consumes its block and hands
back where it stopped, so every line belongs to at most one table.
"""

from __future__ import annotations

import re

from pipeline.layout.cells import (
    join_split_rows,
    read_bar_cells,
    read_word_cells,
    split_on_title_rows,
)
from pipeline.layout.delimited import read_pipe, read_tab_rows
from pipeline.layout.flat import looks_flat, read_flat
from pipeline.layout.headings import find_headings
from pipeline.layout.lines import Kind, Line, split_lines
from pipeline.layout.model import Cell, Heading, Layout, Table

__all__ = ["analyze", "Cell", "Heading", "Layout", "Table"]

_TITLE_SKIP = re.compile(
    r"^[（(]\s*\d{4}\s*年度?\s*[）)]$|^[（(]\s*万元\s*[）)]$|^填报|^单位[:：]|^金额单位"
)


def analyze(text: str) -> Layout:
    """Reconstruct the tables and headings of normalized ``text``."""
    lines = split_lines(text)
    tables: list[Table] = []
    in_table: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        kind = line.kind
        found: list[Table] = []
        if kind is Kind.PIPE:
            rows, notes, j = read_pipe(text, lines, i)
            found = [_table("pipe", rows, notes)]
        elif _starts_tab_rows(lines, i):
            rows, notes, j = read_tab_rows(text, lines, i)
            found = [_table("tsv", rows, notes)]
        elif kind is Kind.CELL:
            rows, j = read_word_cells(text, lines, i)
            rows, joined_at = join_split_rows(rows)
            found = split_on_title_rows(_table("word-cells", rows, []), joined_at)
            for t in found:
                _note_ragged(t)
        elif kind is Kind.BAR:
            rows, j = read_bar_cells(text, lines, i)
            found = [_table("bar-cells", rows, [])]
            _note_ragged(found[0])
        elif kind is Kind.TEXT and looks_flat(line.text):
            rows, notes = read_flat(text, line.start, line.end)
            found, j = [_table("flat", rows, notes)], i + 1
        else:
            j = i + 1
        found = [t for t in found if t.rows and sum(len(r) for r in t.rows) >= 2]
        for t in found:
            if t.title is None:
                _attach_title(t, lines, i)
            t.index = len(tables)
            tables.append(t)
        if found:
            in_table.update(range(i, j))
        i = max(j, i + 1)
    return Layout(tables=tables, headings=find_headings(lines, in_table))


def _starts_tab_rows(lines: list[Line], i: int) -> bool:
    """Tab-separated rows: this line and the next carry tab-separated cells.  A lone line
    with tabs in it (``填报单位：…\t填报时间：``) is prose, not a table."""
    if i + 1 >= len(lines):
        return False
    here, after = lines[i].kind, lines[i + 1].kind
    return here is Kind.TABROW and after is Kind.TABROW


def _table(fmt: str, rows: list[list[Cell]], notes: list[str]) -> Table:
    rows = [r for r in rows if r]
    rows = [[c.model_copy(update={"row": k}) for c in r] for k, r in enumerate(rows)]
    start = rows[0][0].start if rows else 0
    end = rows[-1][-1].end if rows else 0
    return Table(index=0, format=fmt, start=start, end=end, rows=rows, uncertain=list(notes))


def _note_ragged(table: Table) -> None:
    widths = [len(r) for r in table.rows]
    if len(set(widths)) > 1:
        short = sum(1 for w in widths if w < max(widths))
        table.uncertain.append(
            f"{short} of {len(widths)} rows have fewer than {max(widths)} cells "
            "(merged cells; column positions of their cells are not certain)"
        )


def _attach_title(table: Table, lines: list[Line], first_line: int) -> None:
    """The table's title: the nearest short text line above it, skipping unit/year lines."""
    k = first_line - 1
    seen = 0
    while k >= 0 and seen < 4:
        line = lines[k]
        if line.kind is Kind.TEXT:
            s = line.stripped.lstrip("#").strip()
            seen += 1
            if s and not _TITLE_SKIP.search(s) and len(s) <= 60:
                table.title = s
                table.title_start = line.start + line.text.index(s[0])
                table.title_end = table.title_start + len(s)
                return
        elif line.kind not in (Kind.BLANK, Kind.SPACE):
            return
        k -= 1
