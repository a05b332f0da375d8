"""Cross-reference rules: the same quantity stated twice says the same thing."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.rules.scores import card_name
from pipeline.check.statements import Statement, statements
from pipeline.check.tolerance import decimals as _decimals
from pipeline.check.tolerance import half_unit
from pipeline.schema import (
    Finding,
    FundsCategory,
    FundsLine,
    FundsMeasure,
    Quantity,
    Report,
    Scorecard,
    ScorecardKind,
    Severity,
    Span,
    clean_text,
)

NEAR = Decimal("0.01")
"""Two statements of one category and budget stage whose values differ by more than their
rounding but by at most 1% are taken to be the same quantity stated twice: figures of
different things (a budget and its execution, two institutions) rarely come that close,
while a mistyped or stale copy of a figure almost always does."""

_VAGUE = {FundsCategory.unknown, FundsCategory.other}

CATEGORY_ZH = {
    FundsCategory.total: "合计数",
    FundsCategory.general_public_budget: "一般公共预算拨款",
    FundsCategory.government_fund: "政府性基金",
    FundsCategory.special_account_non_tax: "专户管理非税收入",
    FundsCategory.operating_income: "事业收入",
    FundsCategory.carry_over: "上年结转",
    FundsCategory.basic_expenditure: "基本支出",
    FundsCategory.personnel: "人员经费",
    FundsCategory.public_operating: "公用经费",
    FundsCategory.project_expenditure: "项目支出",
    FundsCategory.three_public: "三公经费",
    FundsCategory.official_reception: "公务接待费",
    FundsCategory.vehicle: "公务用车购置及运行维护费",
    FundsCategory.vehicle_purchase: "公务用车购置费",
    FundsCategory.vehicle_operation: "公务用车运行维护费",
    FundsCategory.overseas_travel: "因公出国（境）费",
    FundsCategory.general_expenditure_cut: "压缩一般性支出",
    FundsCategory.balance: "当年结余",
    FundsCategory.accumulated_balance: "累计结余",
}

NEAR_TOTAL = Decimal("0.001")
"""Totals are many (income, expenditure, each table's 合计), so a total is taken to be
restated only when the two values are within 0.1%."""

_TO_WAN = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}


def _wan(s: Statement) -> Decimal:
    return s.value * _TO_WAN.get(s.quantity.unit or "万元", Decimal(1))


def _equal(a: Statement, b: Statement) -> bool:
    """Two statements of one quantity agree when the coarser one is the finer one rounded:
    shown to the same decimals they must be identical (rounding one true value twice the
    same way gives one display), so 254.03 and 254.04 disagree, 373.5 and 373.52 do not."""
    if a.quantity.unit != b.quantity.unit:
        return False
    if _decimals(a.value) == _decimals(b.value):
        return a.value == b.value
    return abs(a.value - b.value) <= max(half_unit(a.value), half_unit(b.value))


def _near(a: Statement, b: Statement) -> bool:
    if a.quantity.unit != b.quantity.unit or _equal(a, b):
        return False
    big = max(abs(_wan(a)), abs(_wan(b)))
    near = NEAR_TOTAL if a.category == FundsCategory.total else NEAR
    return big > 0 and abs(_wan(a) - _wan(b)) <= near * big


def _resolve_stages(group: list[Statement]) -> list[Statement]:
    """A statement of no stated stage or scope (a prose figure, a funds part without a
    column) takes those of a table statement it equals, so that it is compared only with
    statements of the same quantity.  The twin is the first such table statement in the
    group's order (found by ``_Twins``)."""
    twins = _Twins([(k, t) for k, t in enumerate(group) if not t.prose])
    out = []
    for k, s in enumerate(group):
        if s.stage == "any" or s.scope is None:
            twin = twins.first_equal(s, k)
            if twin is not None:
                s = replace(
                    s,
                    stage=twin.stage if s.stage == "any" else s.stage,
                    scope=s.scope or twin.scope,
                )
        out.append(s)
    return out


class _Twins:
    """The table statements of a group, by unit, sorted by value with one entry per value as
    shown (its first two positions in the group): the statements ``_equal`` to one lie within
    the largest half-unit of the two either side of it, a window found by bisection."""

    def __init__(self, indexed: list[tuple[int, Statement]]) -> None:
        firsts: dict[tuple[str | None, str], list[tuple[int, Statement]]] = {}
        for k, t in indexed:
            at = firsts.setdefault((t.quantity.unit, str(t.value)), [])
            if len(at) < 2:
                at.append((k, t))
        self.by_unit: dict[str | None, tuple[list[Decimal], list[list[tuple[int, Statement]]]]] = {}
        self.widest: dict[str | None, Decimal] = {}
        for (unit, _), at in sorted(firsts.items(), key=lambda e: (str(e[0][0]), e[1][0][1].value)):
            values, entries = self.by_unit.setdefault(unit, ([], []))
            values.append(at[0][1].value)
            entries.append(at)
            self.widest[unit] = max(self.widest.get(unit, Decimal(0)), half_unit(at[0][1].value))

    def first_equal(self, s: Statement, k: int) -> Statement | None:
        """The first table statement other than ``group[k]`` that ``_equal``s ``s``."""
        unit = s.quantity.unit
        if unit not in self.by_unit:
            return None
        values, entries = self.by_unit[unit]
        width = max(half_unit(s.value), self.widest[unit])
        best: tuple[int, Statement] | None = None
        for i in range(bisect_left(values, s.value - width), bisect_right(values, s.value + width)):
            for j, t in entries[i]:
                if j != k and _equal(s, t):
                    if best is None or j < best[0]:
                        best = (j, t)
                    break
        return best[1] if best is not None else None


def _linked(group: list[Statement]) -> list[list[int]]:
    """The components (of two or more) of the graph on ``group`` whose edges join two
    statements of one stage and scope that are ``_near``: the same quantity stated twice.

    Statements alike in unit, value as shown, stage and scope have the same edges, so the
    edges are found between their classes: sorted by size, a class is ``_near`` only to the
    classes within ``NEAR`` (0.1% for totals) of it, a window scanned from each."""
    classes: dict[tuple, list[int]] = {}
    for i, s in enumerate(group):
        classes.setdefault((s.quantity.unit, str(s.value), s.stage, s.scope), []).append(i)
    reps = sorted(
        (group[members[0]] for members in classes.values()),
        key=lambda s: (str(s.quantity.unit), abs(_wan(s))),
    )
    members_of = {id(group[m[0]]): m for m in classes.values()}
    group_members = {m[0]: m for m in classes.values()}
    near = NEAR_TOTAL if group and group[0].category == FundsCategory.total else NEAR
    edges: list[tuple[int, int]] = []
    joined: set[int] = set()  # classes with an edge: all their members are linked
    for x, a in enumerate(reps):
        reach = abs(_wan(a))
        for b in reps[x + 1 :]:
            if b.quantity.unit != a.quantity.unit or abs(_wan(b)) * (1 - near) > reach:
                break
            if a.same_stage(b) and a.same_scope(b) and _near(a, b):
                ma, mb = members_of[id(a)], members_of[id(b)]
                edges.append((ma[0], mb[0]))
                joined.update((ma[0], mb[0]))
    for first in joined:
        edges += [(first, m) for m in group_members[first][1:]]
    return _components(len(group), edges)


def _components(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (of two or more) of the graph on 0..n-1 with ``edges``."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in edges:
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


@rule("xref.same_quantity")
def same_quantity(report: Report) -> Iterator[Finding]:
    """A department-level figure (基本支出, 公用经费, 项目支出, 三公经费 …) stated in two
    places (two tables, a table and the prose) with values that differ beyond rounding but
    within 1%: one of the statements is wrong.  Statements linked by such differences form
    one finding."""
    groups: dict[FundsCategory, list[Statement]] = {}
    for s in statements(report):
        if s.category not in _VAGUE:
            groups.setdefault(s.category, []).append(s)
    for category, group in groups.items():
        group = _resolve_stages(group)
        for members in _linked(group):
            for stated in _by_stage([group[i] for i in members]):
                values = "、".join(dict.fromkeys(s.quantity.raw for s in stated))
                name = CATEGORY_ZH.get(category, category.value)
                yield finding(
                    "xref.same_quantity",
                    Severity.error,
                    f"{name}在不同位置所列数值不一致：{values}",
                    f"{category.value} is stated with different values in different places: "
                    f"{values}",
                    [Involved("statement", s.where, s.quantity) for s in stated],
                    expected=stated[0].value,
                    found=_found(stated),
                )


def _found(stated: list[Statement]) -> Decimal:
    """The statement that disagrees with the first, preferring one whose stage is stated
    over a prose figure of no stated stage."""
    differ = [s for s in stated[1:] if not _equal(s, stated[0])]
    return next((s for s in differ if s.stage != "any"), differ[0]).value


def _by_stage(linked: list[Statement]) -> list[list[Statement]]:
    """A linked group split by budget stage: statements of no stated stage (a prose figure)
    join each stage's group, but never bridge a budget and a spending figure."""
    stages = sorted({s.stage for s in linked} - {"any"}) or ["any"]
    out = []
    for stage in stages:
        stated = [s for s in linked if s.stage in (stage, "any")]
        if any(not _equal(a, stated[0]) for a in stated[1:]) and len(stated) > 1:
            out.append(stated)
    return out


def _department_expenditure(report: Report) -> list[Statement]:
    """Statements of the department's total expenditure for the year: the 支出合计 of the
    department-level tables (no institution, or the summary row)."""
    return [
        s
        for s in statements(report)
        if s.category == FundsCategory.total
        and not s.prose
        and "支出" in s.where
        and s.stage in ("executed", "any")
    ]


@rule("xref.executed_vs_spending")
def executed_vs_spending(report: Report) -> Iterator[Finding]:
    """A department self-evaluation table's 全年执行数 is the year's spending: it equals the
    支出合计 of the department's expenditure table.  (A preparer who copies the income total
    into it makes the execution rate 100% whatever was spent.)"""
    spending = [s for s in _department_expenditure(report) if "合计" in s.where]
    if not spending:
        return
    ref = spending[0]
    for card in report.scorecards:
        if card.kind != ScorecardKind.department:
            continue
        done = next(
            (
                f
                for f in card.funds
                if f.category == FundsCategory.total
                and f.measure == FundsMeasure.executed
                and f.amount.value is not None
            ),
            None,
        )
        if done is None or abs(done.amount.value - ref.value) <= half_unit(
            done.amount.value
        ) + half_unit(ref.value):
            continue
        where = f"{card_name(card)} / {done.label} / {done.column or ''}"
        yield finding(
            "xref.executed_vs_spending",
            Severity.error,
            f"{where}：全年执行数 {done.amount.raw} 与部门支出合计 {ref.quantity.raw} 不符",
            f"{where}: executed {done.amount.raw} differs from the department's total "
            f"expenditure {ref.quantity.raw}",
            [
                Involved("statement", where, done.amount),
                Involved("statement", ref.where, ref.quantity),
            ],
            expected=ref.value,
            found=done.amount.value,
        )


_INDICATOR_PREFIX = re.compile(r"^(?:指标\s*\d+\s*[:：]|\d+\s*[、.．])\s*")


@rule("xref.indicator_prose")
def indicator_prose(report: Report) -> Iterator[Finding]:
    """A rate an indicator reports as achieved (预算完成率 100%) and the same rate named in
    the prose (预算完成率94.33%) agree, to the rounding shown."""
    rates = [f for f in report.facts if f.quantity.unit == "%" and f.quantity.value is not None]
    for card in report.scorecards:
        for ind in card.indicators:
            a = ind.actual
            if a is None or a.value is None or a.unit != "%":
                continue
            name = _INDICATOR_PREFIX.sub("", clean_text(ind.name.raw))
            if len(name) < 4:
                continue
            said = [f for f in rates if name in clean_text(f.label)]
            differ = [
                f
                for f in said
                if abs(f.quantity.value - a.value)
                > half_unit(f.quantity.value) + half_unit(a.value)
            ]
            if not differ:
                continue
            where = f"{card_name(card)} / {ind.name.text}"
            values = "、".join(dict.fromkeys(f.quantity.raw + "%" for f in differ))
            yield finding(
                "xref.indicator_prose",
                Severity.error,
                f"{where}：实际完成值 {a.raw}，正文所述为 {values}",
                f"{where}: the table reports {a.raw}, the prose says {values}",
                [Involved("actual", where, a)]
                + [Involved("statement", f.label, f.quantity) for f in differ],
                expected=differ[0].quantity.value,
                found=a.value,
            )


_COST_NAME = re.compile(r"(?:投入|总|项目|资金)成本|成本投入|投入资金")
COST_NEAR = Decimal("0.1")
"""A cost indicator within 10% of the project's funds but not equal to them restates the
funds wrongly; further away it measures something else (a unit cost, a part)."""


@rule("xref.cost_vs_funds")
def cost_vs_funds(report: Report) -> Iterator[Finding]:
    """A project scorecard's cost indicator for the whole project (投入成本, 项目成本) states
    its budget as target and its spending as actual: they agree with the funds block's
    全年预算数 and 全年执行数."""
    for card in report.scorecards:
        budget = _card_total(card, (FundsMeasure.adjusted_budget, FundsMeasure.initial_budget))
        spent = _card_total(card, (FundsMeasure.executed,))
        for ind in card.indicators:
            if not _COST_NAME.search(clean_text(ind.name.raw)):
                continue
            for q, ref, what_zh, what_en in (
                (ind.target, budget, "指标值", "target"),
                (ind.actual, spent, "实际完成值", "actual"),
            ):
                if (
                    q is None
                    or q.value is None
                    or ref is None
                    or not (q.unit or "").startswith("万")
                ):
                    continue
                v, r = q.value, ref.amount.value
                gap = abs(v - r)
                if gap <= half_unit(v) + half_unit(r) or gap > COST_NEAR * max(abs(v), abs(r)):
                    continue
                where = f"{card_name(card)} / {ind.name.text}"
                yield finding(
                    "xref.cost_vs_funds",
                    Severity.error,
                    f"{where}：成本{what_zh} {q.raw} 与资金表 {ref.column or ref.label} {ref.amount.raw} 不符",
                    f"{where}: cost {what_en} {q.raw} differs from the funds block's "
                    f"{ref.column or ref.label} {ref.amount.raw}",
                    [
                        Involved(what_en, where, q),
                        Involved("statement", ref.column or ref.label, ref.amount),
                    ],
                    expected=r,
                    found=v,
                )


def _card_total(card: Scorecard, measures: tuple[FundsMeasure, ...]) -> FundsLine | None:
    """The funds block's 年度资金总额 figure of the first of ``measures`` it states."""
    for m in measures:
        for f in card.funds:
            if f.category == FundsCategory.total and f.measure == m and f.amount.value is not None:
                return f
    return None


_COUNT_UNITS = "家个户项件次人座所台套场批"
_GOAL_FIGURE = re.compile(rf"(\d+(?:\.\d+)?)\s*([{_COUNT_UNITS}])")
_CLAUSE_START = re.compile(r"[，,。；;：:、\n（(]")
MIN_COMMON = 4
"""Characters an indicator's name and the words before a goal's figure must share (as one
run) for the two to be taken as the same target: 新增规模 in 完成新增规模企业 and
新增规模工业企业15家以上."""


def _common_run(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


@rule("xref.goal_target")
def goal_target(report: Report) -> Iterator[Finding]:
    """A count target stated in a scorecard's goals (年度总体目标: 新增规模工业企业15家以上)
    and in its indicator table (完成新增规模企业 不低于20家) is one target: the figures
    agree.  Counts only (家, 个, 项 …), whose units these tables use interchangeably."""
    for card in report.scorecards:
        targets = [
            ind
            for ind in card.indicators
            if ind.target is not None
            and ind.target.value is not None
            and (ind.target.unit or "") in _COUNT_UNITS
            and ind.target.unit
        ]
        for goal in card.goals:
            text = goal.expected
            if text is None or text.span is None:
                continue
            for m in _GOAL_FIGURE.finditer(text.raw):
                head = text.raw[: m.start()]
                cut = max((x.end() for x in _CLAUSE_START.finditer(head)), default=0)
                words = clean_text(head[cut:])
                best = max(
                    targets,
                    key=lambda ind: (
                        _common_run(clean_text(ind.name.raw), words),
                        len(set(clean_text(ind.name.raw)) & set(words)),
                    ),
                    default=None,
                )
                if best is None or _common_run(clean_text(best.name.raw), words) < MIN_COMMON:
                    continue
                value = Decimal(m.group(1))
                if value == best.target.value:
                    continue
                start = text.span.start + m.start(1)
                stated = Quantity(
                    raw=m.group(1),
                    span=Span(start=start, end=start + len(m.group(1))),
                    value=value,
                    unit=m.group(2),
                )
                where = f"{card_name(card)} / {best.name.text}"
                yield finding(
                    "xref.goal_target",
                    Severity.error,
                    f"{where}：指标值 {best.target.raw}，年度目标中为 {words}{m.group(0)}",
                    f"{where}: the indicator's target is {best.target.raw}, the goals say "
                    f"{words}{m.group(0)}",
                    [Involved("target", where, best.target), Involved("goal", "年度目标", stated)],
                    expected=value,
                    found=best.target.value,
                )
