"""The form reader: the national forms read from the document's sequence of pieces,
whatever its layout.

It walks the units of the whole normalized text once, anchored on what the forms fix: their
titles (…项目支出绩效自评表, …得分表), their field labels (项目名称, 主管部门, 实施单位,
年度总体目标, 总分, 评价等次, 编制数 …) and their column headers; the rows under a header are
read by :mod:`rows` (indicators) or :mod:`funds` (budget figures).  A scorecard opens at a title
or a new 项目名称 and closes at its 总分 row, the way a person reads the paper form.

What it returns is a reading of its own; :func:`pipeline.extract.forms.merge.merge` sets it
beside the layout's grids, which stay where they read a form whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.document import Document
from pipeline.extract.forms import values as V
from pipeline.extract.forms.funds import is_label, read_funds
from pipeline.extract.forms.ground import (
    digits_at,
    group_text,
    label_and_weight,
    number_of,
    value_cell,
)
from pipeline.extract.forms.headers import Header, Role, header_at
from pipeline.extract.forms.rows import Row, read_rows
from pipeline.extract.forms.tokens import Gap, Unit, line_start, tokenize, units_of
from pipeline.extract.grounding import number_at, text_at
from pipeline.extract.numbers import money_unit, to_decimal
from pipeline.schema import (
    FundsLine,
    Goal,
    Indicator,
    LevelHeader,
    Personnel,
    Quantity,
    RecognizedForm,
    Scorecard,
    ScorecardKind,
    Span,
    Text,
)

_TITLE = re.compile(r"(?:自评表|得分表|评分表|基础数据表)(?:[（(][^）)]{0,12}[）)])?$")
_META = {
    "项目名称": "project_name",
    "主管部门": "supervisor",
    "实施单位": "implementer",
}
_UNIT_NAME = re.compile(r"^(?:部门（单位）名称|部门\(单位\)名称|单位名称|部门名称)[:：]?")
_META_LABEL = re.compile(r"^(项目名称|主管部门(?:及代码)?|实施单位)[:：]?")
_GOALS = re.compile(r"^(?:年度总体目标|总体目标|年度绩效目标|年度目标)[:：]?$")
_GOAL_WORDS = re.compile(
    r"^(?:预期目标|预算目标|年初目标|计划目标|实际完成情况|实际完成|目标完成情况|完成情况)[:：]?$"
)
_TOTAL = re.compile(
    r"^(?:总分|合计|总计|综合得分|自评总分|得分合计|评分合计)(?:[（(]\s*\d+\s*分[)）])?[:：]?$"
)
_GRADE_LABEL = re.compile(r"^(?:评价等级|评价等次|自评等级|自评等次|绩效等级|等级|等次)[:：]?")
_GRADE = re.compile(r"^(优秀|良好|合格|不合格|及格|较差|优|良|中|差)$")
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+部分)"
)
_PERSONNEL = re.compile(
    r"^(?:(?:19|20)(?:\d{2}|[xX×*]{2})年末?|年末)?"
    r"(编制数|人员编制|编制人数|实有人数|在职人数|实际在职人数|实有在职人数|在职人员控制率|人员控制率"
    r"|控制率)[:：]?(\d+(?:\.\d+)?)?(人|%)?$"
)
_PERSONNEL_FIELD = {
    "编制数": "staffing_quota",
    "人员编制": "staffing_quota",
    "编制人数": "staffing_quota",
    "实有人数": "headcount",
    "在职人数": "headcount",
    "实际在职人数": "headcount",
    "实有在职人数": "headcount",
    "在职人员控制率": "control_rate",
    "人员控制率": "control_rate",
    "控制率": "control_rate",
}
_MAX_META_UNITS = 6
_YEAR = re.compile(r"^(?:19|20)\d{2}(?:年度?)?$")


@dataclass
class FormReading:
    """What the form reader found: scorecards, personnel figures, the forms recognised."""

    scorecards: list[Scorecard] = field(default_factory=list)
    funds: list[FundsLine] = field(default_factory=list)  # department tables (基础数据表 …)
    personnel: Personnel = field(default_factory=Personnel)
    forms: list[RecognizedForm] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    repaired: int = 0


def read_forms(doc: Document) -> FormReading:
    units = units_of(tokenize(doc.normalized))
    return _Scanner(doc, units).run()


@dataclass
class _Card:
    card: Scorecard
    closed: bool = False
    level1: Text | None = None
    level2: Text | None = None


class _Scanner:
    def __init__(self, doc: Document, units: list[Unit]) -> None:
        self.doc = doc
        self.units = units
        self.out = FormReading()
        self.cards: list[_Card] = []
        self.headers: dict[int, Header] = {}
        self.anchor = [self._is_anchor(k) for k in range(len(units))]
        self.personnel: dict[str, Quantity] = {}

    # ------------------------------------------------------------ anchors

    def _header(self, k: int) -> Header | None:
        if k not in self.headers:
            self.headers[k] = header_at(self.units, k)
        return self.headers[k]

    def _is_anchor(self, k: int) -> bool:
        t = self.units[k].text
        return bool(
            _TITLE.search(t)
            or _META_LABEL.match(t)
            or _UNIT_NAME.match(t)
            or _GOALS.match(t)
            or _TOTAL.match(t)
            or (
                _HEADING.match(t)
                and line_start(self.doc.normalized, self.units[k].pieces[0])
                and not self._funds_row(k)
            )
            or self._header(k) is not None
        )

    def _limit(self, j: int) -> int:
        k = j
        while k < len(self.units) and not self.anchor[k]:
            k += 1
        return k

    def _funds_row(self, k: int) -> bool:
        """A numbered funds row (一、部门基本支出 602.37 …), not a heading of the report."""
        nxt = self.units[k + 1].text if k + 1 < len(self.units) else ""
        return is_label(self.units[k].text) and V.figure(nxt)

    # ------------------------------------------------------------ the walk

    def run(self) -> FormReading:
        i = 0
        n = len(self.units)
        while i < n:
            header = self._header(i)
            if header is not None:
                i = self._read_header(header)
                continue
            i = self._read_field(i)
        self._finish()
        return self.out

    def _read_field(self, i: int) -> int:
        u = self.units[i]
        t = u.text
        if _TITLE.search(t) and len(t) <= 60:
            self._title(i)
            return i + 1
        if m := _META_LABEL.match(t):
            return self._meta(i, _META[m.group(1)[:4]], m.end())
        if m := _UNIT_NAME.match(t):
            return self._skip_value(i, m.end())
        if _GOALS.match(t):
            return self._goals(i)
        if _TOTAL.match(t):
            return self._total(i)
        if m := _GRADE_LABEL.match(t):
            return self._grade(i, m.end())
        if m := _PERSONNEL.match(t):
            return self._personnel(i, m)
        return i + 1

    # ------------------------------------------------------------ cards

    def _current(self) -> _Card | None:
        return self.cards[-1] if self.cards and not self.cards[-1].closed else None

    def _has_content(self, c: _Card) -> bool:
        return bool(c.card.indicators or c.card.funds or c.card.goals)

    def _open(self, title: Text | None = None) -> _Card:
        kind = ScorecardKind.department
        if title is not None and "项目" in title.text and "整体" not in title.text:
            kind = ScorecardKind.project
        c = _Card(Scorecard(title=title, kind=kind))
        self.cards.append(c)
        return c

    def _card(self) -> _Card:
        return self._current() or self._open()

    def _title(self, i: int) -> None:
        units = [self.units[i]]
        k = i - 1
        while (
            k >= 0
            and units[0].gap is Gap.SOFT
            and len(self.units[k].text) <= 20
            and not self.anchor[k]
            and (not V.has_digit(self.units[k].text[-1:]) or _YEAR.match(self.units[k].text))
        ):
            units.insert(0, self.units[k])
            k -= 1
        title = group_text(self.doc, units)
        cur = self._current()
        if cur is not None and not self._has_content(cur) and cur.card.title is None:
            cur.card.title = title
            if title and "项目" in title.text and "整体" not in title.text:
                cur.card.kind = ScorecardKind.project
            return
        if cur is not None:
            cur.closed = True
        self._open(title)

    def _value_units(self, i: int, offset: int) -> tuple[list[Unit], int, int]:
        """The units of a field's value after its label (which may share the label's unit,
        ``项目名称：某项目``), up to the next label or anchor."""
        first = self.units[i]
        rest = first.text[offset:].lstrip(":：")
        j = i + 1
        if rest:
            return [first], j, first.start + len(first.text) - len(rest)
        values: list[Unit] = []
        while (
            j < len(self.units)
            and len(values) < _MAX_META_UNITS
            and not self.anchor[j]
            and not _is_field_label(self.units[j].text)
        ):
            values.append(self.units[j])
            j += 1
            if self.units[j - 1].gap in (Gap.LINE, Gap.BLANK) and len(values) > 1:
                break
        return values, j, values[0].start if values else -1

    def _meta(self, i: int, key: str, offset: int) -> int:
        values, j, start = self._value_units(i, offset)
        if not values:
            return i + 1
        cur = self._current()
        if key == "project_name" and cur is not None and self._has_content(cur):
            cur.closed = True
            cur = None
        card = cur or self._open()
        if getattr(card.card, key) is None:
            setattr(card.card, key, text_at(self.doc, start, values[-1].end))
        if key == "project_name":
            card.card.kind = ScorecardKind.project
        return j

    def _skip_value(self, i: int, offset: int) -> int:
        _, j, _ = self._value_units(i, offset)
        return j

    # ------------------------------------------------------------ blocks

    def _read_header(self, header: Header) -> int:
        limit = self._limit(header.stop)
        body = self.units[header.stop : limit]
        if header.kind == "funds":
            reading = read_funds(self.doc, body, header, self._money_unit(header))
            self.out.uncertain += reading.uncertain
            cur = self._current()
            if self._department_table(header, cur):
                title = cur.card.title.text if cur is not None and cur.card.title else None
                for line in reading.lines:
                    line.table = title
                self.out.funds.extend(reading.lines)
                return header.stop + max(reading.covered, 0)
            if cur is not None and (cur.card.funds or cur.card.indicators):
                cur.closed = True
            card = self._card()
            card.card.funds.extend(reading.lines)
            return header.stop + max(reading.covered, 0)
        rows, covered = read_rows(body, header.roles())
        cur = self._current()
        if cur is not None and cur.card.indicators and not _continues(cur, header):
            cur.closed = True
        card = self._card()
        card.header = header  # type: ignore[attr-defined]
        for row in rows:
            self._indicator(card, row, header)
        return header.stop + max(covered, 1) if rows else header.stop

    @staticmethod
    def _department_table(header: Header, cur: _Card | None) -> bool:
        """A funds block that is a department table (基础数据表: 经费控制情况, 预算执行情况),
        not a scorecard's 项目资金 block: it scores nothing (no 分值 or 得分 column) and
        stands outside a project's form."""
        if header.column(Role.WEIGHT) or header.column(Role.SCORE):
            return False
        if cur is None:
            return True
        card = cur.card
        title = card.title.text if card.title else ""
        return (
            card.kind is not ScorecardKind.project
            and not card.indicators
            and (not title or not title.endswith("自评表"))
        )

    def _money_unit(self, header: Header) -> str:
        lo = max(0, header.columns[0].start - 80)
        return money_unit(self.doc.normalized[lo : header.columns[-1].end])

    def _indicator(self, c: _Card, row: Row, header: Header) -> None:
        doc = self.doc
        card = c.card
        cells = row.cells
        self.out.repaired += len(row.repairs)
        if Role.LEVEL1 in cells:
            name, weight = label_and_weight(doc, cells[Role.LEVEL1])
            c.level1, c.level2 = name, None
            if weight is not None and name is not None:
                card.level_headers.append(LevelHeader(name=name, weight=weight, level=1))
        if Role.LEVEL2 in cells:
            name, weight = label_and_weight(doc, cells[Role.LEVEL2])
            c.level2 = name
            if weight is not None and name is not None:
                card.level_headers.append(LevelHeader(name=name, weight=weight, level=2))
        if Role.NAME not in cells:
            return
        name, label_weight = label_and_weight(doc, cells[Role.NAME])
        if name is None:
            return
        weight = self._number(row, Role.WEIGHT) or label_weight
        ind = Indicator(
            level1=c.level1,
            level2=c.level2,
            name=name,
            target=value_cell(doc, cells[Role.TARGET], target=True)
            if Role.TARGET in cells
            else None,
            actual=value_cell(doc, cells[Role.ACTUAL], target=False)
            if Role.ACTUAL in cells
            else None,
            weight=weight,
            score=self._number(row, Role.SCORE),
            deviation_note=group_text(doc, cells[Role.NOTE]) if Role.NOTE in cells else None,
        )
        card.indicators.append(ind)

    def _number(self, row: Row, role: Role) -> Quantity | None:
        if role in row.glued:
            unit, a, b = row.glued[role]
            return digits_at(
                self.doc, unit, a, b, unit_name=None, note=row.repairs[-1] if row.repairs else ""
            )
        if role not in row.cells:
            return None
        return number_of(self.doc, row.cells[role], unit=None)

    def _goals(self, i: int) -> int:
        j = i + 1
        while j < len(self.units) and _GOAL_WORDS.match(self.units[j].text):
            j += 1
        limit = self._limit(j)
        texts = self.units[j:limit]
        if not texts:
            return j
        card = self._card()
        expected, actual = _two_parts(texts)
        card.card.goals.append(
            Goal(
                expected=group_text(self.doc, expected) if expected else None,
                actual=group_text(self.doc, actual) if actual else None,
            )
        )
        return limit

    def _total(self, i: int) -> int:
        cur = self._current()
        if cur is None or not cur.card.indicators:
            return i + 1
        numbers: list[Quantity] = []
        j = i + 1
        while j < len(self.units) and len(numbers) < 2:
            q = number_of(self.doc, [self.units[j]], unit=None)
            if q is None:
                if not V.placeholder(self.units[j].text):
                    break
            else:
                numbers.append(q)
            j += 1
        if not numbers:
            return i + 1
        if len(numbers) == 2:
            cur.card.max_score, cur.card.total_score = numbers
        else:
            cur.card.total_score = numbers[0]
            _, stated = label_and_weight(self.doc, [self.units[i]])  # 合计(100分)
            if stated is not None and cur.card.max_score is None:
                cur.card.max_score = stated
        cur.closed = True
        self._last_closed = cur
        return j

    def _grade(self, i: int, offset: int) -> int:
        u = self.units[i]
        rest = u.text[offset:].lstrip(":：")
        target = None
        if rest and _GRADE.match(rest):
            s = u.start + len(u.text) - len(rest)
            target = (s, u.end)
        elif not rest and i + 1 < len(self.units) and _GRADE.match(self.units[i + 1].text):
            nxt = self.units[i + 1]
            target = (nxt.start, nxt.end)
        if target is None:
            return i + 1
        card = getattr(self, "_last_closed", None) or self._current()
        if card is not None and card.card.grade is None:
            card.card.grade = text_at(self.doc, *target)
        return i + 1

    def _personnel(self, i: int, m: re.Match) -> int:
        words: list[str] = []
        k = i
        while (
            k < len(self.units) and (w := _PERSONNEL.match(self.units[k].text)) and not w.group(2)
        ):
            words.append(_PERSONNEL_FIELD[w.group(1)])
            k += 1
        if len(words) >= 2:
            # a run of headers: its figures follow it in its order, or it is not read (its
            # words one by one would take the next header's figure for their own)
            return (len(set(words)) == len(words) and self._personnel_row(words, k)) or k
        key = _PERSONNEL_FIELD[m.group(1)]
        u = self.units[i]
        unit = "%" if key == "control_rate" else "人"
        if m.group(2):
            s = u.start + m.start(2)
            q = number_at(self.doc, s, s + len(m.group(2)), to_decimal(m.group(2)), unit)
            self.personnel.setdefault(key, q)
            return i + 1
        if i + 1 < len(self.units):
            nxt = self.units[i + 1]
            q = number_of(self.doc, [nxt], unit=unit)
            if q is not None and (key == "control_rate" or q.unit != "%"):
                self.personnel.setdefault(key, q.model_copy(update={"unit": unit}))
                return i + 2
        return i + 1

    def _personnel_row(self, keys: list[str], k: int) -> int | None:
        """The row of figures under a run of personnel headers (编制数 实有人数 控制率, then
        ``32 30 93.75%``), in the headers' order.  OCR may glue the counts (``3835 92.11%``):
        a run is cut only where exactly one cut makes 实有人数 ÷ 编制数 the stated rate."""
        values = []
        j = k
        while j < len(self.units) and len(values) < len(keys) and V.figure(self.units[j].text):
            values.append(self.units[j])
            j += 1
        units = {"staffing_quota": "人", "headcount": "人", "control_rate": "%"}
        found: dict[str, Quantity] = {}
        if len(values) == len(keys):
            for key, u in zip(keys, values, strict=True):
                q = number_of(self.doc, [u], unit=units[key])
                if q is None or (key != "control_rate") != (q.unit != "%"):
                    return None
                found[key] = q.model_copy(update={"unit": units[key]})
        elif keys[-1:] == ["control_rate"] and len(values) == len(keys) - 1 == 2:
            cut = _glued_counts(values[0].text, values[1].text)
            if cut is None:
                return None
            note = f"glued digits {values[0].text!r} cut where 实有人数 ÷ 编制数 = the rate"
            for key, (a, b) in zip(keys[:2], ((0, cut), (cut, len(values[0].text))), strict=True):
                q = digits_at(self.doc, values[0], a, b, unit_name="人", note=note)
                if q is None:
                    return None
                found[key] = q
            self.out.repaired += 2
            rate = number_of(self.doc, [values[1]], unit="%")
            if rate is None:
                return None
            found["control_rate"] = rate
        else:
            return None
        for key, q in found.items():
            self.personnel.setdefault(key, q)
        return j

    # ------------------------------------------------------------ the end

    def _finish(self) -> None:
        for c in self.cards:
            card = c.card
            if not (card.indicators or card.funds or card.goals):
                continue
            label = card.group or (card.title.text if card.title else None)
            for ind in card.indicators:
                ind.group = label
            self.out.scorecards.append(card)
            self.out.forms.append(recognized(card))
        self.out.personnel = Personnel(**self.personnel)


def _glued_counts(run: str, rate_text: str) -> int | None:
    """Where to cut a run of digits into 编制数 and 实有人数 so that their ratio is the
    stated control rate; None unless exactly one cut does."""
    rate = V.percent(rate_text)
    if not run.isdigit() or rate is None:
        return None
    cuts = [
        c
        for c in range(1, len(run))
        if not run[c:].startswith("0")
        and V.rate_agrees(Decimal(run[c:]), Decimal(run[:c]), rate.value)
    ]
    return cuts[0] if len(cuts) == 1 else None


def _continues(c: _Card, header: Header) -> bool:
    """A header repeated over a page break continues the open table."""
    prev = getattr(c, "header", None)
    return prev is not None and prev.roles() == header.roles() and not c.closed


def _is_field_label(text: str) -> bool:
    return bool(
        _META_LABEL.match(text)
        or _UNIT_NAME.match(text)
        or _GOALS.match(text)
        or _PERSONNEL.match(text)
        or is_label(text)
        or text.startswith("项目资金")
    )


def _two_parts(units: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    """A goals row's expected and actual texts: split at its strongest break (nearest the
    middle when several are as strong)."""
    if len(units) == 1:
        return units, []
    best_k, best_key = 1, None
    for k in range(1, len(units)):
        key = (units[k].gap, -abs(2 * k - len(units)))
        if best_key is None or key > best_key:
            best_k, best_key = k, key
    return units[:best_k], units[best_k:]


def recognized(card: Scorecard, reader: str = "pieces") -> RecognizedForm:
    scoring = bool(card.indicators) and all(
        i.target is None and i.actual is None for i in card.indicators
    )
    if scoring and not card.funds:
        kind = "绩效评价得分表"
    elif card.kind is ScorecardKind.project:
        kind = "项目支出绩效自评表"
    else:
        kind = "部门整体支出绩效自评表"
    spans = [
        v.span
        for v in [card.title, card.project_name, *[i.name for i in card.indicators]]
        + [f.amount for f in card.funds]
        if v is not None and v.span is not None
    ]
    span = Span(start=min(s.start for s in spans), end=max(s.end for s in spans)) if spans else None
    return RecognizedForm(
        kind=kind, title=card.title.text if card.title else None, span=span, reader=reader
    )
