"""The figures a draft may state: read from a Report, or derived from them by a declared
computation.

Drafting and verifying share this one list.  A template writes only figures from it; the
faithfulness verifier accepts a number in any draft (template or model) only when it equals a
figure here at the precision the draft shows.  Derivations are declared, never searched for:
a rate is executed ÷ budget *of the same category*, a share is a part ÷ its own total, a
deduction is an indicator's weight − its score.  An open search over every pair of the
Report's hundreds of figures would find a pair for almost any number, and a verifier that
accepts anything verifies nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.check.rules.targets import comparator_of, missed
from pipeline.check.statements import statements
from pipeline.check.tables import is_total_label
from pipeline.check.tolerance import HUNDRED, rounded
from pipeline.check.tolerance import decimals as decimals_of
from pipeline.draft.numbers import MONEY, numbers
from pipeline.schema import (
    FundsCategory,
    FundsMeasure,
    Grounded,
    Indicator,
    Quantity,
    Report,
    Scorecard,
    ScorecardKind,
    Severity,
    Span,
    clean_text,
)

C = FundsCategory

INCOME = (
    (C.general_public_budget, "一般公共预算拨款"),
    (C.government_fund, "政府性基金拨款"),
    (C.special_account_non_tax, "纳入专户管理的非税收入"),
    (C.operating_income, "事业收入"),
    (C.other, "其他收入"),
    (C.carry_over, "上年结转结余"),
)
EXPENDITURE = (
    (C.basic_expenditure, "基本支出"),
    (C.personnel, "人员经费"),
    (C.public_operating, "公用经费"),
    (C.project_expenditure, "项目支出"),
    (C.three_public, "“三公”经费"),
)
STAGES = ("budget", "initial", "executed", "prior", "any")


@dataclass(frozen=True)
class Figure:
    """One number a draft may state, with how it was obtained."""

    key: str
    label: str
    value: Decimal
    unit: str | None
    decimals: int
    how: str  # "stated: <where>" or "<computation>: <operands>"
    span: Span | None = None

    @property
    def text(self) -> str:
        """The number as a draft writes it: the decimals shown in the source."""
        return f"{rounded(self.value, self.decimals):f}"


POLICY_RATE = Figure(
    "policy.execution_rate",
    "预算执行率考核线",
    Decimal(90),
    "%",
    0,
    "policy: an execution rate under 90% is a finding of the review (财预〔2020〕10号 practice)",
)
"""A declared constant: drafts say when execution fell under it, and may name it."""


def stated(key: str, label: str, q: Quantity, where: str, unit: str | None = None) -> Figure:
    assert q.value is not None
    return Figure(
        key, label, q.value, unit or q.unit, decimals_of(q.value), f"stated: {where}", q.span
    )


def in_wan(f: Figure) -> Decimal:
    """An amount in 万元, whatever unit it is stated in (declared conversion: 元 ÷ 10000)."""
    return f.value * MONEY.get(f.unit or "万元", Decimal(1))


def written(key: str, text: str | None, where: str, span: Span | None = None) -> list[Figure]:
    """The numbers written inside a stated text (a target cell, a note, a name), as stated
    figures: a draft that quotes the text repeats them."""
    if not text:
        return []
    return [
        Figure(f"{key}.{k}", where, n.value, n.unit, n.decimals, f"stated: {where}", span)
        for k, n in enumerate(numbers(text))
    ]


def derived(
    key: str, label: str, value: Decimal, unit: str | None, decimals: int, how: str
) -> Figure:
    return Figure(key, label, value, unit, decimals, how)  # exact; shown rounded


@dataclass
class IndicatorView:
    """An indicator row as a draft speaks of it."""

    card: str
    level1: str | None
    level2: str | None
    name: str
    target: str | None
    actual: str | None
    status: str  # exceeded, met, missed, qualitative, unknown
    weight: Figure | None = None
    score: Figure | None = None
    deduction: Figure | None = None
    gap: Figure | None = None  # |actual − target| for numeric targets
    target_figure: Figure | None = None
    actual_figure: Figure | None = None
    note: str | None = None
    disputed: bool = False  # a checker finding names its actual
    level1_key: str | None = None  # its level-1 cell as written, whitespace out
    project: str | None = None  # the project of its card, when the card is a project's


@dataclass
class CardView:
    name: str
    project: str | None
    total: Figure | None
    max_score: Figure | None
    grade: str | None
    is_project: bool = False
    indicators: list[IndicatorView] = field(default_factory=list)
    level_scores: dict[str, tuple[Figure, Figure, Figure | None]] = field(default_factory=dict)
    """level-1 name → (weight, score, deduction) when the scores are given per group (the
    group's weight written on its first row, as 产出指标（50分）)."""
    counts: dict[str, Figure] = field(default_factory=dict)
    written: list[Figure] = field(default_factory=list)  # numbers inside its texts


@dataclass
class BudgetLine:
    category: FundsCategory
    label: str
    figures: dict[str, Figure]  # stage → figure
    rate: Figure | None = None
    share: Figure | None = None
    computed_rate: Figure | None = None  # when the stated rate disagrees with the amounts


@dataclass
class DraftFacts:
    """Everything a draft of a Report may state, figures first."""

    doc_id: str
    unit_name: str | None
    year: Figure | None
    next_year: Figure | None
    total: BudgetLine | None
    income: list[BudgetLine]
    expenditure: list[BudgetLine]
    cards: list[CardView]
    findings: list[tuple[str, str]]  # (severity, message_zh)
    counts: dict[str, Figure]
    extra: list[Figure] = field(default_factory=list)
    partial: bool = False  # a model failed to read part of the document

    def figures(self) -> list[Figure]:
        out: list[Figure] = [f for f in (self.year, self.next_year) if f is not None]
        for line in [self.total, *self.income, *self.expenditure]:
            if line is None:
                continue
            out += list(line.figures.values())
            out += [f for f in (line.rate, line.share, line.computed_rate) if f is not None]
        for card in self.cards:
            out += [f for f in (card.total, card.max_score) if f is not None]
            for scores in card.level_scores.values():
                out += [f for f in scores if f is not None]
            out += list(card.counts.values())
            out += card.written
            for ind in card.indicators:
                out += [
                    f
                    for f in (
                        ind.weight,
                        ind.score,
                        ind.deduction,
                        ind.gap,
                        ind.target_figure,
                        ind.actual_figure,
                    )
                    if f
                ]
        out += list(self.counts.values())
        out += self.extra
        return out


# --------------------------------------------------------------------------- budget


def _budget_lines(report: Report) -> tuple[BudgetLine | None, list[BudgetLine], list[BudgetLine]]:
    """Per category, the first statement of each stage: the department's scorecard first
    (its 全年预算数 is the adjusted budget; a basic-data table's 当年预算数 may be the year-start
    one), then the other tables, then prose.  A statement labelled with another year (较2018年
    “三公”经费预算数) is not this year's."""
    found: dict[tuple[FundsCategory, str], Figure] = {}
    cards = [c for c in report.scorecards if not is_project(c)]
    ordered = statements(report.model_copy(update={"scorecards": cards, "funds": [], "facts": []}))
    ordered += sorted(
        statements(report.model_copy(update={"scorecards": []})), key=lambda s: s.prose
    )
    year = (
        f"{report.meta.fiscal_year.value:f}"
        if report.meta.fiscal_year and report.meta.fiscal_year.value
        else None
    )
    for s in ordered:
        if s.quantity.value is None:
            continue
        if s.scope is not None and s.category not in (C.personnel, C.public_operating):
            continue
        years = re.findall(r"(?:19|20)\d\d", s.where)
        if year and any(y != year for y in years):
            continue
        key = (s.category, s.stage)
        if key not in found:
            found[key] = stated(
                f"budget.{s.category.value}.{s.stage}",
                s.where,
                s.quantity,
                s.where,
                "万元" if s.quantity.unit in (None, "万元") else s.quantity.unit,
            )
    rates = _stated_rates(report)

    def line(category: FundsCategory, label: str) -> BudgetLine | None:
        figs = {stage: found[(category, stage)] for stage in STAGES if (category, stage) in found}
        if not figs:
            return None
        out = BudgetLine(category, label, figs)
        budget = figs.get("budget") or figs.get("initial")
        executed = figs.get("executed")
        computed = None
        if budget and executed and budget.value:
            computed = derived(
                f"rate.{category.value}.computed",
                f"{label}执行率",
                in_wan(executed) / in_wan(budget) * HUNDRED,
                "%",
                2,
                f"rate: {executed.label} ÷ {budget.label} × 100",
            )
        out.rate = rates.get(category, computed)
        if out.rate is not computed and computed is not None:
            # a stated rate the amounts do not give (beyond its rounding) is worth saying
            if rounded(computed.value, out.rate.decimals) != out.rate.value:
                out.computed_rate = computed
        return out

    total = line(C.total, "全年预算")
    income = [x for c, lbl in INCOME if (x := line(c, lbl))]
    expenditure = [x for c, lbl in EXPENDITURE if (x := line(c, lbl))]
    # income is a share of the year's funds (budget), spending of what was spent
    _shares(income, total, ("any", "budget", "initial"))
    parts = [e for e in expenditure if e.category in (C.basic_expenditure, C.project_expenditure)]
    _shares(parts, total, ("executed",))
    return total, income, expenditure


def amount_of(line: BudgetLine) -> Figure | None:
    """The line's amount for a sentence: spent if stated, else budgeted, else as stated."""
    f = line.figures
    return f.get("executed") or f.get("budget") or f.get("any") or f.get("initial")


def _shares(lines: list[BudgetLine], total: BudgetLine | None, stages: tuple[str, ...]) -> None:
    """Each part's share of the total (declared: part ÷ total × 100), both of the first of
    ``stages`` the total states; a share over 100% is no share and is not given."""
    if total is None:
        return
    stage = next((s for s in stages if s in total.figures), None)
    if stage is None or not total.figures[stage].value:
        return
    whole = total.figures[stage]
    for line in lines:
        part = next((line.figures[s] for s in (stage, *stages) if s in line.figures), None)
        if part is None or in_wan(part) > in_wan(whole):
            continue
        line.share = derived(
            f"share.{line.category.value}",
            f"{line.label}占比",
            in_wan(part) / in_wan(whole) * HUNDRED,
            "%",
            2,
            f"share: {part.label} ÷ {whole.label} × 100",
        )


def _stated_rates(report: Report) -> dict[FundsCategory, Figure]:
    out: dict[FundsCategory, Figure] = {}
    lines = [f for c in report.scorecards if not is_project(c) for f in c.funds] + [
        f
        for f in report.funds
        if (f.entity is None or is_total_label(f.entity)) and "项目" not in (f.table or "")
    ]
    for f in lines:
        if f.measure == FundsMeasure.execution_rate and f.amount.value is not None:
            out.setdefault(
                f.category,
                stated(f"rate.{f.category.value}", f"{f.label}执行率", f.amount, f.label, "%"),
            )
    return out


# --------------------------------------------------------------------------- scores


def _status(ind: Indicator) -> tuple[str, Figure | None]:
    t, a = ind.target, ind.actual
    if t is None or a is None:
        return "unknown", None
    if t.value is None or a.value is None:
        return "qualitative", None
    if t.unit and a.unit and t.unit != a.unit:
        return "unknown", None
    comparator = comparator_of(ind)
    miss = missed(t.value, a.value, comparator)
    if miss is None:
        return "unknown", None
    gap_value = abs(a.value - t.value)
    decimals = max(decimals_of(t.value), decimals_of(a.value))
    unit = a.unit or t.unit
    gap = derived(
        f"gap.{ind.name.text}",
        f"{ind.name.text}实际与目标之差",
        gap_value,
        "个百分点" if unit == "%" else unit,
        decimals,
        f"difference: |{a.raw} − {t.raw}|",
    )
    if miss:
        return ("over_cost" if comparator in ("<=", "<") else "missed"), gap
    if comparator in ("<=", "<") and gap_value:
        return "under_cost", gap  # under a cost cap: spent less than planned, not "exceeded"
    return ("exceeded" if gap_value and comparator in (">=", ">") else "met"), gap


def is_project(card: Scorecard) -> bool:
    """A project's scorecard: its kind says so, or its title or project name does (a
    项目支出绩效自评表 in a department report) — its funds are not the department's."""
    if card.kind == ScorecardKind.project or card.project_name is not None:
        return True
    return card.title is not None and "项目" in card.title.text


def _span(g: Grounded) -> tuple[int, int] | None:
    return g.span.as_tuple() if g.span is not None else None


def _level(g: Grounded | None) -> str | None:
    """A level-1 label for a sentence: its weight note （50分） and explanations in brackets
    left out (产出目标（部门工作实绩，包含…）→ 产出目标)."""
    text = _cell(g)
    if text is None:
        return None
    return re.sub(r"[（(][^）)]*[）)]", "", text) or text


def _cell(g: Grounded | None) -> str | None:
    """A cell's text for a sentence: whitespace out, closing punctuation off (the draft
    supplies its own)."""
    if g is None:
        return None
    text = clean_text(g.raw).rstrip("。；;，,、")
    # a cell's own sentence marks would break the draft's list: commas inside it
    return re.sub(r"[。；;]+", "，", text) or None


def _card(card: Scorecard, disputed: set[tuple[int, int]]) -> CardView:
    """A scorecard as drafts speak of it.  ``disputed``: spans a checker finding names."""
    name = _cell(card.title) if card.title else "自评表"
    name = " ".join(x for x in (name, card.group) if x)
    headers = {
        clean_text(h.name.raw): h.weight.value
        for h in card.level_headers
        if h.weight.value is not None
    }
    view = CardView(
        name=name,
        project=card.project_name.text if card.project_name else None,
        is_project=is_project(card),
        total=stated(f"total.{name}", f"{name}总分", card.total_score, name, "分")
        if card.total_score and card.total_score.value is not None
        else None,
        max_score=stated(f"max.{name}", f"{name}满分", card.max_score, name, "分")
        if card.max_score and card.max_score.value is not None
        else None,
        grade=card.grade.text if card.grade else None,
    )
    for ind in card.indicators:
        status, gap = _status(ind)
        where = f"{name}/{ind.name.text}"
        iv = IndicatorView(
            card=name,
            level1=_level(ind.level1),
            level2=ind.level2.text if ind.level2 else None,
            name=_cell(ind.name) or ind.name.text,
            level1_key=clean_text(ind.level1.raw) if ind.level1 else None,
            project=(card.project_name.text if card.project_name else None),
            target=_cell(ind.target),
            actual=_cell(ind.actual),
            status=status,
            gap=gap,
            note=_cell(ind.deviation_note),
        )
        for q, attr, word in (
            (ind.target, "target_figure", "目标"),
            (ind.actual, "actual_figure", "实际"),
        ):
            if q is not None and q.value is not None:
                setattr(iv, attr, stated(f"{attr}.{where}", f"{ind.name.text}{word}", q, where))
        if ind.weight and ind.weight.value is not None:
            iv.weight = stated(f"weight.{where}", f"{ind.name.text}分值", ind.weight, where, "分")
        if ind.score and ind.score.value is not None:
            iv.score = stated(f"score.{where}", f"{ind.name.text}得分", ind.score, where, "分")
        iv.disputed = ind.actual is not None and _span(ind.actual) in disputed
        group = clean_text(ind.level1.raw) if ind.level1 else None
        if (
            iv.weight
            and iv.score
            and group in headers
            and headers[group] == iv.weight.value
            and group not in view.level_scores
        ):
            # the group's weight and score written on its first row: they are the group's
            lost = iv.weight.value - iv.score.value
            view.level_scores[group] = (
                iv.weight,
                iv.score,
                derived(
                    f"deduction.{name}/{group}",
                    f"{group}扣分",
                    lost,
                    "分",
                    max(iv.weight.decimals, iv.score.decimals),
                    f"difference: {iv.weight.label} − {iv.score.label}",
                )
                if lost > 0
                else None,
            )
            iv.weight = iv.score = None
        if iv.weight and iv.score and iv.score.value < iv.weight.value:
            iv.deduction = derived(
                f"deduction.{where}",
                f"{ind.name.text}扣分",
                iv.weight.value - iv.score.value,
                "分",
                max(iv.weight.decimals, iv.score.decimals),
                f"difference: {iv.weight.label} − {iv.score.label}",
            )
        view.written += written(f"text.{where}.target", iv.target, where)
        view.written += written(f"text.{where}.actual", iv.actual, where)
        view.written += written(f"text.{where}.note", iv.note, where)
        view.written += written(f"text.{where}.name", iv.name, where)
        view.indicators.append(iv)
    rows = view.indicators
    view.counts = {
        "indicators": _count(f"count.{name}.indicators", f"{name}指标数", len(rows)),
        "met": _count(
            f"count.{name}.met",
            f"{name}完成指标数",
            sum(i.status in ("met", "exceeded") for i in rows),
        ),
        "missed": _count(
            f"count.{name}.missed", f"{name}未完成指标数", sum(i.status == "missed" for i in rows)
        ),
        "qualitative": _count(
            f"count.{name}.qualitative",
            f"{name}定性指标数",
            sum(i.status == "qualitative" for i in rows),
        ),
        "unfilled": _count(
            f"count.{name}.unfilled",
            f"{name}未填实际值指标数",
            sum(i.actual is None for i in rows),
        ),
    }
    for group in view.level_scores:
        view.written += written(f"text.{name}.{group}", group, name)
    return view


# --------------------------------------------------------------------------- all


def _count(key: str, label: str, n: int, unit: str = "个") -> Figure:
    return Figure(key, label, Decimal(n), unit, 0, f"count: {label}")


def draft_facts(report: Report) -> DraftFacts:
    meta = report.meta
    year = next_year = None
    if meta.fiscal_year is not None and meta.fiscal_year.value is not None:
        year = stated("year", "预算年度", meta.fiscal_year, "meta.fiscal_year", "年")
        next_year = derived("year.next", "下一年度", year.value + 1, "年", 0, "sum: 预算年度 + 1")
    total, income, expenditure = _budget_lines(report)
    disputed = {
        v.span.as_tuple()
        for f in report.findings
        if f.severity != Severity.info
        for v in f.values
        if v.span is not None
    }
    cards = [_card(c, disputed) for c in report.scorecards]
    rows = [i for c in cards for i in c.indicators]
    counts = {
        "indicators": _count("count.indicators", "指标数", len(rows)),
        "met": _count(
            "count.met", "完成指标数", sum(i.status in ("met", "exceeded") for i in rows)
        ),
        "exceeded": _count(
            "count.exceeded", "超额完成指标数", sum(i.status == "exceeded" for i in rows)
        ),
        "missed": _count("count.missed", "未完成指标数", sum(i.status == "missed" for i in rows)),
        "deducted": _count(
            "count.deducted", "扣分指标数", sum(i.deduction is not None for i in rows)
        ),
        "cards": _count("count.cards", "自评表数", len(cards), "张"),
    }
    serious = [
        f for f in report.findings if f.severity != Severity.info and f.family != "extraction"
    ]
    counts["findings"] = _count("count.findings", "不一致之处", len(serious), "处")
    extra: list[Figure] = [POLICY_RATE]
    if meta.report_date is not None:
        for k, token in enumerate(re.findall(r"\d+", meta.report_date.text)[:3]):
            part = ("year", "month", "day")[k]
            unit = "年" if part == "year" else None
            extra.append(
                Figure(
                    f"date.{part}",
                    f"报告日期{part}",
                    Decimal(token),
                    unit,
                    0,
                    "stated: meta.report_date",
                    meta.report_date.span,
                )
            )
    for card in cards:
        if card.total and card.max_score and card.total.value < card.max_score.value:
            extra.append(
                derived(
                    f"lost.{card.name}",
                    f"{card.name}失分",
                    card.max_score.value - card.total.value,
                    "分",
                    max(card.total.decimals, card.max_score.decimals),
                    f"difference: {card.max_score.label} − {card.total.label}",
                )
            )
    for card in cards:
        extra += written(f"text.{card.name}", card.name, card.name)
        extra += written(f"text.{card.name}.project", card.project, card.name)
    for k, f in enumerate(serious):
        extra += written(f"text.finding{k}", f.message_zh, f.rule)
        for v in f.values:
            if v.value is not None:
                extra.append(
                    Figure(
                        f"finding.{f.rule}",
                        v.where,
                        v.value,
                        v.unit,
                        decimals_of(v.value),
                        f"stated: {v.where}",
                        v.span,
                    )
                )
        for name in ("expected", "found"):
            value = getattr(f, name)
            if value is not None:
                extra.append(
                    Figure(
                        f"finding.{f.rule}.{name}",
                        f"{f.rule} {name}",
                        value,
                        None,
                        decimals_of(value),
                        f"checker {f.rule}: {name}",
                    )
                )
    return DraftFacts(
        doc_id=report.doc_id,
        unit_name=meta.unit_name.text if meta.unit_name else None,
        year=year,
        next_year=next_year,
        total=total,
        income=income,
        expenditure=expenditure,
        cards=cards,
        findings=[(f.severity.value, f.message_zh) for f in serious],
        counts=counts,
        extra=extra,
        partial=bool(report.provenance and report.provenance.failed),
    )
