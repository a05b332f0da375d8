"""Balance rules: what came in, went out and was left over agree, per institution."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.tables import funds_tables
from pipeline.check.tolerance import sum_and_slack, sum_tolerance
from pipeline.schema import Finding, FundsCategory, FundsLine, FundsMeasure, Report, Severity

C = FundsCategory


def _by_entity(report: Report) -> dict[str, dict[str, FundsLine]]:
    """Per institution (entity, or the whole department when the tables name none): its
    income total, carry-over, expenditure total, year's balance and accumulated balance,
    the first statement of each in the department-level tables."""
    out: dict[str, dict[str, FundsLine]] = {}
    for table in funds_tables(report):
        if table.where != "report":
            continue
        for line in table.lines:
            if line.amount.value is None or line.amount.unit == "%":
                continue
            slot = _slot(line)
            if slot:
                out.setdefault(line.entity or "", {}).setdefault(slot, line)
    return out


def _slot(line: FundsLine) -> str | None:
    if line.category == C.total and line.measure == FundsMeasure.income:
        return "income"
    if line.category == C.total and line.measure == FundsMeasure.expenditure:
        return "expenditure"
    if line.category == C.carry_over and line.measure == FundsMeasure.income:
        return "carry_over"
    if line.category == C.balance:
        return "balance"
    if line.category == C.accumulated_balance:
        return "accumulated"
    return None


def _where(line: FundsLine) -> str:
    return " / ".join(x for x in (line.table, line.label, line.column) if x)


@rule("balance.accumulated")
def accumulated(report: Report) -> Iterator[Finding]:
    """年初结转 + 当年结余 = 累计结余 for each institution (the carry-over of the income
    table plus the year's balance of the expenditure table is what is left at year end)."""
    for entity, slots in _by_entity(report).items():
        carry, bal, acc = slots.get("carry_over"), slots.get("balance"), slots.get("accumulated")
        if not (carry and bal and acc):
            continue
        got, tol = sum_and_slack([carry.amount.value, bal.amount.value], acc.amount.value)
        if abs(got - acc.amount.value) <= tol:
            continue
        who = entity or "部门"
        yield finding(
            "balance.accumulated",
            Severity.error,
            f"{who}：年初结转 {carry.amount.raw} + 当年结余 {bal.amount.raw} = {got}，"
            f"与累计结余 {acc.amount.raw} 不符",
            f"{who}: carry-over {carry.amount.raw} + year's balance {bal.amount.raw} = {got}, "
            f"but the accumulated balance is {acc.amount.raw}",
            [
                Involved("total", _where(acc), acc.amount),
                Involved("part", _where(carry), carry.amount),
                Involved("part", _where(bal), bal.amount),
            ],
            expected=got,
            found=acc.amount.value,
            tolerance=tol,
        )


@rule("balance.year")
def year_balance(report: Report) -> Iterator[Finding]:
    """收入合计 − 支出合计 = 结余 for each institution.  Income totals are stated with or
    without the carry-over, so the relation holds if either reading gives the stated
    balance: (收入合计 − 上年结转) − 支出合计 = 当年结余, or 收入合计 − 支出合计 = 累计结余."""
    for entity, slots in _by_entity(report).items():
        inc, exp = slots.get("income"), slots.get("expenditure")
        bal, carry, acc = slots.get("balance"), slots.get("carry_over"), slots.get("accumulated")
        if not (inc and exp and (bal or acc)):
            continue
        readings: list[tuple[Decimal, Decimal, Decimal, list[FundsLine]]] = []
        i, e = inc.amount.value, exp.amount.value
        if bal and carry:
            got = i - carry.amount.value - e
            used = [inc, carry, exp, bal]
            readings.append((got, bal.amount.value, _tol(used), used))
        if acc:
            used = [inc, exp, acc]
            readings.append((i - e, acc.amount.value, _tol(used), used))
        if bal and not carry:
            used = [inc, exp, bal]
            readings.append((i - e, bal.amount.value, _tol(used), used))
        if not readings or any(abs(g - s) <= t for g, s, t, _ in readings):
            continue
        got, stated, tol, used = readings[0]
        who = entity or "部门"
        yield finding(
            "balance.year",
            Severity.error,
            f"{who}：收入 {inc.amount.raw} 减支出 {exp.amount.raw} 得结余 {got}，与所列 {used[-1].amount.raw} 不符",
            f"{who}: income {inc.amount.raw} less expenditure {exp.amount.raw} leaves {got}, "
            f"but {used[-1].amount.raw} is stated",
            [Involved("statement", _where(x), x.amount) for x in used],
            expected=got,
            found=stated,
            tolerance=tol,
        )


def _tol(lines: list[FundsLine]) -> Decimal:
    return sum_tolerance([x.amount.value for x in lines])
