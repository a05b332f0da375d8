"""Reading the rows of an indicator table from a run of units, under the columns its header
names.

The rows follow the header's columns in order, but any cell may be missing (a merged level
cell is written once, blank cells vanish in flattened text), a cell may be spread over several
pieces, and nothing marks where a row ends.  So the reader aligns units to columns the way a
sequence aligner does: each row is a left-to-right walk through the columns, filling some of
them with groups of consecutive units, and the reading of the whole block is the one whose
cells best fit their columns — numbers under 分值/得分, targets with comparators under 年度指标
值, level words under 一级/二级指标, weighted labels (``目标设定(15分)``) in a scoring table —
found by dynamic programming over (position, last column filled, what the row holds).

The prices are the form's, not any document's: how well a group fits a column, what it costs
to run pieces together across a strong separator (a tab, a line break), what it costs to leave
a unit unread, and a bonus for a whole row (a name with its weight and score).  A row whose
score exceeds its weight is allowed (reports do that, and the checker must see it), only a
little less likely than one that does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.forms import values as V
from pipeline.extract.forms.headers import Role
from pipeline.extract.forms.tokens import Gap, Unit

_NAME, _WEIGHT, _SCORE, _VALUE = 1, 2, 4, 8
_BITS = {
    Role.NAME: _NAME,
    Role.WEIGHT: _WEIGHT,
    Role.SCORE: _SCORE,
    Role.TARGET: _VALUE,
    Role.ACTUAL: _VALUE,
}
_MAX_GROUP = {
    Role.LEVEL1: 4,
    Role.LEVEL2: 4,
    Role.NAME: 5,
    Role.TARGET: 4,
    Role.ACTUAL: 4,
    Role.WEIGHT: 1,
    Role.SCORE: 1,
    Role.NOTE: 16,
    Role.RUBRIC: 16,
}
_JOIN = {Gap.NONE: 0.0, Gap.SOFT: -0.25, Gap.HARD: -1.5, Gap.LINE: -0.5, Gap.BLANK: -1.2}
_BEAM = 12
_MAX_WEIGHT = 100


@dataclass
class Row:
    """One row read: the units of each column it fills, and the repairs made."""

    cells: dict[Role, tuple[Unit, ...]] = field(default_factory=dict)
    glued: dict[Role, tuple[Unit, int, int]] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)


def read_rows(units: list[Unit], columns: list[Role]) -> tuple[list[Row], int]:
    """The best reading of ``units`` as rows under ``columns``, and how many units it covers
    (the rest, after its last row, is not part of the table)."""
    cols = [r for r in columns if r is not Role.GROUP]
    if Role.NAME not in cols or not units:
        return [], 0
    scoring = Role.TARGET not in cols and Role.ACTUAL not in cols
    return _Aligner(units, cols, scoring).run()


class _Aligner:
    def __init__(self, units: list[Unit], cols: list[Role], scoring: bool) -> None:
        self.units = units
        self.cols = cols
        self.scoring = scoring
        self.name_col = cols.index(Role.NAME)
        self.level1_col = cols.index(Role.LEVEL1) if Role.LEVEL1 in cols else None
        self.level2_col = cols.index(Role.LEVEL2) if Role.LEVEL2 in cols else None
        self.weight_col = cols.index(Role.WEIGHT) if Role.WEIGHT in cols else None
        self.score_col = cols.index(Role.SCORE) if Role.SCORE in cols else None
        self.ambiguous_ends = {
            j
            for a in range(len(units))
            for j in range(a + 1, min(a + _MAX_GROUP[Role.LEVEL1], len(units)) + 1)
            if _ambiguous_level("".join(u.text for u in units[a:j]))
        }
        self.rubric = Role.RUBRIC in cols
        self.texts = [u.text for u in units]
        self._fits: dict[tuple, float | None] = {}

    # ------------------------------------------------------------- the search

    def run(self) -> tuple[list[Row], int]:
        m = len(self.units)
        # best[i]: (last column, flags) -> (score, back pointer)
        best: list[dict[tuple[int, int], tuple[float, tuple | None]]] = [{} for _ in range(m + 1)]
        best[0][(-1, 0)] = (0.0, None)
        for i in range(m + 1):
            states = best[i]
            # a row may end here: that makes the state (no column, nothing held)
            for (c, f), (s, _) in list(states.items()):
                if c >= 0 and f & _NAME:
                    self._offer(best, i, (-1, 0), s + self._row_bonus(f), (i, (c, f), ("end",)))
            if i == m:
                break
            ranked = sorted(states.items(), key=lambda kv: -kv[1][0])[:_BEAM]
            for (c, f), (s, _) in ranked:
                key = (c, f)
                self._offer(best, i + 1, key, s + self._skip(i), (i, key, ("skip",)))
                last = len(self.cols) - 1 if c >= 0 else self.name_col
                for c2 in range(c + 1, last + 1):
                    role = self.cols[c2]
                    for j in range(i + 1, min(i + _MAX_GROUP[role], m) + 1):
                        fit = self.fit(c2, i, j, c)
                        if fit is None:
                            continue
                        if (
                            c == self.level1_col
                            and self.level2_col is not None
                            and c2 != self.level2_col
                            and i in self.ambiguous_ends
                        ):
                            # a level-1 cell opens a level-2 cell under it: a word of both
                            # levels (成本指标: level 2 under 产出指标 in the older forms,
                            # level 1 in the newer) followed straight by a name is a level 2
                            fit -= 1.5
                        self._offer(
                            best, j, (c2, f | _BITS.get(role, 0)), s + fit, (i, key, ("fill", c2))
                        )
                self._offer_glued(best, i, c, f, s)
        return self._backtrack(best)

    def _unit_follows(self, k: int) -> bool:
        """Whether unit ``k`` is a bare unit word (家, 个) written just after a number, or
        goes on a sentence with one (``5 分，执行有效得``: a rubric's figure, not a cell)."""
        return (
            k < len(self.units)
            and self.units[k].gap in (Gap.NONE, Gap.SOFT)
            and (V.unit_only(self.units[k].text) or bool(_UNIT_CLAUSE.match(self.units[k].text)))
        )

    @staticmethod
    def _offer(best, j: int, key: tuple[int, int], score: float, back: tuple) -> None:
        old = best[j].get(key)
        if old is None or score > old[0] + 1e-9:
            best[j][key] = (score, back)

    def _offer_glued(self, best, i: int, c: int, f: int, s: float) -> None:
        """OCR glued a row's weight and score into one run (``1010``): offered only where
        exactly one cut gives a weight of at most 100 and a score within it."""
        w, sc = self.weight_col, self.score_col
        if w is None or sc != w + 1 or c >= w or (c < 0 and not f):
            return
        cut = glued_pair(self.units[i].text)
        if cut is None or self._unit_follows(i + 1):
            return
        back = (i, (c, f), ("glued", w, sc, cut))
        self._offer(best, i + 1, (sc, f | _WEIGHT | _SCORE), s + 3.2, back)

    def _backtrack(self, best) -> tuple[list[Row], int]:
        end = max(
            (i for i in range(len(best)) if (-1, 0) in best[i]),
            key=lambda i: (best[i][(-1, 0)][0], i),
        )
        actions: list[tuple[int, int, tuple]] = []
        i, key = end, (-1, 0)
        while best[i][key][1] is not None:
            prev_i, prev_key, action = best[i][key][1]
            actions.append((prev_i, i, action))
            i, key = prev_i, prev_key
        actions.reverse()
        rows: list[Row] = []
        current = Row()
        for a, b, action in actions:
            if action[0] == "end":
                rows.append(current)
                current = Row()
            elif action[0] == "fill":
                group = tuple(self.units[a:b])
                current.cells[self.cols[action[1]]] = group
                current.repairs += [u.repaired for u in group if u.repaired]
            elif action[0] == "glued":
                _, w, sc, (cut, _wv, _sv) = action
                unit = self.units[a]
                current.glued[self.cols[w]] = (unit, 0, cut)
                current.glued[self.cols[sc]] = (unit, cut, len(unit.text))
                current.repairs.append(
                    f"glued digits {unit.text!r} read as weight {unit.text[:cut]} and score "
                    f"{unit.text[cut:]}"
                )
        covered = end
        return rows, covered

    # ------------------------------------------------------------- the prices

    def _row_bonus(self, f: int) -> float:
        """What a finished row is worth beyond its cells: a row is whole when it has its
        weight and score (the columns every scorecard fills); a row without them, in a table
        that has them, is more likely a cell torn from its neighbour's row."""
        bonus = -1.0  # a row is not free: cutting one row in two must pay for itself
        if f & _WEIGHT and f & _SCORE:
            bonus += 1.5
        elif f & _SCORE:
            bonus += 0.8
        elif f & _WEIGHT:
            bonus += 0.4
        elif self.weight_col is not None or self.score_col is not None:
            bonus -= 1.0
        if f & _VALUE:
            bonus += 0.3
        if not f & (_WEIGHT | _SCORE | _VALUE):
            bonus -= 1.0
        return bonus

    def _skip(self, i: int) -> float:
        t = self.units[i].text
        if V.placeholder(t) or t.strip("…．.·") == "" or _placeholder_row(t):
            return -0.2
        if V.number(t) is not None:
            return -1.5
        if len(t) >= 15:
            return -0.5
        return -1.2

    def fit(self, col: int, i: int, j: int, prev_col: int) -> float | None:
        """How well units i..j fit column ``col`` after column ``prev_col``, memoized: the
        fit depends on the column's role and, for a score, on whether a weight precedes it,
        so the columns of one role and the states before them share one computation."""
        role = self.cols[col]
        after_weight = role is Role.SCORE and prev_col == self.weight_col and i > 0
        key = (role, i, j, after_weight)
        if key not in self._fits:
            self._fits[key] = self._fit(role, i, j, prev_col)
        return self._fits[key]

    def _fit(self, role: Role, i: int, j: int, prev_col: int) -> float | None:
        group = self.units[i:j]
        text = "".join(self.texts[i:j])
        join = sum(_JOIN[u.gap] for u in group[1:])
        fit = self._cell(role, text, group, prev_col, i)
        return None if fit is None else fit + join

    def _cell(self, role: Role, text: str, group, prev_col: int, i: int) -> float | None:
        if role is Role.LEVEL1:
            if V.level1(text):
                return 2.5
            # the level-1 words are a closed set (决策 过程 产出 效益 …): another weighted label
            # is a level 2 or a name far more often than an unlisted level 1
            return 0.4 if self.scoring and V.weighted_label(text) and len(group) <= 3 else None
        if role is Role.LEVEL2:
            if V.level2(text):
                # a word of both levels is a level 1 (满意度指标) unless it is one the
                # forms moved between levels (成本指标), which its neighbours decide
                return 2.2 if V.level1(text) and not _ambiguous_level(text) else 2.5
            if self.scoring and V.weighted_label(text):
                return 1.2
            return None
        if role is Role.NAME:
            if len(group) > 1 and V.figure(group[-1].text):
                return None  # a name does not end in a figure: that is the next cell
            return self._name(text)
        if role in (Role.TARGET, Role.ACTUAL):
            if V.unit_only(group[0].text) or self._unit_follows(i + len(group)):
                return None  # a cell neither starts with nor stops before its unit word
            return self._value(role, text)
        if role in (Role.WEIGHT, Role.SCORE):
            if self._unit_follows(i + len(group)):
                return None  # ``1 家``: a quantity, not a weight or a score
            return self._number(role, text, prev_col, i)
        if role is Role.NOTE:
            if _placeholder_row(text) or V.placeholder(text):
                return None
            if V.number(text) is not None or V.percent(text) is not None:
                return -0.3
            return 0.3 + (0.2 if len(text) >= 6 else 0.0)
        return 0.1 if len(text) >= 6 else -0.6  # rubric text: sentences, not a word

    def _name(self, text: str) -> float | None:
        if (
            V.number(text) is not None
            or V.percent(text) is not None
            or V.placeholder(text)
            or V.comparator_only(text)
            or V.unit_only(text)
            or _placeholder_row(text)
        ):
            return None
        if text.replace(" ", "") in ("指标", "指 标"):
            return None  # the tail of a level word broken by a space (数量 指标)
        fit = 1.5
        if not self.scoring and (V.level1(text) or V.level2(text)):
            fit = 0.4  # a name may repeat its level's words (服务对象满意度), but rarely
        if self.scoring and V.weighted_label(text):
            fit += 1.0
        if len(text) > 40:
            fit -= 1.5
        if self.rubric and _RUBRIC_LIKE.search(text):
            fit -= 1.2  # 目标与实际工作相符得满分，部分相符扣 1 分: the rubric cell, not a name
        if not self.scoring and _TARGET_LIKE.match(text):
            return None  # ≥50个, 95%以上: a target, not a name
        return fit

    def _value(self, role: Role, text: str) -> float | None:
        if (
            V.level1(text)
            or V.level2(text)
            or V.weighted_label(text)
            or _placeholder_row(text)
            or V.unit_only(text)  # 家 alone is the tail of ``1 家``, not a cell
        ):
            return None
        if V.percent(text) is not None or (V.quantity_like(text) and V.number(text) is None):
            return 2.0
        if V.number(text) is not None:
            return 1.6
        if role is Role.TARGET and V.misread_target(text) is not None:
            return 1.5
        if V.ocr_number(text) is not None:
            return 1.3
        if V.qualitative(text):
            return 1.5
        if V.period(text):
            return 1.2
        if V.placeholder(text):
            return 0.3
        return 0.2 if len(text) <= 15 else 0.1  # an actual is often a sentence

    def _number(self, role: Role, text: str, prev_col: int, i: int) -> float | None:
        n = V.number(text)
        fit = 2.0
        if n is None:
            n = V.ocr_number(text)
            fit = 1.6
            if n is not None and n.percent:
                n = None
        if n is None:
            return 0.2 if V.placeholder(text) else None
        if n.value < 0 or n.value > _MAX_WEIGHT:
            return None
        if role is Role.SCORE and prev_col == self.weight_col and i > 0:
            w = V.number(self.units[i - 1].text) or V.ocr_number(self.units[i - 1].text)
            if w is not None:
                fit += 0.8 if n.value <= w.value else -0.6
        return fit


_UNIT_CLAUSE = re.compile(r"^(?:分|个|家|人|次|项|天|%)[，。；、,;]")
_RUBRIC_LIKE = re.compile(r"[，。；;]|得满分|不得分|扣\s*\d|每[^，。]{0,8}扣")
"""What a scoring rule says and an indicator's name does not: a clause break, 得满分, 扣 N 分."""

_TARGET_LIKE = re.compile(
    r"^(?:≥|≤|>|<|＞|＜|=|不低于|不少于|不高于|不超过|大于|小于|达到|\d+(?:\.\d+)?\s*"
    r"(?:%|万元|元|万|个|家|人|次|件|项|户|公里|座|所|台|套|天|日|月|年|分)(?:$|以上|以下|以内))"
)


def _ambiguous_level(text: str) -> bool:
    return V.level1(text) and V.level2(text) and not text.startswith("满意度")


def _placeholder_row(text: str) -> bool:
    """``指标2:``, ``指标3：``, ``……``: the template's empty rows."""
    t = text.rstrip(":：")
    return (t.startswith("指标") and t[2:].isdigit()) or set(text) <= set("…．.·")


def glued_pair(text: str) -> tuple[int, object, object] | None:
    """The one cut of a digit run into (weight, score) with 0 ≤ score ≤ weight ≤ 100, as
    (cut, weight, score); None when there is no such cut or more than one."""
    if not text.isdigit() or len(text) < 2:
        return None
    found = []
    for cut_pair in V.splits(text, 2):
        (a, b), (c, d) = cut_pair
        w, s = V.to_decimal(text[a:b]), V.to_decimal(text[c:d])
        if w is not None and s is not None and 0 < s <= w <= _MAX_WEIGHT:
            found.append((b, w, s))
    return found[0] if len(found) == 1 else None
