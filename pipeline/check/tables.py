"""Funds tables rebuilt from the Report's long-form FundsLines, with their row outline.

A Report states each figure as one FundsLine (row label, column header, entity, table
title).  The arithmetic rules need the grid back: which figures share a row, which a
column, which rows are totals, and which rows a total or a parent row covers.  The outline
comes from the numbering of the row labels (一、 > （一） > 1、 > （1） > ①) and from 其中,
the way these reports write it; a total row (合计 / 总计 / 汇总) covers the top level.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.schema import FundsCategory, FundsLine, FundsMeasure, Report

_TOTAL_LABEL = re.compile(r"合\s*计|总\s*计|汇\s*总|小\s*计|^\s*总额")
_QIZHONG = re.compile(r"^\s*其\s*中\s*[:：]?\s*")
_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn", re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")),
    ("paren_cn", re.compile(r"^\s*[（(]\s*[一二三四五六七八九十]+\s*[)）]")),
    ("arabic", re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")),
    ("paren_arabic", re.compile(r"^\s*[（(]\s*\d{1,2}\s*[)）]")),
    ("circled", re.compile(r"^\s*[①-⑳]")),
)


def label_style(label: str) -> str:
    for name, pattern in _STYLES:
        if pattern.match(label):
            return name
    return "plain"


def is_total_label(label: str) -> bool:
    return bool(_TOTAL_LABEL.search(_QIZHONG.sub("", label)))


RowKey = tuple[str | None, str]  # (entity, label)


@dataclass
class Row:
    key: RowKey
    index: int
    category: FundsCategory = FundsCategory.unknown
    depth: int = 1
    parent: int | None = None  # index of the row this one is under; None = top level
    total: bool = False

    @property
    def label(self) -> str:
        return self.key[1]


@dataclass
class FundsTable:
    """One table's figures as a grid: rows in source order, columns by header."""

    title: str | None
    where: str  # "report" or the scorecard's title, for messages
    lines: list[FundsLine] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    columns: list[str | None] = field(default_factory=list)
    cells: dict[tuple[int, str | None], FundsLine] = field(default_factory=dict)
    row_of_line: dict[int, int] = field(default_factory=dict)  # id(line) -> row index
    along_columns: bool = False  # set once the grid is built, see categories_along_columns

    def name(self) -> str:
        """The table's title, else where it stands (a scorecard's title, or 部门经费表)."""
        return self.title or ("部门经费表" if self.where == "report" else self.where)

    def cell(self, row: int, column: str | None) -> FundsLine | None:
        return self.cells.get((row, column))

    def row_of(self, line: FundsLine) -> int:
        """Index of the row a figure of this table stands in."""
        return self.row_of_line[id(line)]

    def row_cells(self, row: int) -> dict[str | None, FundsLine]:
        return {c: line for (r, c), line in self.cells.items() if r == row}

    def column_cells(self, column: str | None) -> dict[int, FundsLine]:
        return {r: line for (r, c), line in self.cells.items() if c == column}

    def children(self, row: int | None) -> list[Row]:
        """Rows directly under ``row`` (None: the top level, totals excluded)."""
        return [r for r in self.rows if r.parent == row and not r.total]

    def descendants(self, row: int) -> list[Row]:
        out, frontier = [], [row]
        while frontier:
            kids = [r for r in self.rows if r.parent in frontier and not r.total]
            out.extend(kids)
            frontier = [k.index for k in kids]
        return out

    def categories_along_columns(self) -> bool:
        """True when the columns name the categories (an income-by-source table), so a
        row is one record; False when rows name them and a column is one record."""
        return self.along_columns

    def _find_along_columns(self) -> bool:
        for row in self.rows:
            cats = {line.category for line in self.row_cells(row.index).values()}
            cats.discard(FundsCategory.unknown)
            if len(cats) > 1:
                return True
        return False


def _outline(rows: list[Row]) -> None:
    """Depth and parent of each row from its numbering style: a style seen before returns
    to its depth (a sibling), a new style goes one deeper (a child), 其中 is always a
    child of the row before it, and total rows stand above everything."""
    stack: list[tuple[str, int]] = []  # (style, row index) from the top level down
    for row in rows:
        if is_total_label(row.label) and row.index == 0 or _is_grand_total(row.label):
            row.total, row.depth, row.parent = True, 0, None
            continue
        label = row.label
        qizhong = bool(_QIZHONG.match(label))
        style = label_style(_QIZHONG.sub("", label))
        if qizhong and stack:
            stack = [*stack]  # children of the previous row
            stack.append((f"qz:{style}", row.index))
        else:
            names = [s for s, _ in stack]
            key = style
            if f"qz:{style}" in names and _may_be_part(rows, stack, f"qz:{style}", row):
                key = f"qz:{style}"
            if key in names:
                # back to the nearest enclosing level written this way: the last one open
                stack = stack[: len(names) - 1 - names[::-1].index(key)]
            stack.append((key, row.index))
        row.depth = len(stack)
        row.parent = stack[-2][1] if len(stack) > 1 else None
        if is_total_label(label):
            row.total = True


def _may_be_part(rows: list[Row], stack: list[tuple[str, int]], key: str, row: Row) -> bool:
    """Whether an unnumbered row after a 其中 list continues it (公用经费 after 其中：人员经费)
    rather than returning to the level above (项目支出 after 基本支出's parts).  Unnumbered
    rows look alike either way; what they name decides when the row above the list is a
    figure with known parts (基本支出 = 人员经费 + 公用经费) and this row names something
    that is not one of them."""
    names = [s for s, _ in stack]
    at = len(names) - 1 - names[::-1].index(key)
    if at == 0 or row.category is FundsCategory.unknown:
        return True
    parent = rows[stack[at - 1][1]].category
    parts = PART_CATEGORIES.get(parent)
    return parts is None or row.category in parts


PART_CATEGORIES: dict[FundsCategory, frozenset[FundsCategory]] = {
    FundsCategory.basic_expenditure: frozenset(
        {FundsCategory.personnel, FundsCategory.public_operating}
    ),
    FundsCategory.three_public: frozenset(
        {
            FundsCategory.official_reception,
            FundsCategory.vehicle,
            FundsCategory.vehicle_purchase,
            FundsCategory.vehicle_operation,
            FundsCategory.overseas_travel,
        }
    ),
    FundsCategory.vehicle: frozenset(
        {FundsCategory.vehicle_purchase, FundsCategory.vehicle_operation}
    ),
}
"""What an unnumbered row may be when it continues a 其中 list under a figure of these
categories.  The 三公经费 are spent from 公用经费, but a 三公经费 row without 其中 stands beside
基本支出 in the forms (二、“三公”经费), so only a written 其中 puts it under one."""


def _is_grand_total(label: str) -> bool:
    clean = _QIZHONG.sub("", label)
    return bool(re.search(r"^\s*(合\s*计|总\s*计)\s*$|汇\s*总\s*$|收入合计|支出合计", clean))


def _build(title: str | None, where: str, lines: list[FundsLine]) -> FundsTable:
    table = FundsTable(title=title, where=where, lines=lines)
    index: dict[RowKey, int] = {}
    for line in lines:
        key = (line.entity, line.label)
        if key not in index:
            index[key] = len(table.rows)
            table.rows.append(Row(key=key, index=index[key], category=line.category))
        if line.column not in table.columns:
            table.columns.append(line.column)
        table.cells.setdefault((index[key], line.column), line)
        table.row_of_line[id(line)] = index[key]
    _outline(table.rows)
    table.along_columns = table._find_along_columns()
    return table


def funds_tables(report: Report) -> Iterator[FundsTable]:
    """The Report's funds tables: runs of consecutive lines with the same table title, in
    the department-level funds and in each scorecard's funds block."""
    sources = [("report", report.funds)]
    for i, card in enumerate(report.scorecards):
        name = card.title.text if card.title else f"scorecard {i + 1}"
        sources.append((name, card.funds))
    for where, lines in sources:
        run: list[FundsLine] = []
        for line in lines:
            if run and (line.table != run[-1].table or _repeats(run, line)):
                yield _build(run[0].table, where, run)
                run = []
            run.append(line)
        if run:
            yield _build(run[0].table, where, run)


def _repeats(run: list[FundsLine], line: FundsLine) -> bool:
    """A cell already seen in this run starts a new table with the same (or no) title."""
    return any((x.entity, x.label, x.column) == (line.entity, line.label, line.column) for x in run)


def describe(table: FundsTable, line: FundsLine) -> str:
    """Where a figure stands, for messages: table / row / column."""
    parts = [table.name(), line.label.strip()]
    if line.column:
        parts.append(line.column.strip())
    return " / ".join(p for p in parts if p)


def is_delta_column(column: str | None, measure: FundsMeasure) -> bool:
    return (
        bool(column)
        and bool(re.search(r"增\s*减|增\s*加|变\s*动|比上年", column or ""))
        and (measure == FundsMeasure.amount)
    )


_YEAR = re.compile(r"(19|20)\d{2}")


def column_year(column: str | None) -> int | None:
    m = _YEAR.search(column or "")
    return int(m.group(0)) if m else None
