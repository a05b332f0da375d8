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
SCALE = {"万", "亿", "千", "百"}  # a multiplier with no unit after it: 37万人, 157亿
_UNITS = sorted([*MONEY, *PERCENT, *SCORE, *COUNT, *YEAR, *SCALE], key=len, reverse=True)

NUMBER = re.compile(
    r"(?<![\d.,])([-−]?\d+(?:,\d{3})*(?:\.\d+)?)(?!\d)\s*("
    + "|".join(map(re.escape, _UNITS))
    + ")?"
)
# list and heading numbering: 1、 and （2） at a line start or after a clause mark (the lists
# of a target cell: 1、2000家；2、5家), 3. only at a line start and before text
LIST_MARK = re.compile(
    r"(?m)(?:^\s*(?:#+\s*)?|[；;。，,：:]\s*)(?:[（(]\d{1,2}[）)]|\d{1,2}、)"
    r"|^\s*(?:#+\s*)?\d{1,2}[.．](?=\s*[^\d\s])"
)
# a quantity in Chinese numerals (九十六万元, 百分之九十): not verifiable, so reported
CN_NUMBER = re.compile(
    r"百分之[零〇一二两三四五六七八九十百点]+"
    r"|(?<![\d.第是下上同])[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿点]*"
    r"(?=\s*(?:万元|亿元|元|%|个百分点|分|个|项|家|人))"
)


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
        value = Decimal(token.replace(",", "").replace("−", "-"))
        yield Number(token, value, decimals, m.group(2), m.start(), m.end())


def chinese_numbers(text: str) -> Iterator[tuple[str, int, int]]:
    """Quantities written in Chinese numerals (``九十六万元``), which no figure can match:
    ordinals (一是, 第一) and numbering (一、) are not quantities and are not returned."""
    for m in CN_NUMBER.finditer(text):
        yield m.group(), m.start(), m.end()
