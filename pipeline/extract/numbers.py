"""Reading numbers, units and comparators as these reports write them.

Targets and actuals mix a comparator, a number and a unit in free order (``≥12件``,
``不低于37家``, ``满意度 95% 以上``, ``大于等于2家``); a cell with more than one number
(``1、2000家；2、5家``) or none (``及时``) is qualitative.  Years and date ranges are not
quantities.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pipeline.schema import bounded_number

NUMBER = re.compile(r"(?<![\d.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\d.])")
_COUNTED = (
    "人次 人 户 家 个 件 次 项 篇 场 批 台 套 辆 本 册 支 处 栋 间 座 所 份 名 期 条 株 只 头 棵 "
    "亩 吨 公斤 千克 公里 千米 米 平方公里 平方米 平米 立方米 小时 天 日 周 月 年 分"
).split()
UNIT_WORDS: tuple[str, ...] = tuple(
    sorted(
        {"万元", "亿元", "千元", "元", "万", "亿", "%", "‰", "个百分点", *_COUNTED}
        | {f"万{w}" for w in _COUNTED if w not in ("分", "天", "日", "周", "月", "年", "小时")},
        key=len,
        reverse=True,
    )
)
"""The units a figure of these reports is written in, longest first so that 万亩 is read
before 万 and 平方米 before 米: money, shares, counts (with their 万 forms: 1.2万亩,
3万人次), measures and durations."""
_UNIT = re.compile(r"^\s*(" + "|".join(map(re.escape, UNIT_WORDS)) + ")")
_GE = (
    "≥",
    ">=",
    "不低于",
    "不少于",
    "大于等于",
    "大于或等于",
    "以上",
    "达到",
    "达",
    "至少",
    "不小于",
)
_LE = (
    "≤",
    "<=",
    "不高于",
    "不超过",
    "小于等于",
    "小于或等于",
    "以内",
    "以下",
    "之内",
    "控制在",
    "不大于",
)
_GT = ("＞", ">", "大于", "高于", "超过")
_LT = ("＜", "<", "小于", "低于")
_DATE = re.compile(r"\d{4}\s*[.\-/年]\s*\d{1,2}|\d{4}\s*年|\d{1,2}\s*月")


def to_decimal(token: str) -> Decimal | None:
    """The number a token writes, or None (not a number, or more digits than any report
    states: see ``pipeline.schema.MAX_DIGITS``)."""
    try:
        value = Decimal(token.replace(",", ""))
    except InvalidOperation:
        return None
    return None if bounded_number(value) is not None else value


def parse_quantity(text: str) -> dict[str, Any]:
    """Fields of a Quantity (value, unit, comparator, text) read from a target/actual cell."""
    t = text.strip()
    if _DATE.search(t):
        return {"text": t}
    numbers = list(NUMBER.finditer(t))
    if len(numbers) != 1:
        return {"text": t}
    m = numbers[0]
    value = to_decimal(m.group())
    um = _UNIT.match(t[m.end() :])
    unit = um.group(1) if um else None
    comparator = None
    for words, sym in ((_GE, ">="), (_LE, "<="), (_GT, ">"), (_LT, "<")):
        if any(w in t for w in words):
            comparator = sym
            break
    if comparator is None and um is not None and t[m.end() + um.end() :].startswith("内"):
        comparator = "<="  # 培训结束后30天内: within 30 days
    return {"value": value, "unit": unit, "comparator": comparator}


_STATED_UNIT = re.compile(r"(?:单位[:：]\s*|[（(])(万元|千元|亿元|元)[）)]?")
_LABEL_UNIT = re.compile(r"[（(](万元|千元|亿元|元)[）)]\s*$")


def money_unit(context: str, default: str = "万元") -> str:
    """The money unit a table states (``单位：元``, ``（万元）``), the last one in ``context``
    (its title and the lines before it), else ``default``."""
    found = _STATED_UNIT.findall(context)
    return found[-1] if found else default


def row_unit(label: str, table_unit: str) -> str:
    """A row's own unit where its label states one (``合计（万元）`` in a table in 元,
    ``3、公务接待经费（元）`` among 万元 rows), else the table's."""
    m = _LABEL_UNIT.search(label)
    return m.group(1) if m else table_unit
