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


def _equal(value: Decimal, decimals: int, unit: str | None, fig: Figure) -> bool:
    factor = _compatible(unit, fig)
    if factor is None:
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


def _sentence_at(text: str, pos: int) -> str:
    for m in _SENTENCE.finditer(text):
        if m.start() <= pos < max(m.end(), m.start() + 1):
            return m.group().strip()
    return ""


def verify(text: str, figures: list[Figure]) -> Verification:
    """Check every number of ``text`` against ``figures``; quantities in Chinese numerals are
    listed as unverified (no figure is written that way)."""
    out = Verification()
    for token, start, end in chinese_numbers(text):
        out.numbers.append(
            CheckedNumber(token, None, None, start, end, _sentence_at(text, start), None)
        )
    for n in numbers(text):
        match = next((f for f in figures if _equal(n.value, n.decimals, n.unit, f)), None)
        out.numbers.append(
            CheckedNumber(
                text=text[n.start : n.end].strip(),
                value=n.value,
                unit=n.unit,
                start=n.start,
                end=n.end,
                sentence=_sentence_at(text, n.start),
                figure=match,
            )
        )
    return out
