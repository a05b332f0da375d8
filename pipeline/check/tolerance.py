"""Tolerance from displayed precision, in the manner of XBRL calculation consistency.

A figure shown as ``12.34`` stands for any true value in [12.335, 12.345]: half a unit of
its last displayed decimal either side.  A relation between displayed figures holds when
it holds for *some* choice of true values inside those intervals, so the allowed slack is
the sum of the half-units of every figure involved (parts *and* total), never a blanket
epsilon.  Rates are checked the same way, by interval arithmetic on the ratio.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from pipeline.schema import Quantity

HUNDRED = Decimal(100)


def half_unit(value: Decimal) -> Decimal:
    """Half a unit of the last displayed decimal: 0.005 for ``12.34``, 0.5 for ``96``."""
    exp = value.as_tuple().exponent
    exp = exp if isinstance(exp, int) else 0
    return Decimal(5).scaleb(exp - 1)


def decimals(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def sum_tolerance(values: list[Decimal]) -> Decimal:
    """Largest difference between a displayed total and the sum of its displayed parts that
    rounding alone can explain: n × ½·10⁻ᵏ for n figures (parts and total) shown to k
    decimals, summed figure by figure when their decimals differ."""
    return sum((half_unit(v) for v in values), Decimal(0))


def score_tolerance(values: list[Decimal]) -> Decimal:
    """Slack for sums of scores and weights.  A weight or a score shown as a whole number
    is assigned, not measured: it is exact and brings no rounding.  Only scores shown with
    decimals (a 预算执行率 score of 9.58, computed and rounded) bring half a unit each."""
    return sum((half_unit(v) for v in values if decimals(v) > 0), Decimal(0))


def sum_and_slack(
    parts: list[Decimal],
    total: Decimal,
    tolerance: Callable[[list[Decimal]], Decimal] = sum_tolerance,
) -> tuple[Decimal, Decimal]:
    """The sum of displayed parts and the slack their rounding and the total's allows
    (``score_tolerance`` for scores and weights)."""
    return sum(parts, Decimal(0)), tolerance([*parts, total])


def sum_holds(parts: list[Decimal], total: Decimal) -> bool:
    got, slack = sum_and_slack(parts, total)
    return abs(got - total) <= slack


class RateFit(StrEnum):
    rounded = "rounded"  # the ratio rounds to the shown rate
    truncated = "truncated"  # only truncating the ratio gives the shown rate
    mismatch = "mismatch"


def ratio_interval(
    num: Decimal, den: Decimal, *, exact: bool = False
) -> tuple[Decimal, Decimal] | None:
    """Range of num/den × 100 over the true values the displayed num and den can stand
    for (just the ratio when they are ``exact`` counts); None when the denominator may be
    zero."""
    hn, hd = (Decimal(0), Decimal(0)) if exact else (half_unit(num), half_unit(den))
    d_lo, d_hi = den - hd, den + hd
    if d_lo <= 0 <= d_hi:
        return None
    candidates = [a / b * HUNDRED for a in (num - hn, num + hn) for b in (d_lo, d_hi)]
    return min(candidates), max(candidates)


def rate_fit(rate: Decimal, num: Decimal, den: Decimal, *, exact: bool = False) -> RateFit | None:
    """Whether a rate shown in percent (``96`` for 96%) is num/den, rounded to the decimals
    shown; truncation (toward zero) is told apart because reports do both.  ``exact``: num
    and den are counts (people, posts), not rounded figures.  None when undefined."""
    interval = ratio_interval(num, den, exact=exact)
    if interval is None:
        return None
    lo, hi = interval
    h = half_unit(rate)
    if rate - h <= hi and lo <= rate + h:
        return RateFit.rounded
    unit = 2 * h
    # truncation toward zero: the ratio lies in [rate, rate + unit) above zero and in
    # (rate − unit, rate] below it
    if rate >= 0:
        truncated = rate <= hi and lo < rate + unit
    else:
        truncated = lo <= rate and rate - unit < hi
    return RateFit.truncated if truncated else RateFit.mismatch


def rounded(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, as these reports round."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def shown_like(value: Decimal, like: Decimal) -> Decimal:
    """``value`` rounded to the decimals ``like`` shows (for messages)."""
    return rounded(value, decimals(like))


def truncated_like(value: Decimal, like: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals(like)), rounding=ROUND_DOWN)


def value_of(q: Quantity | None) -> Decimal | None:
    return None if q is None else q.value
