"""Numbers as drafts write them: the digits, the decimals shown and the unit after them.

Shared by the verifier (which checks each number of a draft) and by the figures (which take
the numbers written inside stated texts — a target cell 1、2000家；2、5家, a deviation note, a
checker message — as stated figures a draft may repeat).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

MONEY = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}
PERCENT = {"%", "％", "个百分点"}
SCORE = {"分"}
COUNT = {"个", "项", "条", "家", "人", "张", "处", "次", "件", "户", "篇", "场", "台", "套", "名"}
YEAR = {"年", "年度"}
_UNITS = sorted([*MONEY, *PERCENT, *SCORE, *COUNT, *YEAR], key=len, reverse=True)

NUMBER = re.compile(
    r"(?<![\d.,])(\d+(?:,\d{3})*(?:\.\d+)?)(?!\d)\s*(" + "|".join(map(re.escape, _UNITS)) + ")?"
)
LIST_MARK = re.compile(r"(?m)(?:^\s*(?:#+\s*)?|[；;。，,：:]\s*)(?:[（(]\d+[）)]|\d+[、.．](?!\d))")


@dataclass(frozen=True)
class Number:
    token: str
    value: Decimal
    decimals: int
    unit: str | None
    start: int
    end: int


def numbers(text: str) -> Iterator[Number]:
    """Every number of ``text`` that states something: list and heading numbering
    (``1、``, ``（2）``, ``3.`` at a line start or after a clause) are left out."""
    skip = [(m.start(), m.end()) for m in LIST_MARK.finditer(text)]
    for m in NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        token = m.group(1)
        decimals = len(token.split(".", 1)[1]) if "." in token else 0
        yield Number(
            token, Decimal(token.replace(",", "")), decimals, m.group(2), m.start(), m.end()
        )
