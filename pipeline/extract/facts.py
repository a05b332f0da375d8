"""Prose facts: the money amounts and percentages stated in the narrative of a report.

A report restates its funds in sentences (``本年收入总计999.38万元，本年预算收入安排629.82万元``)
and its results as rates (``预算完成率94.33%``).  These figures are what a reader checks against
the tables, so every one of them is kept, with the few words that name it.

What counts as a fact, and why:

* a number followed by a money unit (``万元``, ``亿元``, ``元``, ``千元``, ``万亿元``) or by ``%``;
  a space or tab between number and unit is allowed (``1.92 亿元``, ``0\\t%``): exports put
  them there, the figure is the same.
* ``万`` or ``亿`` alone is money only where nothing follows it but punctuation (``补助43万，``);
  followed by a measure word (``10万份``, ``155万平方米``, ``300万支/日``, ``万人``/``万户``) it is
  a count, not an amount.
* ``个百分点`` is a difference of rates, not a percentage; it is skipped.
* a number with no unit is a stray figure (``提振1352.45了企业发展信心``, ``实有在职人数为87``)
  and is skipped, with one exception: in an enumeration of amounts a writer sometimes drops the
  unit of one item (``…等支出1619.87、粮油物资储备支出1317.66万元、…``).  A decimal number
  written straight after its label, followed by a list separator, whose neighbouring figures
  in the same sentence are both amounts in the same unit, takes that unit.
* nothing inside a table (``Layout.tables``): table figures belong to the funds and scorecard
  readers, and restating them here would count them twice.

``raw`` is the number token alone, as written (full-width digits kept); the unit goes in
``unit`` as written.  Every value is built through :func:`pipeline.extract.grounding.number_at`,
so ``raw == original[span]`` by construction.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pipeline.document import Document
from pipeline.extract.grounding import number_at
from pipeline.extract.numbers import to_decimal
from pipeline.layout.model import Layout
from pipeline.schema import Fact

MONEY_UNITS = ("万亿元", "亿元", "万元", "千元", "元")
"""Units that make a number an amount of money, longest first."""

_TOKEN = re.compile(
    r"(?<![\dA-Za-z])(?<!\d\.)"  # not the tail of a longer number or of a code like A3
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?!\d|\.\d)"
    r"(?P<gap>[ \t]*)"
    r"(?P<unit>万亿元|亿元|万元|千元|元|个百分点|%|万|亿)?"
)
"""A number token and what follows it.  ``.`` after a number is allowed when no digit follows
(a sentence-final ASCII period), so ``完成率100.`` still reads 100."""

_MINUS = "-−"
"""A minus sign counts only where it cannot be a range dash (``100%-80%``, ``3-5万元``)."""

_RANGE_BEFORE = re.compile(r"[\d%元万亿]")

_BARE_MULTIPLIER_END = re.compile(r"[\s，。；：、,.;:！？!?）)】\]”\"’'/]|$")
"""What may follow a bare 万/亿 for it to be money (``43万，``); anything else is a count word."""

_RANGE_GAP = re.compile(r"[ \t]*[-－–—~～至到][ \t]*")
"""Between the two ends of a range."""

_LIST_SEPARATOR = "、，,；;"
"""What follows an item of an enumeration of amounts."""

_SENTENCE_END = "。！？!?\n"
_SENTENCE_END_RE = re.compile(f"[{re.escape(_SENTENCE_END)}]")

_BOUNDARY = set("，。；：、,;:！？!?\n\t|*#【】[]《》<>—")
"""Characters that close the clause naming a figure: punctuation, line and cell breaks,
markdown marks."""

_RANGE_END = re.compile(r"[\d%元万亿][ \t]*[-－–—~～至到][ \t]*$")
"""A figure and a range dash straight before a number: in ``100%-80%`` the second figure has
no words of its own.  Elsewhere a dash is part of the words (``2019-2021年累计投入``) and
至/到 are verbs (``满意度达到95%``)."""

_OPEN = "（("
_CLOSE = "）)"

_LEADING = re.compile(
    r"^(?:其中|以及|及其|及(?![时格])|主要用于|主要是|包括|分别|但|是|另|比(?=\s*\d))\s*"
)
"""Connectives that open a clause but do not name the figure (``其中人员经费2077.10万元``,
``比2019年项目支出4223.95万元``); ``及时率``, ``比重`` are names and stay."""

_TRAILING = re.compile(r"\s*(?:分别为|约为|达到|为|是|(?<=[率度额值重数量])[达约])$")
"""Copulas between the name and the number (``控制率为95.60%``, ``满意度达到95%``,
``额度达1.92亿元``); the name is what precedes them.  A lone ``达``/``约`` goes only after a
measure noun (率, 额, 比重 …): elsewhere it ends a word (``下达``, ``节约``).  ``占`` stays:
``其他收入占15.5%`` is a share, not the amount."""

_SHARE_OF_PREVIOUS = ("", "占", "占比")
"""Labels that only make sense with the previous figure's name in front of them."""

MAX_LABEL = 24
"""Longest label kept, in characters: a label names the figure, it is not the sentence."""


@dataclass
class _Token:
    start: int  # normalized offsets of the number (with its sign)
    end: int
    value: Decimal
    unit: str | None  # unit as written, None for a bare number
    unit_end: int  # end of the unit (== end when there is none)
    figure: bool  # a money amount or a percentage


def extract_facts(doc: Document, layout: Layout) -> list[Fact]:
    """Every amount and percentage of the narrative, in text order, with its label."""
    text = doc.normalized
    in_table = _table_cover(layout)
    tokens = [t for t in _tokens(text) if not in_table(t.start)]
    _infer_dropped_units(text, tokens)
    _infer_range_units(text, tokens)

    facts: list[Fact] = []
    prev_end = 0  # end of the previous figure: a clause never reaches back past it
    prev_label = ""
    prev_sentence = -1
    sentence_start = _sentence_starts(text)
    for tok in tokens:
        if not tok.figure:
            continue
        sentence = sentence_start(tok.start)
        label = _label(text, tok.start, max(prev_end, sentence))
        if sentence == prev_sentence and label in _SHARE_OF_PREVIOUS:
            # 100%-80%: the second end of a range shares the first's name;
            # 收入629.82万元，占63.00%: the share is of the figure just named
            label = prev_label + label
        quantity = number_at(doc, tok.start, tok.end, tok.value, tok.unit)
        facts.append(Fact(label=label, quantity=quantity))
        prev_end, prev_label, prev_sentence = tok.unit_end, label, sentence
    return facts


def _table_cover(layout: Layout) -> Callable[[int], bool]:
    """Whether a normalized offset lies in a table's [start, end) (ranges merged first, so
    overlapping or nested tables are handled)."""
    merged: list[list[int]] = []
    for start, end in sorted((t.start, t.end) for t in layout.tables):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    starts = [s for s, _ in merged]

    def covered(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and pos < merged[i][1]

    return covered


def _tokens(text: str) -> list[_Token]:
    """Every number token with its unit, marked as a figure or not."""
    out: list[_Token] = []
    for m in _TOKEN.finditer(text):
        value = to_decimal(m.group("num"))
        if value is None:
            continue
        start, end = m.start("num"), m.end("num")
        unit = m.group("unit")
        unit_end = m.end("unit") if unit else end
        if start > 0 and text[start - 1] in _MINUS:
            before = text[start - 2] if start >= 2 else ""
            if not _RANGE_BEFORE.match(before):
                start -= 1
                value = -value
        figure = False
        if unit in MONEY_UNITS or unit == "%":
            figure = True
        elif unit in ("万", "亿"):
            if _BARE_MULTIPLIER_END.match(text, unit_end):
                figure = True
            else:
                unit = None  # 10万份, 155万平方米: a count; the number is not an amount
        elif unit == "个百分点":
            unit = None  # a difference of rates, not a rate
        if not figure and unit is None:
            unit_end = end
        out.append(_Token(start, end, value, unit, unit_end, figure))
    return out


def _infer_dropped_units(text: str, tokens: list[_Token]) -> None:
    """Give an enumerated amount whose unit the writer dropped the unit of its neighbours.

    ``…城乡社区支出5.00万元、资源勘探工业信息等支出1619.87、粮油物资储备支出1317.66万元…``:
    the middle item is an amount in 万元 like the items around it.  Required, so that stray
    numbers, list markers (``2、``) and counts stay out: decimals shown, the label written
    straight before the number, a list separator straight after it, and the nearest number
    on each side, within the same sentence, an amount in the same money unit.
    """
    for i, tok in enumerate(tokens):
        if tok.figure or tok.unit is not None or "." not in text[tok.start : tok.end]:
            continue
        if tok.start == 0 or not _is_ideograph(text[tok.start - 1]):
            continue
        if tok.end >= len(text) or text[tok.end] not in _LIST_SEPARATOR:
            continue
        if i == 0 or i + 1 >= len(tokens):
            continue
        prev, nxt = tokens[i - 1], tokens[i + 1]
        same_unit = prev.unit == nxt.unit and nxt.unit in MONEY_UNITS
        if not (prev.figure and nxt.figure and same_unit):
            continue
        if _has_sentence_end(text, prev.unit_end, tok.start) or _has_sentence_end(
            text, tok.end, nxt.start
        ):
            continue
        tok.unit, tok.figure = prev.unit, True


def _infer_range_units(text: str, tokens: list[_Token]) -> None:
    """The low end of a range written with one unit (``80-90%``, ``3～5万元``) has the unit of
    the high end: both ends are figures of the same kind.  Only a dash, tilde or 至/到
    between them, so year spans (``2019-2021年``) and list markers stay out."""
    for i in range(len(tokens) - 2, -1, -1):
        tok, nxt = tokens[i], tokens[i + 1]
        if tok.figure or tok.unit is not None or not nxt.figure:
            continue
        if _RANGE_GAP.fullmatch(text, tok.end, nxt.start):
            tok.unit, tok.figure = nxt.unit, True


def _label(text: str, start: int, floor: int) -> str:
    """The words naming the figure at ``start``: back to the clause boundary, no further than
    ``floor`` (the previous figure or the sentence start), without connectives and copulas.

    Parentheses closed inside the label are part of it (``维修（护）费``); an opening one
    with no close before the number ends the clause (``（住房公积金91.44万元）``)."""
    pos = start
    if _RANGE_END.search(text, max(0, start - 12), start):
        return ""
    depth = 0
    while pos > floor:
        ch = text[pos - 1]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            if depth == 0:
                break
            depth -= 1
        elif ch in _BOUNDARY:
            break
        pos -= 1
    label = text[pos:start].strip()
    changed = True
    while changed and label:
        changed = False
        m = _LEADING.match(label)
        if m and m.end() < len(label):
            label, changed = label[m.end() :], True
        m = _TRAILING.search(label)
        if m and m.start() > 0:
            label, changed = label[: m.start()], True
    if len(label) > MAX_LABEL:
        label = label[-MAX_LABEL:].lstrip()
    return label


def _sentence_starts(text: str) -> Callable[[int], int]:
    """``start(pos)``: the offset just after the sentence end before ``pos`` (0 at the start
    of the text), by bisection in the sentence ends found once."""
    ends = [m.start() for m in _SENTENCE_END_RE.finditer(text)]

    def start(pos: int) -> int:
        i = bisect_left(ends, pos)
        return ends[i - 1] + 1 if i else 0

    return start


def _has_sentence_end(text: str, start: int, end: int) -> bool:
    return any(ch in _SENTENCE_END for ch in text[start:end])


def _is_ideograph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
