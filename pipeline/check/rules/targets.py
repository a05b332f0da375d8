"""Target rules: an indicator's actual against its target, by the comparator stated."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.rules.scores import card_name
from pipeline.schema import Finding, Indicator, Quantity, Report, Severity


def comparator_of(ind: Indicator) -> str:
    """The target's comparator; a bare number is a floor, except for a cost or a 控制率
    (三公经费控制率 100%: a cap)."""
    if ind.target is not None and ind.target.comparator:
        return ind.target.comparator
    level2 = ind.level2.text if ind.level2 is not None else ""
    # a cost indicator is a cap; a level-2 cell listing several kinds (数量、质量、时效、成本指标)
    # says nothing about this row
    name = ind.name.raw
    cost = level2.startswith("成本") or "成本" in name or "控制率" in name
    return "<=" if cost else ">="


def missed(target: Decimal, actual: Decimal, comparator: str) -> bool | None:
    """Whether ``actual`` misses ``target``; None when the comparator says nothing."""
    return {
        ">=": actual < target,
        ">": actual <= target,
        "<=": actual > target,
        "<": actual >= target,
        "=": actual != target,
    }.get(comparator)


def _units_agree(target: Quantity, actual: Quantity) -> bool:
    return actual.unit is None or target.unit is None or actual.unit == target.unit


@rule("target.missed_full_marks")
def missed_full_marks(report: Report) -> Iterator[Finding]:
    """An indicator whose actual misses its target (by the comparator stated: 不低于,
    ≤, 以内 …) yet scored its full weight.  A warning: the deviation note may justify it,
    but the scoring rules of these tables deduct for a missed target."""
    for card in report.scorecards:
        for ind in card.indicators:
            t, a, w, s = ind.target, ind.actual, ind.weight, ind.score
            if not (t and a and w and s) or None in (t.value, a.value, w.value, s.value):
                continue
            if not _units_agree(t, a) or s.value < w.value:
                continue
            comparator = comparator_of(ind)
            if not missed(t.value, a.value, comparator):
                continue
            where = f"{card_name(card)} / {ind.name.text}"
            yield finding(
                "target.missed_full_marks",
                Severity.warning,
                f"{where}：目标 {t.raw}，实际 {a.raw}，未达目标却得满分 {s.raw}/{w.raw}",
                f"{where}: target {t.raw}, actual {a.raw}: the target was missed yet the "
                f"indicator scored full marks {s.raw}/{w.raw}",
                [
                    Involved("target", where, t),
                    Involved("actual", where, a),
                    Involved("score", where, s),
                    Involved("weight", where, w),
                ],
                expected=t.value,
                found=a.value,
            )
