"""Unit rules: an amount's unit agrees with the other statements of the same figure."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.statements import Statement, statements
from pipeline.schema import Finding, FundsCategory, Report, Severity

NEARBY = 300
"""Characters within which two statements of the same digits are taken to be one figure
even when their labels name it differently (a total and its only non-zero part)."""


def _distance(a: Statement, b: Statement) -> int:
    if a.quantity.span is None or b.quantity.span is None:
        return 10**9
    return abs(a.quantity.span.start - b.quantity.span.start)


def _same_figure(a: Statement, b: Statement) -> bool:
    if b is a or b.value != a.value or b.quantity.unit == a.quantity.unit:
        return False
    same_category = a.category == b.category and a.category != FundsCategory.unknown
    return same_category or _distance(a, b) <= NEARBY


@rule("unit.scale")
def scale(report: Report) -> Iterator[Finding]:
    """The same digits written with 元 in one place and 万元 in another, for the same
    figure (same category, or stated within a few lines): one unit is wrong, by a factor
    of ten thousand.  Tables headed （万元） make 万元 the neighbours' unit, so the odd one
    out is the 元.  Zero is the same in any unit and never reported."""
    found = statements(report, with_entities=True)
    for a in found:
        if a.quantity.unit != "元" or a.value == 0:
            continue
        others = sorted((b for b in found if _same_figure(a, b)), key=lambda b: _distance(a, b))
        if not others:
            continue
        b = others[0]
        yield finding(
            "unit.scale",
            Severity.warning,
            f"{a.where}：{a.quantity.raw}{a.quantity.unit}，而同一数字在 {b.where} 写作 "
            f"{b.quantity.raw}{b.quantity.unit}",
            f"{a.where}: {a.quantity.raw} {a.quantity.unit}, while the same figure is "
            f"{b.quantity.raw} {b.quantity.unit} in {b.where}",
            [Involved("odd_unit", a.where, a.quantity)]
            + [Involved("statement", o.where, o.quantity) for o in others[:5]],
            expected=b.value,
            found=a.value / 10000,  # the odd figure in the neighbours' unit
        )
