"""Ratio rules: a stated rate is the ratio of the figures it is computed from, rounded to
the decimals it shows (truncation is reported as info, because reports do both)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.tables import describe, funds_tables
from pipeline.check.tolerance import HUNDRED, RateFit, rate_fit, shown_like, truncated_like
from pipeline.schema import Fact, Finding, FundsMeasure, Quantity, Report, Severity

M = FundsMeasure


def rate_finding(
    rule_id: str,
    rate: Involved,
    num: Involved,
    den: Involved,
    what_zh: str,
    what_en: str,
    *,
    exact: bool = False,
) -> Finding | None:
    """A finding when the rate shown is not num/den: error when neither rounding nor
    truncation gives it, info when only truncation does.  ``exact``: num and den are
    counts, free of rounding."""
    r, n, d = rate.quantity.value, num.quantity.value, den.quantity.value
    if r is None or n is None or d is None:
        return None
    fit = rate_fit(r, n, d, exact=exact)
    if fit is None or fit == RateFit.rounded:
        return None
    ratio = n / d * HUNDRED
    shown = shown_like(ratio, r)
    if fit == RateFit.truncated:
        return finding(
            rule_id,
            Severity.info,
            f"{what_zh} {rate.quantity.raw}% 为截尾所得：{num.quantity.raw} ÷ {den.quantity.raw} = "
            f"{ratio:.4f}%，四舍五入应为 {shown}%",
            f"{what_en} {rate.quantity.raw}% is truncated: {num.quantity.raw} / {den.quantity.raw} = "
            f"{ratio:.4f}%, which rounds to {shown}%",
            [rate, num, den],
            expected=shown,
            found=r,
        )
    return finding(
        rule_id,
        Severity.error,
        f"{what_zh}应为 {num.quantity.raw} ÷ {den.quantity.raw} = {shown}%，所列为 {rate.quantity.raw}%",
        f"{what_en} should be {num.quantity.raw} / {den.quantity.raw} = {shown}%, "
        f"but {rate.quantity.raw}% is stated (truncated: {truncated_like(ratio, r)}%)",
        [rate, num, den],
        expected=shown,
        found=r,
    )


@rule("ratio.execution")
def execution(report: Report) -> Iterator[Finding]:
    """执行率 = 全年执行数 ÷ 全年预算数 on each row that states all three (the funds block of
    a self-evaluation table, budget-execution tables)."""
    for table in funds_tables(report):
        for row in table.rows:
            cells = table.row_cells(row.index)
            by = {line.measure: line for line in cells.values()}
            rate, done = by.get(M.execution_rate), by.get(M.executed)
            budget = by.get(M.adjusted_budget) or by.get(M.initial_budget)
            if not (rate and done and budget):
                continue
            f = rate_finding(
                "ratio.execution",
                Involved("rate", describe(table, rate), rate.amount),
                Involved("numerator", describe(table, done), done.amount),
                Involved("denominator", describe(table, budget), budget.amount),
                "执行率",
                "the execution rate",
            )
            if f:
                yield f


@rule("ratio.control")
def control(report: Report) -> Iterator[Finding]:
    """控制率 = 实有人数 ÷ 编制数 (the staffing control rate of the basic-data table)."""
    p = report.personnel
    if not (p.control_rate and p.headcount and p.staffing_quota):
        return
    f = rate_finding(
        "ratio.control",
        Involved("rate", "控制率", p.control_rate),
        Involved("numerator", "实有人数", p.headcount),
        Involved("denominator", "编制数", p.staffing_quota),
        "控制率",
        "the staffing control rate",
        exact=True,
    )
    if f:
        yield f


_SHARE = re.compile(r"(占|比重|占比)\s*$")
_WHOLE = re.compile(r"总|合计|全年|全部|共计")


def _amount(f: Fact) -> bool:
    return f.quantity.value is not None and (f.quantity.unit or "").endswith("元")


@rule("ratio.prose_share")
def prose_share(report: Report) -> Iterator[Finding]:
    """A share stated in prose (``其中财政拨款629.82万元，占63.00%``) is the amount just
    before it over the whole the passage opened with (the nearest earlier 总/合计 amount in
    the same unit), as these reports write their income and expenditure structure."""
    facts = sorted(report.facts, key=lambda f: f.quantity.span.start if f.quantity.span else -1)
    for i, fact in enumerate(facts):
        if fact.quantity.unit != "%" or not _SHARE.search(fact.label) or i == 0:
            continue
        part = facts[i - 1]
        if not _amount(part):
            continue
        whole = next(
            (
                f
                for f in reversed(facts[: i - 1])
                if _amount(f)
                and _WHOLE.search(f.label)
                and f.quantity.unit == part.quantity.unit
                and f.quantity.value >= part.quantity.value
            ),
            None,
        )
        if whole is None or _far(whole.quantity, fact.quantity):
            continue
        f = rate_finding(
            "ratio.prose_share",
            Involved("rate", fact.label, fact.quantity),
            Involved("numerator", part.label, part.quantity),
            Involved("denominator", whole.label, whole.quantity),
            f"{fact.label}比例",
            "the share",
        )
        if f:
            yield f


def _far(a: Quantity, b: Quantity, limit: int = 400) -> bool:
    """Whole and share too far apart in the text to belong to one passage."""
    if a.span is None or b.span is None:
        return True
    return b.span.start - a.span.end > limit
