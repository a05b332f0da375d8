"""Department-level budget tables that are not scorecards: income by source, expenditure by
nature, 三公经费, year-on-year comparisons, per-institution rows.

Such a table is a block of header rows (multi-level, merged) over body rows of a label and
numbers.  Each number becomes one FundsLine; its column is the most specific header text
standing above it, and what the number measures comes from that header (a past year is
``prior_executed``, 增减 a difference) or from the table's subject (收入 / 支出).
"""

from __future__ import annotations

import re

from pipeline import vocabulary as V
from pipeline.document import Document
from pipeline.extract.grounding import number_at
from pipeline.extract.numbers import money_unit, row_unit, to_decimal
from pipeline.layout.model import Cell, Layout, Table
from pipeline.schema import FundsCategory, FundsLine, FundsMeasure

_NUMBER_CELL = re.compile(r"^\s*(-?\d+(?:,\d{3})*(?:\.\d+)?)\s*$")
_SKIP_TABLE = re.compile(r"资产|姓名|签字|一级指标|三级指标|指标名称")
_YEAR = re.compile(r"(\d{4})\s*年")


def extract_budget_tables(
    doc: Document, layout: Layout, skip: set[int], fiscal_year: int | None
) -> list[FundsLine]:
    lines: list[FundsLine] = []
    for table in layout.tables:
        if table.index in skip:
            continue
        lines.extend(_read(doc, table, fiscal_year))
    return lines


def _is_body(row: list[Cell]) -> bool:
    return any(_NUMBER_CELL.match(c.text) for c in row[1:]) and any(
        c.clean and not _NUMBER_CELL.match(c.text) for c in row
    )


def _read(doc: Document, table: Table, fiscal_year: int | None) -> list[FundsLine]:
    out: list[FundsLine] = []
    header: list[list[Cell]] = []
    in_body = False
    before = doc.normalized[max(0, table.start - 120) : table.start]
    head = " ".join(c.clean for r in table.rows[:2] for c in r)
    table_unit = money_unit(f"{before} {table.title or ''} {head}")
    for row in table.rows:
        if not _is_body(row):
            if in_body:
                header, in_body = [], False
            header.append(row)
            continue
        in_body = True
        head_text = "".join(c.clean for r in header for c in r)
        if not header or _SKIP_TABLE.search(head_text + (table.title or "")):
            continue
        columns = _column_labels(header)
        by_institution = bool(header[0]) and header[0][0].clean == "机构名称"
        subject = _subject(head_text + (table.title or ""))
        label_cell = next(c for c in row if c.clean and not _NUMBER_CELL.match(c.text))
        unit = row_unit(label_cell.clean, table_unit)
        for k, cell in enumerate(row):
            m = _NUMBER_CELL.match(cell.text)
            if not m or k >= len(columns) or not columns[k] or columns[k] in ("序号", "编号"):
                continue
            column = columns[k]
            measure = _measure(column, subject, fiscal_year)
            if measure is None:
                continue
            category = V.category_of(column) if by_institution else V.category_of(label_cell.clean)
            if category is FundsCategory.unknown:
                category = V.category_of(label_cell.clean if by_institution else column)
            amount = number_at(
                doc, cell.start + m.start(1), cell.start + m.end(1), to_decimal(m.group(1)), unit
            )
            out.append(
                FundsLine(
                    label=label_cell.clean,
                    column=column,
                    table=table.title,
                    entity=label_cell.clean if by_institution else None,
                    category=category,
                    measure=measure,
                    amount=amount,
                )
            )
    return out


def _column_labels(header: list[list[Cell]]) -> list[str]:
    """The most specific header text above each column (``其中：`` is not a label).

    A merged ``其中：`` cell stands over as many columns as the row below has labels from its
    position on; the cells after it in its row move right by as much.
    """
    width = max(len(r) for r in header)
    labels = [""] * width
    for r, row in enumerate(header):
        below = header[r + 1] if r + 1 < len(header) else []
        shift = 0
        for k, c in enumerate(row):
            col = k + shift
            if c.clean.startswith("其中"):
                span = 0
                while col + span < len(below) and below[col + span].clean:
                    span += 1
                shift += max(span - 1, 0)
            elif c.clean and col < width:
                labels[col] = c.clean
    return labels


def _subject(text: str) -> FundsMeasure | None:
    if "收入" in text:
        return FundsMeasure.income
    if "支出" in text or "三公" in text or "经费" in text:
        return FundsMeasure.expenditure
    return None


def dated_measure(column: str, measure: FundsMeasure, fiscal_year: int | None) -> FundsMeasure:
    """A column headed by a year before the report's (``2019年决算数`` in a 2020 report) holds
    last year's figures, whatever its other words say."""
    year = _YEAR.search(column)
    if year and fiscal_year and int(year.group(1)) < fiscal_year:
        return FundsMeasure.prior_executed
    return measure


def _measure(
    column: str, subject: FundsMeasure | None, fiscal_year: int | None
) -> FundsMeasure | None:
    if "增减" in column:
        return FundsMeasure.amount
    if dated_measure(column, FundsMeasure.amount, fiscal_year) is FundsMeasure.prior_executed:
        return FundsMeasure.prior_executed
    if "投资" in column:
        return FundsMeasure.executed if "实际" in column else FundsMeasure.adjusted_budget
    measure = V.measure_of(column)
    if measure in (
        FundsMeasure.adjusted_budget,
        FundsMeasure.executed,
        FundsMeasure.prior_executed,
    ):
        return measure
    if subject is None and "率" in column:
        return None
    return subject
