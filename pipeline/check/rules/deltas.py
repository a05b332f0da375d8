"""Delta rules: an 增减额 is this year minus last year, sign included."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.tables import FundsTable, column_year, describe, funds_tables, is_delta_column
from pipeline.check.tolerance import sum_tolerance
from pipeline.schema import Finding, FundsLine, FundsMeasure, Report, Severity

M = FundsMeasure


def _years(
    table: FundsTable, cells: dict[str | None, FundsLine]
) -> tuple[FundsLine, FundsLine] | None:
    """(this year, last year) among a row's figures: by the years in the column headers,
    else by measure (this year's executed / expenditure against prior_executed)."""
    dated = [
        (column_year(c), line)
        for c, line in cells.items()
        if column_year(c) is not None and not is_delta_column(c, line.measure)
    ]
    if len(dated) == 2 and dated[0][0] != dated[1][0]:
        dated.sort(key=lambda x: x[0])
        return dated[1][1], dated[0][1]
    by = {line.measure: line for line in cells.values()}
    last = by.get(M.prior_executed)
    this = by.get(M.executed) or by.get(M.expenditure)
    if this and last:
        return this, last
    return None


@rule("delta.change")
def change(report: Report) -> Iterator[Finding]:
    """An 增减额 / 增减情况 column equals this year's figure minus last year's, row by row.
    A value equal to the difference with the wrong sign is reported as a sign error."""
    for table in funds_tables(report):
        delta_cols = [c for c in table.columns if c and re_delta(table, c)]
        if not delta_cols:
            continue
        for row in table.rows:
            cells = table.row_cells(row.index)
            pair = _years(table, cells)
            for col in delta_cols:
                delta = cells.get(col)
                if delta is None or delta.amount.value is None or pair is None:
                    continue
                this, last = pair
                if this.amount.value is None or last.amount.value is None:
                    continue
                got = this.amount.value - last.amount.value
                tol = sum_tolerance([this.amount.value, last.amount.value, delta.amount.value])
                stated = delta.amount.value
                if abs(got - stated) <= tol:
                    continue
                flipped = abs(got + stated) <= tol and got != 0
                where = describe(table, delta)
                zh = (
                    f"{where}：增减额符号相反，{this.amount.raw} − {last.amount.raw} = {got}，所列 {delta.amount.raw}"
                    if flipped
                    else f"{where}：{this.amount.raw} − {last.amount.raw} = {got}，与所列增减额 {delta.amount.raw} 不符"
                )
                en = (
                    f"{where}: the change has the wrong sign, {this.amount.raw} − {last.amount.raw} = {got}, "
                    f"stated {delta.amount.raw}"
                    if flipped
                    else f"{where}: {this.amount.raw} − {last.amount.raw} = {got}, but the change is "
                    f"stated as {delta.amount.raw}"
                )
                yield finding(
                    "delta.change",
                    Severity.error,
                    zh,
                    en,
                    [
                        Involved("delta", where, delta.amount),
                        Involved("this_year", describe(table, this), this.amount),
                        Involved("last_year", describe(table, last), last.amount),
                    ],
                    expected=got,
                    found=stated,
                    tolerance=tol,
                )


def re_delta(table: FundsTable, column: str) -> bool:
    lines = table.column_cells(column).values()
    return any(is_delta_column(column, line.measure) for line in lines) and not any(
        line.amount.unit == "%" for line in lines
    )
