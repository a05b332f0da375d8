"""The faithfulness verifier: every number in a draft must be a figure of the data.

Each number the draft states (an amount, a percentage, a count, a score, a year) is parsed
with its unit and must equal one of the ``Figure``s of ``pipeline.draft.figures`` — stated in
the Report or derived by a declared computation — at the precision the draft shows it
(``961.4`` stands for 961.44 rounded half up; ``96.00%`` for 96%).  Units must agree:
an amount in 元 is compared after conversion to 万元, a percentage only with percentages,
a score only with scores, a count only with counts or quantities counted in the same unit,
and a number written bare (or with a bare 万 / 亿) only with a figure written the same way.
A quantity written in Chinese numerals (九十六万元) cannot be checked and is unverified.

Numbers that are not statements are not checked: list and heading numbering (``1、``,
``（2）``, ``3.`` at the start of a line), and the numbers inside a Markdown heading marker.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pipeline.check.tolerance import rounded
from pipeline.draft.figures import Figure
from pipeline.draft.numbers import (
    COUNT,
    MONEY,
    PERCENT,
    SCALE,
    SCORE,
    YEAR,
    chinese_numbers,
    numbers,
)

COARSEST = Decimal("0.01")
"""Largest relative difference a rounding may make (961.4 for 961.44; not 1亿元 for 9712.53万元)."""

_SENTENCE = re.compile(r"[^。；！？\n]*[。；！？\n]?")


@dataclass(frozen=True)
class CheckedNumber:
    text: str
    value: Decimal | None  # None: written in Chinese numerals
    unit: str | None
    start: int
    end: int
    sentence: str
    figure: Figure | None

    @property
    def verified(self) -> bool:
        return self.figure is not None


@dataclass
class Verification:
    numbers: list[CheckedNumber] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.numbers)

    @property
    def verified(self) -> int:
        return sum(n.verified for n in self.numbers)

    @property
    def share(self) -> float:
        """Numbers verified ÷ numbers in the draft (1.0 for a draft without numbers)."""
        return self.verified / self.total if self.total else 1.0

    @property
    def unverified(self) -> list[CheckedNumber]:
        return [n for n in self.numbers if not n.verified]

    @property
    def ok(self) -> bool:
        return not self.unverified


def _compatible(unit: str | None, fig: Figure) -> Decimal | None:
    """The factor that brings a draft number in ``unit`` to the figure's unit, or None when
    the two cannot be the same quantity."""
    fu = fig.unit
    if unit is None or unit in SCALE:  # a bare number, or 37万: only the same as written
        return Decimal(1) if fu == unit else None
    if unit in MONEY:
        return MONEY[unit] / MONEY[fu] if fu in MONEY else None
    if unit in PERCENT:
        return Decimal(1) if fu in PERCENT else None
    if unit in SCORE:
        return Decimal(1) if fu in SCORE else None
    if unit in YEAR:
        return Decimal(1) if fu in YEAR else None
    if unit in COUNT:
        return Decimal(1) if fu == unit or (fu in COUNT and fig.how.startswith("count")) else None
    return None


def _shift(factor: Decimal) -> int:
    """Decimal places a unit conversion moves (万元 → 亿元: 4)."""
    return -factor.adjusted() if factor != 0 else 0


MAX_DECIMALS = 10
"""Most decimals a draft number may show: no report figure shows more than a few, so a number
written with more claims a precision no source has (96.0000000000000000000000000000%)."""


def _equal(value: Decimal, decimals: int, unit: str | None, fig: Figure) -> bool:
    factor = _compatible(unit, fig)
    if factor is None or decimals > MAX_DECIMALS:
        return False
    target = fig.value / factor  # the figure in the draft's unit
    try:
        if rounded(target, decimals) != value:
            return False
    except InvalidOperation:  # more decimals than any figure has: not one of them
        return False
    if decimals >= fig.decimals - _shift(factor):
        return True
    # rounding coarser than the source may not blur the figure: 0亿元 is not 4000万元
    return abs(value - target) <= abs(target) * COARSEST


def _sentences_at(text: str) -> Callable[[int], str]:
    """``sentence(pos)``: the sentence of ``text`` holding ``pos``, stripped.  The sentences
    tile the text (an empty one closes it), so it is the last one starting at or before
    ``pos``, found by bisection in the sentences split once."""
    found = [(m.start(), m.end(), m.group()) for m in _SENTENCE.finditer(text)]
    starts = [s for s, _, _ in found]

    def sentence(pos: int) -> str:
        i = bisect_right(starts, pos) - 1
        if i >= 0:
            start, end, group = found[i]
            if start <= pos < max(end, start + 1):
                return group.strip()
        return ""

    return sentence


class _FigureIndex:
    """The figures by what ``_compatible`` reads of them (unit, whether a count), each group
    sorted by value with one entry per value and decimals (the first in the list's order):
    a number can equal only the figures whose value, brought to its unit, rounds to it, so
    they lie in a window half a unit of its last decimal wide either side, found by
    bisection.  ``first_equal`` gives what the first ``_equal`` figure of the list would."""

    def __init__(self, figures: list[Figure]) -> None:
        groups: dict[tuple[str | None, bool], dict[tuple[str, int], tuple[int, Figure]]] = {}
        for k, f in enumerate(figures):
            group = groups.setdefault((f.unit, f.how.startswith("count")), {})
            group.setdefault((str(f.value), f.decimals), (k, f))
        self.groups = []
        for entries in groups.values():
            ordered = sorted(entries.values(), key=lambda e: e[1].value)
            self.groups.append(([f.value for _, f in ordered], ordered))

    def first_equal(self, value: Decimal, decimals: int, unit: str | None) -> Figure | None:
        best: tuple[int, Figure] | None = None
        try:
            half = Decimal(5).scaleb(-decimals - 1)
        except InvalidOperation:
            half = None
        for values, ordered in self.groups:
            factor = _compatible(unit, ordered[0][1])
            if factor is None:
                continue
            lo, hi = 0, len(values)
            if half is not None and factor > 0:
                low, high = (value - half) * factor, (value + half) * factor
                slack = (abs(low) + abs(high)) * Decimal("1e-20") + Decimal("1e-20")
                lo = bisect_left(values, low - slack)
                hi = bisect_right(values, high + slack)
            for k, f in ordered[lo:hi]:
                if (best is None or k < best[0]) and _equal(value, decimals, unit, f):
                    best = (k, f)
        return best[1] if best is not None else None


def verify(text: str, figures: list[Figure]) -> Verification:
    """Check every number of ``text`` against ``figures``; quantities in Chinese numerals are
    listed as unverified (no figure is written that way)."""
    out = Verification()
    sentence_at = _sentences_at(text)
    for token, start, end in chinese_numbers(text):
        out.numbers.append(CheckedNumber(token, None, None, start, end, sentence_at(start), None))
    first_equal = _FigureIndex(figures).first_equal
    for n in numbers(text):
        match = first_equal(n.value, n.decimals, n.unit)
        out.numbers.append(
            CheckedNumber(
                text=text[n.start : n.end].strip(),
                value=n.value,
                unit=n.unit,
                start=n.start,
                end=n.end,
                sentence=sentence_at(n.start),
                figure=match,
            )
        )
    return out
