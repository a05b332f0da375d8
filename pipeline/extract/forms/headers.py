"""The column headers of the national forms, found in a sequence of pieces.

A header is a run of the forms' fixed column words (一级指标 二级指标 三级指标 年度指标值 …,
年初预算数 全年预算数 全年执行数 …).  Exports break those words (``一级\\n指标``, ``实际完成
值``, ``偏差原因分析\\n及改进措施``), so a word may be spread over a few consecutive pieces;
it never contains a space of its own, which is what makes the pieces safe to run together.
The order of the words found is the order of the columns of the rows below, and that order,
not the words of any one document, is what the readers follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

from pipeline.extract.forms.tokens import Gap, Unit
from pipeline.schema import FundsMeasure


class Role(Enum):
    GROUP = "group"  # 绩效指标: a merged label over the whole indicator section
    LEVEL1 = "level1"
    LEVEL2 = "level2"
    NAME = "name"
    TARGET = "target"
    ACTUAL = "actual"
    WEIGHT = "weight"
    SCORE = "score"
    NOTE = "note"
    RUBRIC = "rubric"  # 评分标准 and the like: text that is not data
    LABEL = "label"  # the row-label column of a funds block (项目资金（万元）)
    INITIAL = "initial_budget"
    ADJUSTED = "adjusted_budget"
    EXECUTED = "executed"
    PRIOR = "prior_executed"  # 上年决算数, or a 决算数 headed by an earlier year
    RATE = "execution_rate"


INDICATOR_WORDS: dict[str, Role] = {
    "绩效指标": Role.GROUP,
    "一级指标": Role.LEVEL1,
    "二级指标": Role.LEVEL2,
    "三级指标": Role.NAME,
    "指标名称": Role.NAME,
    "具体指标": Role.NAME,
    "指标内容": Role.NAME,
    "年度指标值": Role.TARGET,
    "预期指标值": Role.TARGET,
    "年度目标值": Role.TARGET,
    "指标值": Role.TARGET,
    "目标值": Role.TARGET,
    "计划值": Role.TARGET,
    "预期值": Role.TARGET,
    "年度目标": Role.TARGET,
    "实际完成值": Role.ACTUAL,
    "实际完成指标值": Role.ACTUAL,
    "全年实际完成值": Role.ACTUAL,
    "全年实际值": Role.ACTUAL,
    "实际完成": Role.ACTUAL,
    "完成值": Role.ACTUAL,
    "实际值": Role.ACTUAL,
    "完成情况": Role.ACTUAL,
    "分值": Role.WEIGHT,
    "权重": Role.WEIGHT,
    "标准分值": Role.WEIGHT,
    "指标分值": Role.WEIGHT,
    "标准分": Role.WEIGHT,
    "得分": Role.SCORE,
    "自评得分": Role.SCORE,
    "评价得分": Role.SCORE,
    "实际得分": Role.SCORE,
    "评分": Role.SCORE,
    "偏差原因分析及改进措施": Role.NOTE,
    "偏差原因分析": Role.NOTE,
    "偏差原因": Role.NOTE,
    "未完成原因分析": Role.NOTE,
    "未完成原因": Role.NOTE,
    "原因分析": Role.NOTE,
    "改进措施": Role.NOTE,
    "备注": Role.NOTE,
    "评分标准": Role.RUBRIC,
    "评分依据": Role.RUBRIC,
    "评分细则": Role.RUBRIC,
    "指标解释": Role.RUBRIC,
    "指标说明": Role.RUBRIC,
    "评价要点": Role.RUBRIC,
    "评价标准": Role.RUBRIC,
    "计分方法": Role.RUBRIC,
    "评分办法": Role.RUBRIC,
}

FUNDS_WORDS: dict[str, Role] = {
    "项目资金": Role.LABEL,
    "资金来源": Role.LABEL,
    "年度预算": Role.LABEL,
    # the department forms' blocks (基础数据表: 经费控制情况 上年决算数 当年预算数 当年决算数)
    "经费控制情况": Role.LABEL,
    "预算执行情况": Role.LABEL,
    "支出执行情况": Role.LABEL,
    # a block of one row is headed by its row's own label (项目支出（万元） 全年预算数 …)
    "基本支出": Role.LABEL,
    "项目支出": Role.LABEL,
    "三公经费": Role.LABEL,
    "上年决算数": Role.PRIOR,
    "上年决算": Role.PRIOR,
    "上年支出数": Role.PRIOR,
    "当年决算数": Role.EXECUTED,
    "本年决算数": Role.EXECUTED,
    "本年预算数": Role.ADJUSTED,
    "本年执行数": Role.EXECUTED,
    "当年执行数": Role.EXECUTED,
    "年初预算数": Role.INITIAL,
    "全年预算数": Role.ADJUSTED,
    "全年预算": Role.ADJUSTED,
    "调整预算数": Role.ADJUSTED,
    "预算数": Role.ADJUSTED,
    "调整后预算数": Role.ADJUSTED,
    "当年预算数": Role.ADJUSTED,
    "全年执行数": Role.EXECUTED,
    "全年执行": Role.EXECUTED,
    "决算数": Role.EXECUTED,
    "实际执行数": Role.EXECUTED,
    "实际支出数": Role.EXECUTED,
    "执行数": Role.EXECUTED,
    "执行率": Role.RATE,
    "预算执行率": Role.RATE,
    "分值": Role.WEIGHT,
    "得分": Role.SCORE,
}

FUNDS_MEASURE = {
    Role.INITIAL: FundsMeasure.initial_budget,
    Role.ADJUSTED: FundsMeasure.adjusted_budget,
    Role.EXECUTED: FundsMeasure.executed,
    Role.PRIOR: FundsMeasure.prior_executed,
    Role.RATE: FundsMeasure.execution_rate,
    Role.WEIGHT: FundsMeasure.weight,
    Role.SCORE: FundsMeasure.score,
}

_SUFFIXES = (
    "（万元）",
    "(万元)",
    "（元）",
    "(元)",
    "（%）",
    "(%)",
    "（分）",
    "(分)",
    "（A）",
    "(A)",
    "（B）",
    "(B)",
    "：",
    ":",
)
_MAX_PIECES = 4


DATED_WORDS: dict[str, Role] = {
    "年决算数": Role.EXECUTED,
    "年预算数": Role.ADJUSTED,
    "年执行数": Role.EXECUTED,
    "年支出数": Role.EXECUTED,
}
"""Funds columns headed by a year (``2022 年决算数``, ``2023年预算数``): in one header, the
决算数 of an earlier year than another column's is last year's (``Role.PRIOR``)."""
_YEAR_HEAD = re.compile(r"^((?:19|20)\d{2})(?=年|$)")


@dataclass(frozen=True)
class Column:
    role: Role
    word: str  # the vocabulary word it matched
    units: tuple[Unit, ...]  # the units it is written in
    year: int | None = None  # the year heading it (2022 年决算数)

    @property
    def start(self) -> int:
        return self.units[0].start

    @property
    def end(self) -> int:
        return self.units[-1].end

    @property
    def written(self) -> str:
        """The header as written, whitespace removed (``实际完成\\n值`` → ``实际完成值``)."""
        return "".join(u.text for u in self.units)


@dataclass(frozen=True)
class Header:
    kind: str  # "indicators" or "funds"
    columns: tuple[Column, ...]
    first: int  # index of its first unit
    stop: int  # index just past its last unit

    def roles(self) -> list[Role]:
        return [c.role for c in self.columns]

    def column(self, role: Role) -> Column | None:
        return next((c for c in self.columns if c.role is role), None)


_BY_LENGTH = {
    name: sorted(words, key=len, reverse=True)
    for name, words in (("indicators", INDICATOR_WORDS), ("funds", FUNDS_WORDS))
}
_DATED_BY_LENGTH = sorted(DATED_WORDS, key=len, reverse=True)
_ALL_WORDS = sorted(set(INDICATOR_WORDS) | set(FUNDS_WORDS), key=len, reverse=True)
_FIRST_CHARS = {w[0] for w in _ALL_WORDS}


def match_word(pieces: list[Unit], i: int, words: list[str]) -> tuple[str, int] | None:
    """The longest column word that pieces ``i…`` spell (a word may run over several pieces
    and be followed by a unit such as ``（万元）``), and how many pieces it takes."""
    if pieces[i].text[0] not in _FIRST_CHARS:
        return None
    joined = ""
    best: tuple[str, int] | None = None
    for k in range(i, min(i + _MAX_PIECES, len(pieces))):
        joined += pieces[k].text
        if len(joined) > 16:
            break
        for w in words:
            if joined == w or (joined.startswith(w) and joined[len(w) :] in _SUFFIXES):
                if best is None or len(w) > len(best[0]):
                    best = (w, k + 1 - i)
                break
        if not any(w.startswith(joined) or joined.startswith(w) for w in words):
            break
    return best


def find_headers(pieces: list[Unit]) -> list[Header]:
    """Every indicator and funds header among the units, in order, not overlapping."""
    out: list[Header] = []
    i = 0
    while i < len(pieces):
        found = header_at(pieces, i)
        if found is None:
            i += 1
            continue
        out.append(found)
        i = found.stop
    return out


def header_at(pieces: list[Unit], i: int) -> Header | None:
    for kind, vocab in (("funds", FUNDS_WORDS), ("indicators", INDICATOR_WORDS)):
        columns: list[Column] = []
        k = i
        while k < len(pieces):
            m = match_word(pieces, k, _BY_LENGTH[kind])
            year = None
            if m is None and kind == "funds" and (d := _dated_word(pieces, k)) is not None:
                (word, n), year = d
                role = DATED_WORDS[word]
            elif m is None:
                break
            else:
                word, n = m
                role = vocab[word]
            column = Column(role, word, tuple(pieces[k : k + n]), year)
            if any(c.role is role for c in columns):
                columns, column = _dated_pair(columns, column)
                if column is None:
                    break  # a second 得分: the next header, or a row
            columns.append(column)
            k += n
        header = _valid(kind, columns, i, k)
        if header is None:
            header = _two_lines(pieces, i, kind, vocab)
        if header is not None:
            return header
    return None


def _dated_word(pieces: list[Unit], k: int) -> tuple[tuple[str, int], int] | None:
    """A funds column headed by its year, written as one piece (``2023年预算数``) or two
    (``2022 年决算数``): the dated word, the pieces it takes and the year."""
    m = _YEAR_HEAD.match(pieces[k].text)
    if m is None:
        return None
    rest = pieces[k].text[m.end() :]
    year = int(m.group(1))
    if rest:
        found = _completed(rest, _DATED_BY_LENGTH)
        return ((found, 1), year) if found is not None else None
    if k + 1 < len(pieces) and pieces[k + 1].gap <= Gap.HARD:
        found = _completed(pieces[k + 1].text, _DATED_BY_LENGTH)
        return ((found, 2), year) if found is not None else None
    return None


def _dated_pair(columns: list[Column], column: Column) -> tuple[list[Column], Column | None]:
    """A second column of one role is taken when both are dated and their years differ: the
    earlier year's is last year's figure (2022 年决算数 beside 2023 年决算数)."""
    same = next(c for c in columns if c.role is column.role)
    if column.role is not Role.EXECUTED or same.year is None or column.year is None:
        return columns, None
    if same.year == column.year or any(c.role is Role.PRIOR for c in columns):
        return columns, None
    if same.year < column.year:
        return [replace(c, role=Role.PRIOR) if c is same else c for c in columns], column
    return columns, replace(column, role=Role.PRIOR)


_AMOUNTS = {Role.INITIAL, Role.ADJUSTED, Role.EXECUTED, Role.PRIOR}


def _valid(kind: str, columns: list[Column], i: int, k: int) -> Header | None:
    roles = {c.role for c in columns}
    if kind == "funds":
        budget = roles & {Role.INITIAL, Role.ADJUSTED, Role.EXECUTED}
        # three columns (年初预算数 全年预算数 全年执行数 …), or a row-label column and two
        # amounts (经费控制情况 当年预算数 当年决算数): two amount words alone are prose
        if budget and (
            len(roles - {Role.LABEL}) >= 3
            or (columns[0].role is Role.LABEL and len(roles & _AMOUNTS) >= 2)
        ):
            return Header(kind, tuple(columns), i, k)
    elif Role.NAME not in roles and {Role.LEVEL1, Role.LEVEL2, Role.SCORE} <= roles:
        # a scoring table that stops at the 二级指标 (一级指标 二级指标 得分): its level-2
        # cells are the rows scored, the leaves a 三级指标 column holds elsewhere
        leaf = [replace(c, role=Role.NAME) if c.role is Role.LEVEL2 else c for c in columns]
        return Header(kind, tuple(leaf), i, k)
    elif (
        Role.NAME in roles
        and len(
            roles & {Role.LEVEL1, Role.LEVEL2, Role.TARGET, Role.ACTUAL, Role.WEIGHT, Role.SCORE}
        )
        >= 2
    ):
        return Header(kind, tuple(columns), i, k)
    return None


def _two_lines(pieces: list[Unit], i: int, kind: str, vocab: dict[str, Role]) -> Header | None:
    """A header whose words are broken over two lines column by column, as indented text
    writes a two-line header cell: ``一级  二级  三级指标 … 偏差原因分析`` over ``指标  指标 …
    及改进措施``.  The heads on the first line take the tails on the second in order."""
    if i > 0 and pieces[i].gap not in (Gap.LINE, Gap.BLANK):
        return None
    line1 = _line(pieces, i)
    line2 = _line(pieces, i + len(line1))
    if len(line1) < 3 or not line2:
        return None
    words = _BY_LENGTH[kind]
    tails = list(line2)
    columns: list[Column] = []
    for head in line1:
        t = head.text
        if tails and (w := _completed(t + tails[0].text, words)) is not None:
            columns.append(Column(vocab[w], w, (head, tails.pop(0))))
        elif (w := _completed(t, words)) is not None:
            columns.append(Column(vocab[w], w, (head,)))
        else:
            return None
    if tails:
        return None
    return _valid(kind, columns, i, i + len(line1) + len(line2))


def _completed(text: str, words: list[str]) -> str | None:
    for w in words:
        if text == w or (text.startswith(w) and text[len(w) :] in _SUFFIXES):
            return w
    return None


def _line(pieces: list[Unit], i: int) -> list[Unit]:
    out: list[Unit] = []
    k = i
    while k < len(pieces) and (k == i or pieces[k].gap not in (Gap.LINE, Gap.BLANK)):
        out.append(pieces[k])
        k += 1
    return out
