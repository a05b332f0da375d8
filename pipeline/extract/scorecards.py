"""Reading self-evaluation tables (自评表) into Scorecards, by the wording of their rows.

A table is read row by row.  Header rows switch the reader between a funds block
(年初预算数 / 全年预算数 / 全年执行数 / 执行率 / 分值 / 得分), a goals block (预期目标 / 实际完成)
and an indicator block (一级指标 / 二级指标 / 三级指标 / 指标值 / 实际完成值 / 分值 / 得分); a 总分
row closes a scorecard, so one table holding nine 绩效指标 groups gives nine scorecards.

Cells of ragged rows (merged cells shift them) are put under their headers by anchoring on
what the row must end with — the weight and score numbers — rather than by position alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline import vocabulary as V
from pipeline.document import Document
from pipeline.extract.grounding import cell_quantity, number_at, text_at
from pipeline.extract.numbers import NUMBER, to_decimal
from pipeline.layout.model import Cell, Layout, Table
from pipeline.schema import (
    FundsLine,
    FundsMeasure,
    Goal,
    Indicator,
    LevelHeader,
    Quantity,
    Scorecard,
    ScorecardKind,
    Text,
)

_PURE_NUMBER = re.compile(r"^\s*(-?\d+(?:,\d{3})*(?:\.\d+)?)\s*(%|分)?\s*$")
_LABEL_NUMBER = re.compile(r"^(.*?)[:：]\s*(-?\d+(?:,\d{3})*(?:\.\d+)?)\s*(万元|%)?\s*$", re.S)
_GROUP = re.compile(r"^绩效指标\d+$")
_ROLES = ("level1", "level2", "name", "actual", "target", "weight", "score", "note")
_ROLE_HEADERS = {
    "level1": V.LEVEL1_HEADERS,
    "level2": V.LEVEL2_HEADERS,
    "name": V.NAME_HEADERS,
    "actual": V.ACTUAL_HEADERS,
    "target": V.TARGET_HEADERS,
    "weight": V.WEIGHT_HEADERS,
    "score": V.SCORE_HEADERS,
    "note": V.NOTE_HEADERS,
}


@dataclass
class _State:
    """What the reader knows while it walks one table."""

    doc: Document
    table: Table
    done: list[Scorecard] = field(default_factory=list)
    card: Scorecard | None = None
    closed: bool = False  # the current card saw its 总分 row
    mode: str | None = None
    funds_cols: dict[int, tuple[FundsMeasure, str]] = field(default_factory=dict)
    funds_width: int = 0
    pair_mode: bool = False
    goal_cols: tuple[int, int] = (1, 2)
    ind_cols: dict[str, int] = field(default_factory=dict)
    ind_width: int = 0
    level1: Text | None = None
    level2: Text | None = None
    group: str | None = None
    pending: dict[str, Text] = field(default_factory=dict)

    def new_card(self) -> Scorecard:
        if self.card is not None:
            self.done.append(self.card)
        title = None
        if self.table.title_start is not None and self.table.title_end is not None:
            title = text_at(self.doc, self.table.title_start, self.table.title_end)
        self.card = Scorecard(title=title, kind=ScorecardKind.department)
        for key, value in self.pending.items():
            setattr(self.card, key, value)
        if self.pending:
            self.card.kind = ScorecardKind.project
        self.pending = {}
        self.closed = False
        self.level1 = self.level2 = None
        return self.card

    def ensure_card(self) -> Scorecard:
        if self.card is None or self.closed:
            return self.new_card()
        return self.card


def extract_scorecards(
    doc: Document, layout: Layout
) -> tuple[list[Scorecard], list[FundsLine], set[int]]:
    """Scorecards, the funds lines of budget tables that are not scorecards (a 经费控制情况
    table has budget columns but no scoring: it is department-level data), and the indexes
    of the tables read here."""
    cards: list[Scorecard] = []
    department_funds: list[FundsLine] = []
    used: set[int] = set()
    for table in layout.tables:
        for card in _read_table(doc, table):
            used.add(table.index)
            scored = any(f.measure in (FundsMeasure.weight, FundsMeasure.score) for f in card.funds)
            if card.indicators or card.goals or scored:
                cards.append(card)
            else:
                for line in card.funds:
                    line.table = table.title
                department_funds.extend(card.funds)
    return cards, department_funds, used


def _read_table(doc: Document, table: Table) -> list[Scorecard]:
    st = _State(doc, table)
    for row in table.rows:
        texts = [c.clean for c in row]
        if not any(texts):
            continue
        if _meta_row(st, row, texts):
            continue
        if _funds_header(st, row, texts):
            continue
        if _goal_header(st, texts):
            continue
        if _indicator_header(st, texts):
            continue
        if _total_row(st, row, texts):
            continue
        if _grade_row(st, row):
            continue
        if st.mode == "funds":
            _funds_row(st, row, texts)
        elif st.mode == "goals":
            _goal_row(st, row)
        elif st.mode == "indicators":
            _indicator_row(st, row, texts)
    if st.card is not None:
        st.done.append(st.card)
    cards = [c for c in st.done if c.indicators or c.funds or c.goals]
    for card in cards:
        if card.project_name is not None or (
            card.title and "项目" in card.title.text and "部门整体" not in card.title.text
        ):
            card.kind = ScorecardKind.project
        label = card.group or (card.title.text if card.title else None)
        for ind in card.indicators:
            ind.group = label
    return cards


def _meta_row(st: _State, row: list[Cell], texts: list[str]) -> bool:
    """项目名称 / 主管部门 / 实施单位 rows: label cells followed by their values."""
    keys = {"项目名称": "project_name", "主管部门": "supervisor", "实施单位": "implementer"}
    found = False
    for k, t in enumerate(texts):
        key = next((v for w, v in keys.items() if t.startswith(w)), None)
        if key is None:
            continue
        value = next((c for c in row[k + 1 :] if c.clean and c.clean not in keys), None)
        if value is not None:
            if (
                key == "project_name"
                and st.card is not None
                and (st.card.indicators or st.card.funds)
            ):
                st.done.append(st.card)
                st.card = None
            st.pending[key] = text_at(st.doc, value.start, value.end)
            found = True
    if found and st.card is not None and not (st.card.indicators or st.card.funds):
        for key, value in st.pending.items():
            setattr(st.card, key, value)
        st.pending = {}
    return found


def _funds_header(st: _State, row: list[Cell], texts: list[str]) -> bool:
    cols = {k: (m, t) for k, t in enumerate(texts) if t and (m := V.measure_of(t)) is not None}
    budget = {FundsMeasure.initial_budget, FundsMeasure.adjusted_budget, FundsMeasure.executed}
    if len(cols) < 3 or not budget & {m for m, _ in cols.values()}:
        return False
    if any(t.startswith(h) for t in texts for h in ("一级指标", "三级指标")):
        return False
    if st.card is not None and (st.card.indicators or st.card.funds):
        st.new_card()
    st.ensure_card()
    st.mode, st.funds_cols, st.funds_width, st.pair_mode = "funds", cols, len(row), False
    return True


def _funds_row(st: _State, row: list[Cell], texts: list[str]) -> None:
    card = st.ensure_card()
    if any("性质" in t for t in texts):
        st.pair_mode = True
        return
    numbers = sum(1 for c in row if _PURE_NUMBER.match(c.text))
    # Breakdown rows are label：number pairs, unless they fill the funds columns like the
    # total row does (one figure per budget stage).
    if (st.pair_mode and numbers < 2) or len(row) < st.funds_width - 1:
        _funds_pairs(st, card, row)
        return
    # A row longer than its header was shifted right by an extra empty cell: align its end.
    shift = len(row) - st.funds_width if len(row) > st.funds_width else 0
    label_cell = next(
        (
            c
            for k, c in enumerate(row)
            if c.clean and k - shift not in st.funds_cols and not _PURE_NUMBER.match(c.text)
        ),
        None,
    )
    if label_cell is None:
        return
    for col, (measure, header) in st.funds_cols.items():
        if not 0 <= col + shift < len(row):
            continue
        q = _number_cell(st.doc, row[col + shift], unit=_FUNDS_UNIT.get(measure, "万元"))
        if q is not None:
            card.funds.append(
                FundsLine(
                    label=label_cell.clean,
                    column=header,
                    category=V.category_of(label_cell.clean),
                    measure=measure,
                    amount=q,
                    table=None,
                )
            )


def _funds_pairs(st: _State, card: Scorecard, row: list[Cell]) -> None:
    """Rows of the 按收入性质 / 按支出性质 breakdown: ``label：number`` in one cell, or a label
    cell followed by its number cell.  No budget stage is stated for them."""
    k = 0
    while k < len(row):
        cell = row[k]
        m = _LABEL_NUMBER.match(cell.text)
        if m and m.group(1).strip():
            value = to_decimal(m.group(2))
            q = number_at(st.doc, cell.start + m.start(2), cell.start + m.end(2), value, "万元")
            label = re.sub(r"\s+", "", m.group(1))
            card.funds.append(
                FundsLine(
                    label=label,
                    category=V.category_of(label),
                    measure=FundsMeasure.amount,
                    amount=q,
                )
            )
        elif cell.clean and not _PURE_NUMBER.match(cell.text) and k + 1 < len(row):
            q = _number_cell(st.doc, row[k + 1], unit="万元")
            if q is not None:
                card.funds.append(
                    FundsLine(
                        label=cell.clean,
                        category=V.category_of(cell.clean),
                        measure=FundsMeasure.amount,
                        amount=q,
                    )
                )
                k += 1
        k += 1


_FUNDS_UNIT = {
    FundsMeasure.execution_rate: "%",
    FundsMeasure.weight: None,
    FundsMeasure.score: None,
}


def _number_cell(doc: Document, cell: Cell, *, unit: str | None) -> Quantity | None:
    """A cell holding one number (``1613.46``, ``96%``); its unit is the column's."""
    m = _PURE_NUMBER.match(cell.text)
    if not m:
        return None
    value = to_decimal(m.group(1))
    if m.group(2) == "%":
        unit = "%"
    return number_at(doc, cell.start + m.start(1), cell.start + m.end(1), value, unit)


def _goal_header(st: _State, texts: list[str]) -> bool:
    if not texts[0] or not V.GOAL_HEADER.search(texts[0]):
        return False
    exp = next((k for k, t in enumerate(texts[1:], 1) if V.EXPECTED_HEADER.search(t)), None)
    act = next((k for k, t in enumerate(texts[1:], 1) if V.ACTUAL_GOAL_HEADER.search(t)), None)
    if exp is None or act is None:
        return False
    st.ensure_card()
    st.mode, st.goal_cols = "goals", (exp, act)
    return True


def _goal_row(st: _State, row: list[Cell]) -> None:
    exp, act = st.goal_cols
    expected = text_at(st.doc, row[exp].start, row[exp].end) if exp < len(row) else None
    actual = text_at(st.doc, row[act].start, row[act].end) if act < len(row) else None
    if expected is None and actual is None:
        return
    st.ensure_card().goals.append(Goal(expected=expected, actual=actual))


def _indicator_header(st: _State, texts: list[str]) -> bool:
    cols: dict[str, int] = {}
    for k, t in enumerate(texts):
        for role in _ROLES:
            if role not in cols and any(t.startswith(h) or t == h for h in _ROLE_HEADERS[role]):
                cols[role] = k
                break
    if "name" not in cols and (k := _merged_content_header(texts)) is not None:
        # 评价内容 | 绩效目标 | 完成情况: one header over the level-1, level-2 and name columns.
        cols = {"level1": k, "level2": k + 1, "name": k + 2, "target": k + 3, "actual": k + 4}
        texts = texts[:k] + [""] * 5
    if "name" not in cols or not ({"target", "weight"} & cols.keys()):
        return False
    if st.card is not None and (st.card.indicators or st.closed):
        st.new_card()
    card = st.ensure_card()
    group = texts[0] if _GROUP.match(texts[0]) else None
    if group:
        card.group = group
    st.mode, st.ind_cols, st.ind_width = "indicators", cols, len(texts)
    st.level1 = st.level2 = None
    return True


def _merged_content_header(texts: list[str]) -> int | None:
    if "评价内容" in texts and any("目标" in t for t in texts) and any("完成" in t for t in texts):
        return texts.index("评价内容")
    return None


def _offset(st: _State, row: list[Cell]) -> int:
    """How far this row's cells sit left (+) or right (-) of the header columns.

    A row ends with its weight and score: when a pair of plain numbers stands where only the
    note column may follow it, the row is anchored there.  Otherwise equal-length rows sit
    under their headers and longer rows are aligned at their end.
    """
    w, s = st.ind_cols.get("weight"), st.ind_cols.get("score")
    if w is not None and s is not None:
        after_score = st.ind_width - s - 1
        for p in range(len(row) - 2, -1, -1):
            if (
                _plain_number(row[p])
                and _plain_number(row[p + 1])
                and len(row) - p - 2 <= after_score
            ):
                return w - p
    if len(row) > st.ind_width or (len(row) < st.ind_width and w is None):
        return st.ind_width - len(row)
    return 0


def _plain_number(cell: Cell) -> bool:
    m = _PURE_NUMBER.match(cell.text)
    return m is not None and m.group(2) != "%"


def _indicator_row(st: _State, row: list[Cell], texts: list[str]) -> None:
    cols = st.ind_cols
    off = _offset(st, row)
    by_col = {k + off: c for k, c in enumerate(row)}
    name_col = cols["name"]
    name_cell = by_col.get(name_col)
    card = st.ensure_card()
    if name_cell is None or not name_cell.clean:
        # A row of merged level cells only (产出目标 | 数量、质量…指标): it sets the levels.
        _levels(st, card, [(k, c) for k, c in enumerate(row) if k < name_col and c.clean])
        return
    doc = st.doc
    _levels(st, card, [(k, c) for k, c in sorted(by_col.items()) if k < name_col and c.clean])

    def cell(role: str) -> Cell | None:
        c = by_col.get(cols[role]) if role in cols else None
        return c if c is not None and c.clean else None

    def number(role: str) -> Quantity | None:
        c = cell(role)
        if c is None or not (m := _PURE_NUMBER.match(c.text)):
            return None
        return number_at(doc, c.start + m.start(1), c.start + m.end(1), to_decimal(m.group(1)))

    target, actual, note = cell("target"), cell("actual"), cell("note")
    card.indicators.append(
        Indicator(
            level1=st.level1,
            level2=st.level2,
            name=text_at(doc, name_cell.start, name_cell.end),
            target=cell_quantity(doc, target.start, target.end) if target else None,
            actual=cell_quantity(doc, actual.start, actual.end) if actual else None,
            weight=number("weight"),
            score=number("score"),
            deviation_note=text_at(doc, note.start, note.end) if note else None,
        )
    )


def _levels(st: _State, card: Scorecard, cells: list[tuple[int, Cell]]) -> None:
    """Set the current level-1 / level-2 from the cells left of the name; an empty cell means
    the merged cell above still applies."""
    l1_col, l2_col = st.ind_cols.get("level1"), st.ind_cols.get("level2")
    cells = [(k, c) for k, c in cells if not _GROUP.match(c.clean) and c.clean != "绩效指标"]
    if len(cells) >= 2 and _is_level2(cells[-2][1].clean):
        assignments = [("level2", cells[-2][1])]  # two level-2 cells (a merged cell written twice)
    elif len(cells) >= 2:
        assignments = [("level1", cells[-2][1]), ("level2", cells[-1][1])]
    elif len(cells) == 1:
        k, c = cells[0]
        role = (
            "level1"
            if (l2_col is None or k < l2_col or (l1_col is not None and k <= l1_col))
            else "level2"
        )
        if _is_level2(c.clean):
            role = "level2"
        assignments = [(role, c)]
    else:
        return
    for role, c in assignments:
        if role == "level1":
            st.level1 = _level_text(st, card, c, 1)
            st.level2 = None
        else:
            st.level2 = _level_text(st, card, c, 2)


def _is_level2(text: str) -> bool:
    return any(w in text for w in V.LEVEL2_WORDS) and not any(
        text.startswith(w) for w in V.LEVEL1_WORDS
    )


def _level_text(st: _State, card: Scorecard, cell: Cell, level: int) -> Text | None:
    """``产出指标(50分)``, ``目标设定(10分)``: the name is the level's, the weight goes to the
    level headers."""
    m = V.WEIGHT_IN_LABEL.search(cell.text)
    if not m:
        return text_at(st.doc, cell.start, cell.end)
    name = text_at(st.doc, cell.start, cell.start + m.start())
    weight = number_at(
        st.doc, cell.start + m.start(1), cell.start + m.end(1), to_decimal(m.group(1))
    )
    if name is not None:
        card.level_headers.append(LevelHeader(name=name, weight=weight, level=level))
    return name


def _total_row(st: _State, row: list[Cell], texts: list[str]) -> bool:
    k = next(
        (
            i
            for i, t in enumerate(texts)
            if V.TOTAL_LABEL.match(t) or "综合得分" in t or t.startswith("评分")
        ),
        None,
    )
    if k is None or st.card is None:
        return False
    numbers: list[Quantity] = []
    for c in row[k:]:
        for m in NUMBER.finditer(c.text):
            numbers.append(
                number_at(st.doc, c.start + m.start(), c.start + m.end(), to_decimal(m.group()))
            )
    if not numbers:
        return False
    if len(numbers) >= 2:
        st.card.max_score, st.card.total_score = numbers[0], numbers[1]
    else:
        st.card.total_score = numbers[0]
    st.closed = True
    return True


def _grade_row(st: _State, row: list[Cell]) -> bool:
    for c in row:
        m = V.GRADE_IN_CELL.search(c.text)
        if m and st.card is not None:
            st.card.grade = text_at(st.doc, c.start + m.start(1), c.start + m.end(1))
            return True
    return False
