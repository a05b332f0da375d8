"""What a piece (or a few pieces run together) can be: a number, a rate, a target with its
comparator, a level label, a placeholder, text — and the repairs OCR text needs.

Repairs are never guesses.  Each one is offered only where its pattern is unmistakable (``1O``
in a number is 10; ``290$`` in a target cell is ≥90%) or where the form's arithmetic leaves
exactly one reading (a glued run of digits), and each returns a note saying what was read, so
the value can be marked ``repaired`` with its raw characters kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pipeline.extract.numbers import UNIT_WORDS, parse_quantity

NUMBER = re.compile(r"^-?\d+(?:,\d{3})*(?:\.\d+)?$")
_SCORE_NUMBER = re.compile(r"^(-?\d+(?:,\d{3})*(?:\.\d+)?)分?$")
_PERCENT = re.compile(r"^(-?\d+(?:\.\d+)?)[%％]$")
PLACEHOLDER = re.compile(r"^(?:[-—–/／\\－_]+|无|——|/)$")
"""What a form writes in a cell it leaves empty on purpose."""
WEIGHT_SUFFIX = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[）)]$")
"""A weight written inside a label: ``决策(25分)``, ``产出指标（50 分）``."""

_LEVEL1 = re.compile(
    r"^(?:项目|部门|整体)?(?:产出|效益|满意度|成本|决策|过程|投入|管理|履职|效果|影响力|能力建设"
    r"|部门管理|履职效果|履职效能|社会效应|运行)(?:指标|情况|目标)?$"
)
_LEVEL2 = re.compile(
    r"^(?:产出)?(?:数量|质量|时效|成本|经济效益|社会效益|生态效益|环境效益|可持续影响|可持续发展"
    r"|服务对象满意度|满意度|社会公众满意度|经济成本|社会成本|生态环境成本|生态成本"
    r"|财务管理|采购管理|人员管理|资产管理|档案管理|预算管理|项目管理|业务管理|部门履职"
    r"|部门效果|重点工作|职责履行|履职效益)(?:指标|情况|目标)?$"
)
_QUALITATIVE = re.compile(
    r"及时|按时|按期|准时|有效|明显|显著|提升|提高|改善|良好|优秀|合格|达标|完成|满意|到位|落实"
    r"|实现|保障|符合|规范|正常|安全|稳定|较好|增强|促进|推进|降低|减少|增加|达到|未发生|零"
    r"|^[优良中差是否有无好高低]$"
)
_COMPARATOR_ONLY = re.compile(
    r"^(?:≥|≤|>=|<=|＞|＜|>|<|=|不低于|不少于|不高于|不超过|大于等于|小于等于|大于|小于|高于|低于"
    r"|达到|达|以上|以下|以内|之内|至少|控制在)$"
)
_UNIT_ONLY = re.compile("^(?:" + "|".join(map(re.escape, UNIT_WORDS)) + ")$")


@dataclass(frozen=True, slots=True)
class Number:
    """A number read from a piece: its value and where its digits stand inside the text."""

    value: Decimal
    offset: int  # first character of the number inside the piece text
    length: int
    percent: bool = False
    repaired: str | None = None


def to_decimal(s: str) -> Decimal | None:
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


def number(text: str) -> Number | None:
    """A piece that is one number: ``1613.46``, ``10分`` (the 分 is not part of the number)."""
    m = _SCORE_NUMBER.match(text)
    if not m:
        return None
    value = to_decimal(m.group(1))
    return None if value is None else Number(value, 0, len(m.group(1)))


def percent(text: str) -> Number | None:
    m = _PERCENT.match(text)
    if not m:
        return None
    value = to_decimal(m.group(1))
    return None if value is None else Number(value, 0, len(m.group(1)), percent=True)


# ------------------------------------------------------------------ OCR repairs

_OCR_DIGITS = str.maketrans({"I": "1", "l": "1", "O": "0", "o": "0"})
_OCR_NUMBER = re.compile(r"^[0-9IlOo]+(?:\.[0-9IlOo]+)?[%％$]?$")


def ocr_number(text: str) -> Number | None:
    """A number whose 1s and 0s OCR read as ``I``/``l`` and ``O``/``o`` (``1O``, ``I00%``), or
    whose ``%`` came out as ``$``.  At least one real digit must be there, so a word is never
    read as a number."""
    if not _OCR_NUMBER.match(text) or not re.search(r"\d", text):
        return None
    fixed = text.translate(_OCR_DIGITS).replace("$", "%").replace("％", "%")
    if fixed == text.replace("％", "%"):
        return None
    pct = fixed.endswith("%")
    body = fixed.rstrip("%")
    if len(body) > 1 and body[0] == "0" and body[1] != ".":
        return None
    value = to_decimal(body)
    if value is None:
        return None
    return Number(value, 0, len(body), percent=pct, repaired=f"OCR {text!r} read as {fixed!r}")


_OCR_WITH_UNIT = re.compile(r"^([\dIlOo][\dIlOo.]*)(\D+)$")


def rate_agrees(part: Decimal, whole: Decimal, rate: Decimal) -> bool:
    """Is ``rate`` (a percentage, as written) ``part`` ÷ ``whole`` rounded to the decimals it
    shows?  (35 of 38 is 92.11%.)"""
    if whole == 0:
        return False
    exp = rate.as_tuple().exponent
    decimals = -exp if isinstance(exp, int) and exp < 0 else 0
    return abs(part / whole * 100 - rate) <= Decimal(5) / Decimal(10) ** (decimals + 1)


def figure(text: str) -> bool:
    """A cell holding one number or one percentage (``10``, ``96.5%``)."""
    return number(text) is not None or percent(text) is not None


def ocr_quantity(text: str) -> tuple[Number, str] | None:
    """A count with its unit whose digits OCR misread (``I62件`` is 162 件, ``2O人`` 20 人):
    the number part read as :func:`ocr_number` reads it, the rest a unit word."""
    m = _OCR_WITH_UNIT.match(text)
    if m is None or not unit_only(m.group(2)) or m.group(2) == "%":
        return None
    n = ocr_number(m.group(1))
    return None if n is None else (n, m.group(2))


_MISREAD_GE = re.compile(r"^([2^])\s*(\d+(?:\.\d+)?)\s*([%$％])$")


def misread_target(text: str) -> tuple[str, Number] | None:
    """A target cell whose ``≥`` OCR read as ``2`` or ``^`` and ``%`` as ``$``: ``290$`` is ≥90%.

    Offered only in a target column, and for ``2`` only when the literal reading (290%) is
    not a rate at all while the repaired one is, so a real 250% target is never touched."""
    m = _MISREAD_GE.match(text)
    if not m:
        return None
    value = to_decimal(m.group(2))
    if value is None or value > 100:
        return None
    if m.group(1) == "2" and m.group(3) in "%％" and Decimal(m.group(1) + m.group(2)) <= 100:
        return None
    fixed = f"≥{m.group(2)}%"
    return ">=", Number(
        value, m.start(2), len(m.group(2)), percent=True, repaired=f"OCR {text!r} read as {fixed!r}"
    )


def splits(digits: str, parts: int) -> list[list[tuple[int, int]]]:
    """Every way to cut a run of glued digits into ``parts`` numbers, as (start, end) offsets.

    A part may not have a leading zero (``05``) unless it is ``0`` or ``0.x``, and a decimal
    point stays inside one part with at least one digit after it; this is what keeps the
    number of readings small enough for the arithmetic to choose among them.
    """
    out: list[list[tuple[int, int]]] = []

    def valid(s: str) -> bool:
        if not s or s.startswith(".") or s.endswith(".") or s.count(".") > 1:
            return False
        head = s.split(".")[0]
        return not (len(head) > 1 and head[0] == "0")

    def rec(pos: int, left: int, acc: list[tuple[int, int]]) -> None:
        if left == 1:
            if valid(digits[pos:]):
                out.append([*acc, (pos, len(digits))])
            return
        for cut in range(pos + 1, len(digits)):
            if digits[cut] == "." or digits[cut - 1] == ".":
                continue
            if valid(digits[pos:cut]):
                rec(cut, left - 1, [*acc, (pos, cut)])

    if len(digits) <= 24 and parts >= 1:
        rec(0, parts, [])
    return out


# ------------------------------------------------------------------ classification


def level1(text: str) -> bool:
    """A level-1 indicator label (产出指标, 效益, 决策 …), with or without its weight."""
    return bool(_LEVEL1.match(WEIGHT_SUFFIX.sub("", text)))


def level2(text: str) -> bool:
    return bool(_LEVEL2.match(WEIGHT_SUFFIX.sub("", text)))


def weighted_label(text: str) -> bool:
    """A label carrying its weight: ``目标设定(15分)``; not a bare ``(15分)``."""
    m = WEIGHT_SUFFIX.search(text)
    return bool(m and m.start() > 0 and not NUMBER.match(text[: m.start()]))


def placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.match(text))


def qualitative(text: str) -> bool:
    return len(text) <= 12 and bool(_QUALITATIVE.search(text))


def comparator_only(text: str) -> bool:
    return bool(_COMPARATOR_ONLY.match(text))


def unit_only(text: str) -> bool:
    return bool(_UNIT_ONLY.match(text))


def quantity_like(text: str) -> bool:
    """A target/actual stating one number (``≥50个``, ``95%以上``, ``不低于90%``)."""
    parsed = parse_quantity(text)
    return parsed.get("value") is not None


_PERIOD = re.compile(
    r"\d{4}\s*[.\-/年]\s*\d{1,2}|\d{1,2}\s*月|年底|年末|月底|季度|年度内|当年度?|全年|之前|以前"
    r"|\d+\s*(?:个)?(?:工作日|日|天|月)内"
)


def period(text: str) -> bool:
    """A date or a time limit (``2019.1.1-2019.12.31``, ``年底前``, ``30个工作日内``): the
    value of a 时效 indicator."""
    return len(text) <= 30 and bool(_PERIOD.search(text))


def has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)
