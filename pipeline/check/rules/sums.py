"""Sum rules: parts equal their total, within the rounding of the figures shown."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.tables import FundsTable, describe, funds_tables
from pipeline.check.tolerance import sum_and_slack
from pipeline.schema import Finding, FundsCategory, FundsLine, FundsMeasure, Report, Severity

C = FundsCategory

INCOME_PARTS = (
    C.general_public_budget,
    C.government_fund,
    C.special_account_non_tax,
    C.operating_income,
    C.other,
    C.carry_over,
)
EXPENDITURE_PARTS = (C.basic_expenditure, C.project_expenditure)

# parent category → alternative sets of part categories (the first set present is used)
IDENTITIES: dict[FundsCategory, tuple[tuple[FundsCategory, ...], ...]] = {
    C.basic_expenditure: ((C.personnel, C.public_operating),),
    C.three_public: (
        (C.official_reception, C.vehicle, C.overseas_travel),
        (C.official_reception, C.vehicle_purchase, C.vehicle_operation, C.overseas_travel),
    ),
    C.vehicle: ((C.vehicle_purchase, C.vehicle_operation),),
}


def sum_finding(
    rule_id: str,
    table: FundsTable,
    total: FundsLine,
    parts: list[FundsLine],
    what_zh: str,
    what_en: str,
) -> Finding | None:
    """A finding when the displayed parts do not add up to the displayed total."""
    if total.amount.value is None or any(p.amount.value is None for p in parts):
        return None
    values = in_unit_of(total, parts)
    got, tol = sum_and_slack(values, total.amount.value)
    if abs(got - total.amount.value) <= tol:
        return None
    terms = " + ".join(p.amount.raw for p in parts)
    return finding(
        rule_id,
        Severity.error,
        f"{describe(table, total)}：{what_zh}之和 {terms} = {got}，与所列 {total.amount.raw} 不符",
        f"{describe(table, total)}: {what_en} {terms} = {got}, but {total.amount.raw} is stated",
        [Involved("total", describe(table, total), total.amount)]
        + [Involved("part", describe(table, p), p.amount) for p in parts],
        expected=got,
        found=total.amount.value,
        tolerance=tol,
    )


_MONEY = {
    "元": Decimal(1),
    "千元": Decimal(10) ** 3,
    "万元": Decimal(10) ** 4,
    "亿元": Decimal(10) ** 8,
}


def in_unit_of(total: FundsLine, parts: list[FundsLine]) -> list[Decimal]:
    """The parts' values in the total's unit: a table in 元 may state its 合计 in 万元 (or
    one row in 元 among 万元 rows), and 2846300.00 元 is 284.63 万元."""
    to = _MONEY.get(total.amount.unit or "")
    out = []
    for p in parts:
        value = p.amount.value
        assert value is not None
        frm = _MONEY.get(p.amount.unit or "")
        out.append(value * frm / to if to and frm and frm != to else value)
    return out


def _numeric(line: FundsLine | None) -> bool:
    return line is not None and line.amount.value is not None


@rule("sum.total_row")
def total_row(report: Report) -> Iterator[Finding]:
    """A 合计 / 总计 / 汇总 row equals the sum of the top-level rows of its table, column by
    column (an economic-classification table's rows = its 合计 row; per-institution rows =
    the summary row).  A top-level row with no figure in the column counts as zero (these
    tables leave zeros blank), but only when it states figures in other columns."""
    for table in funds_tables(report):
        totals = [r for r in table.rows if r.total and r.parent is None]
        top = table.children(None)
        if not totals or len(top) < 2:
            continue
        for total_row_ in totals:
            for column in table.columns:
                total = table.cell(total_row_.index, column)
                if not _numeric(total) or _not_amount(total):
                    continue
                cells = [table.cell(r.index, column) for r in top]
                parts = [c for c in cells if c is not None]
                if any(not _numeric(p) for p in parts) or len(parts) < 2:
                    continue
                f = sum_finding("sum.total_row", table, total, parts, "各行", "the rows add up to")
                if f:
                    yield f


@rule("sum.parts_exceed")
def parts_exceed(report: Report) -> Iterator[Finding]:
    """The lines listed under a figure with 其中 (of which) add up to no more than it.  They
    may list only some of its parts, so only an excess is an error."""
    for table in funds_tables(report):
        for row in table.rows:
            kids = table.children(row.index)
            if not any(r.label.lstrip().startswith("其") for r in kids) or len(kids) < 2:
                continue
            for column in table.columns:
                parent = table.cell(row.index, column)
                if not _numeric(parent) or _not_amount(parent):
                    continue
                parts = [c for c in (table.cell(k.index, column) for k in kids) if c is not None]
                if len(parts) < 2 or any(not _numeric(p) for p in parts):
                    continue
                got, tol = sum_and_slack(in_unit_of(parent, parts), parent.amount.value)
                if got <= parent.amount.value + tol:
                    continue
                where = describe(table, parent)
                yield finding(
                    "sum.parts_exceed",
                    Severity.error,
                    f"{where}：其中各项之和 {got} 超过总数 {parent.amount.raw}",
                    f"{where}: the lines under it add up to {got}, more than {parent.amount.raw}",
                    [Involved("total", where, parent.amount)]
                    + [Involved("part", describe(table, p), p.amount) for p in parts],
                    expected=got,
                    found=parent.amount.value,
                    tolerance=tol,
                )


def _not_amount(line: FundsLine) -> bool:
    return line.measure in _NOT_AMOUNTS or line.amount.unit == "%"


def _records(table: FundsTable) -> Iterator[list[FundsLine]]:
    """Groups of figures that describe one thing by category: a row when the columns name
    the categories, else a column (in row order)."""
    if table.categories_along_columns():
        for row in table.rows:
            yield list(table.row_cells(row.index).values())
    else:
        for column in table.columns:
            cells = table.column_cells(column)
            yield [cells[r] for r in sorted(cells)]


def _scope(table: FundsTable, record: list[FundsLine], at: int) -> list[FundsLine]:
    """Where the parts of ``record[at]`` are looked for: in a column, the rows under it in
    the outline (or, when the outline shows none, the rows after it); in a row, the rest
    of the row."""
    line = record[at]
    if table.categories_along_columns():
        return record[:at] + record[at + 1 :]
    under = {r.index for r in table.descendants(table.row_of(line))}
    if under:
        return [x for x in record if table.row_of(x) in under]
    return record[at + 1 :]


def _identity_parts(
    scope: list[FundsLine], alternatives: tuple[tuple[FundsCategory, ...], ...]
) -> list[FundsLine] | None:
    """The part figures of an identity in ``scope``: of the alternative part sets, the one
    with most parts stated (the first statement of each category); None when fewer than
    two are stated (one part is not a sum)."""
    best: list[FundsLine] = []
    for parts in alternatives:
        found = [next((x for x in scope if x.category == c), None) for c in parts]
        present = [f for f in found if f is not None]
        if len(present) > len(best):
            best = present
    if len(best) < 2 or any(p.amount.value is None for p in best):
        return None
    return best


@rule("sum.category_parts")
def category_parts(report: Report) -> Iterator[Finding]:
    """A figure equals the sum of its named parts wherever both are stated: 基本支出 =
    人员经费 + 公用经费; 三公经费 = 公务接待 + 公务用车 (or its 购置 + 运行维护) + 因公出国
    （境）; 公务用车 = 购置 + 运行维护 (the identities of the 部门决算 tables).  Parts are
    taken from the same row, or from the rows under the figure in the same column."""
    for table in funds_tables(report):
        for record in _records(table):
            for i, line in enumerate(record):
                alternatives = IDENTITIES.get(line.category)
                if not alternatives or line.amount.value is None or _not_amount(line):
                    continue  # rates, weights and scores are not sums of their parts
                parts = _identity_parts(_scope(table, record, i), alternatives)
                if parts is None:
                    continue
                f = sum_finding("sum.category_parts", table, line, parts, "各组成部分", "the parts")
                if f:
                    yield f


@rule("sum.total_by_nature")
def total_by_nature(report: Report) -> Iterator[Finding]:
    """A total equals its parts by income source (财政拨款, 政府性基金, 专户非税, 事业收入,
    其他, 上年结转) and, separately, by expenditure nature (基本支出 + 项目支出), as the
    funds block of a self-evaluation table and the income and expenditure tables state
    them.  Parts stated without a column (one figure per row) must match one of the
    total's amount columns."""
    for table in funds_tables(report):
        records = list(_records(table))
        loose = [line for line in table.lines if line.column is None]
        for record in records:
            for line in record:
                if line.category != C.total or not _numeric(line) or _not_amount(line):
                    continue
                for part_set in (INCOME_PARTS, EXPENDITURE_PARTS):
                    parts = _identity_parts(record, (part_set,))
                    if parts is not None and line not in parts:
                        f = sum_finding(
                            "sum.total_by_nature", table, line, parts, "各组成部分", "the parts"
                        )
                        if f:
                            yield f
        yield from _loose_parts(table, loose)


_NOT_AMOUNTS = (FundsMeasure.execution_rate, FundsMeasure.weight, FundsMeasure.score)


def _loose_parts(table: FundsTable, loose: list[FundsLine]) -> Iterator[Finding]:
    totals = [
        line
        for line in table.lines
        if line.category == C.total
        and line.column is not None
        and _numeric(line)
        and not _not_amount(line)
    ]
    if not totals:
        return
    for part_set in (INCOME_PARTS, EXPENDITURE_PARTS):
        parts = _identity_parts(loose, (part_set,))
        if parts is None:
            continue
        findings = [
            sum_finding("sum.total_by_nature", table, t, parts, "各组成部分", "the parts")
            for t in totals
        ]
        if all(findings):
            yield min(findings, key=lambda f: abs(f.expected - f.found))
