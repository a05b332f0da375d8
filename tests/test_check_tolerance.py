"""Tolerance from displayed precision: properties over random figures (hypothesis), and
unit tests of the helpers.

A sum of figures each rounded to its shown decimals differs from the rounded true total by
at most the half-units of all of them, whatever the figures and the rounding mode; a total
further off than that is always an error.  A rate that is num ÷ den rounded is always a fit,
truncated at worst reported as truncation, and a rate outside the ratio's interval is a
mismatch."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.check import check_report
from pipeline.check.rules.prose import one_digit_apart
from pipeline.check.tolerance import (
    RateFit,
    half_unit,
    rate_fit,
    ratio_interval,
    sum_holds,
    sum_tolerance,
)
from pipeline.schema import FundsCategory, FundsLine, FundsMeasure, Quantity, Report, Span

D = Decimal
FAST = settings(max_examples=200, deadline=None)
MODES = (ROUND_HALF_UP, ROUND_HALF_EVEN)


def unit(k: int) -> Decimal:
    """One unit of the k-th decimal, with exponent -k (1, 0.1, 0.01 …)."""
    return D(1).scaleb(-k)


def shown(x: Decimal, k: int, mode: str = ROUND_HALF_UP) -> Decimal:
    """``x`` as displayed with k decimals."""
    return x.quantize(unit(k), rounding=mode)


@st.composite
def true_value(draw: st.DrawFn) -> Decimal:
    """A figure with 0–3 decimals, positive or negative, of magnitude up to 1e6."""
    places = draw(st.integers(0, 3))
    bound = 10**6 * 10**places
    return D(draw(st.integers(-bound, bound))).scaleb(-places)


parts_st = st.lists(true_value(), min_size=2, max_size=20)
decimals_st = st.integers(0, 3)
modes_st = st.sampled_from(MODES)


def one_table(parts: list[Decimal], total: Decimal) -> Report:
    """A report with one table: numbered rows and a 合计 row, in one column."""
    lines: list[FundsLine] = []
    offset = 0
    for i, value in enumerate([*parts, total], start=1):
        raw = str(value)
        label = "合计" if i == len(parts) + 1 else f"{i}、科目{i}"
        lines.append(
            FundsLine(
                label=label,
                column="2020年支出（万元）",
                table="支出明细表（万元）",
                category=FundsCategory.total if label == "合计" else FundsCategory.unknown,
                measure=FundsMeasure.expenditure,
                amount=Quantity(
                    raw=raw,
                    span=Span(start=offset, end=offset + len(raw)),
                    value=value,
                    unit="万元",
                ),
            )
        )
        offset += len(raw) + 1
    return Report(doc_id="one-table", funds=lines)


def total_row_findings(parts: list[Decimal], total: Decimal):
    return check_report(one_table(parts, total), rules=["sum.total_row"])


# --------------------------------------------------------------------------- sums


@FAST
@given(parts=parts_st, k=decimals_st, mode=modes_st)
def test_rounded_parts_add_up_to_the_rounded_total(parts, k, mode):
    shown_parts = [shown(p, k, mode) for p in parts]
    shown_total = shown(sum(parts, D(0)), k, mode)
    assert sum_holds(shown_parts, shown_total)
    assert total_row_findings(shown_parts, shown_total) == []


@FAST
@given(
    data=st.data(),
    parts=parts_st,
    k_total=decimals_st,
    mode=modes_st,
)
def test_parts_shown_to_different_decimals_still_add_up(data, parts, k_total, mode):
    """Each figure rounded to its own decimals: the tolerance is summed figure by figure."""
    ks = data.draw(st.lists(decimals_st, min_size=len(parts), max_size=len(parts)))
    shown_parts = [shown(p, k, mode) for p, k in zip(parts, ks, strict=True)]
    shown_total = shown(sum(parts, D(0)), k_total, mode)
    assert sum_holds(shown_parts, shown_total)
    assert total_row_findings(shown_parts, shown_total) == []


@FAST
@given(parts=parts_st, k=decimals_st, mode=modes_st, sign=st.sampled_from((1, -1)))
def test_total_off_by_more_than_the_tolerance_is_an_error(parts, k, mode, sign):
    shown_parts = [shown(p, k, mode) for p in parts]
    stated = shown(sum(parts, D(0)), k, mode)
    tol = sum_tolerance([*shown_parts, stated])
    # off by the tolerance plus one unit of the last decimal, kept at k decimals (so that
    # the stated total's own half-unit, hence the tolerance, is unchanged)
    off = (tol + unit(k)).quantize(unit(k), rounding=ROUND_CEILING)
    wrong = sum(shown_parts, D(0)) + sign * off
    assert sum_tolerance([*shown_parts, wrong]) == tol
    assert not sum_holds(shown_parts, wrong)
    findings = total_row_findings(shown_parts, wrong)
    assert len(findings) == 1
    f = findings[0]
    assert f.rule == "sum.total_row"
    assert f.found == wrong and f.expected == sum(shown_parts, D(0)) and f.tolerance == tol


# --------------------------------------------------------------------------- rates

amount_st = st.integers(0, 10**8).map(lambda n: D(n).scaleb(-2))  # 0.00 … 1,000,000.00
positive_st = st.integers(1, 10**8).map(lambda n: D(n).scaleb(-2))  # 0.01 … 1,000,000.00
rate_decimals_st = st.integers(0, 2)


@FAST
@given(num=amount_st, den=positive_st, k=rate_decimals_st, mode=modes_st)
def test_rounded_rate_fits(num, den, k, mode):
    rate = shown(num / den * 100, k, mode)
    assert rate_fit(rate, num, den) == RateFit.rounded


@FAST
@given(num=amount_st, den=positive_st, k=rate_decimals_st)
def test_truncated_rate_is_never_a_mismatch(num, den, k):
    exact = num / den * 100
    truncated = exact.quantize(unit(k), rounding=ROUND_DOWN)
    assume(truncated != shown(exact, k))
    assert rate_fit(truncated, num, den) in (RateFit.rounded, RateFit.truncated)


@FAST
@given(
    num=amount_st,
    den=positive_st,
    k=rate_decimals_st,
    units_off=st.integers(1, 1000),
    above=st.booleans(),
)
def test_rate_outside_the_ratio_interval_is_a_mismatch(num, den, k, units_off, above):
    """Above the interval: more than half a unit of the rate beyond its top.  Below: more
    than a whole unit below its bottom, since truncation may drop up to one unit."""
    interval = ratio_interval(num, den)
    assert interval is not None
    lo, hi = interval
    h = unit(k) / 2
    if above:
        rate = (hi + h).quantize(unit(k), rounding=ROUND_CEILING) + (units_off - 1) * unit(k)
        assume(rate > hi + h)
    else:
        rate = (lo - 2 * h).quantize(unit(k), rounding=ROUND_FLOOR) - (units_off - 1) * unit(k)
        assume(rate < lo - 2 * h)
    assert rate_fit(rate, num, den) == RateFit.mismatch


def test_rate_with_a_denominator_that_may_be_zero_is_undefined():
    assert rate_fit(D(50), D("1.00"), D("0.00")) is None
    assert rate_fit(D(50), D(1), D(0)) is None


def test_negative_rate_truncated_toward_zero_is_truncation():
    num, den = D("-34.56"), D("1000.00")  # -3.456%
    assert rate_fit(D("-3.46"), num, den) == RateFit.rounded
    assert rate_fit(D("-3.45"), num, den) == RateFit.truncated


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "half"),
    [
        (D("12.34"), D("0.005")),
        (D("96"), D("0.5")),
        (D("0.00"), D("0.005")),
        (D("-104.76"), D("0.005")),
        (D("95.6"), D("0.05")),
        # a Decimal normalized to an exponent (150 → 1.5E+2) shows tens only: half a ten.
        # Values read from the text never have a positive exponent; a normalized one would
        # widen its tolerance tenfold.
        (D("1.5E+2"), D(5)),
        (D("150").normalize(), D(5)),
    ],
)
def test_half_unit(value, half):
    assert half_unit(value) == half


def test_sum_tolerance_adds_half_units_figure_by_figure():
    assert sum_tolerance([D("1.23"), D("4.5"), D("6")]) == D("0.555")
    assert sum_tolerance([]) == 0


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        (D("229.25"), D("299.25"), True),  # one digit
        (D("45.88"), D("45.98"), True),  # one digit
        (D("12.34"), D("12.43"), True),  # adjacent digits swapped
        (D("12.34"), D("21.34"), True),  # adjacent digits swapped, ahead of the point
        (D("100"), D("200.5"), False),  # 100.0 / 200.5: two digits, not a swap
        (D("12.34"), D("12.34"), False),  # equal
        (D("12.34"), D("43.21"), False),  # reversed, not one swap
        (D("12.34"), D("12.3"), True),  # 12.34 / 12.30: compared at the finer decimals
        (D("99.9"), D("100.0"), False),  # different lengths
        (D("-45.88"), D("45.88"), False),  # different signs
    ],
)
def test_one_digit_apart(a, b, apart):
    assert one_digit_apart(a, b) is apart
    assert one_digit_apart(b, a) is apart
