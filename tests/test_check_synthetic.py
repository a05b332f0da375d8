"""The checker on a synthetic report: a clean one, consistent by construction, yields no
finding; copies of it with one planted error yield exactly the finding that error breaks.

The report is written together with its source text, so every value is grounded at the
characters it stands at (``check_spans`` is empty).  Every total, balance, change, rate,
score and grade is computed in the builder from the figures it is made of; only the leaves
(what each institution spent on staff, what it received, each indicator's weight …) are
typed.  Labels, columns, categories and measures follow what the rule-based extractor
reads from the seed documents (see xiangxi-2020: 部门（单位）年度支出和结余情况, 年度收入情况,
the funds block of the 自评表).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest

from pipeline.check import check_report
from pipeline.check.tables import funds_tables
from pipeline.schema import (
    Fact,
    Finding,
    FundsCategory,
    FundsLine,
    FundsMeasure,
    Goal,
    GradeBand,
    Indicator,
    LevelHeader,
    Meta,
    Personnel,
    Quantity,
    Report,
    ReportKind,
    Scorecard,
    ScorecardKind,
    Section,
    SectionKind,
    Severity,
    Span,
    Text,
)

C = FundsCategory
M = FundsMeasure
D = Decimal
HUNDRED = D(100)
WAN = "万元"


def money(x: Decimal) -> Decimal:
    """An amount as these tables show it: 万元 to two decimals."""
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def percent(num: Decimal, den: Decimal, places: int) -> Decimal:
    """num ÷ den × 100, rounded half up to ``places`` decimals (as a rate is shown)."""
    return (num / den * HUNDRED).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- the source


class Source:
    """The synthetic source text, written in reading order.  A value written through it
    is grounded where it is written: its span holds exactly its raw characters."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._length = 0

    def write(self, s: str) -> None:
        self._chunks.append(s)
        self._length += len(s)

    def _grounded(self, raw: str) -> Span:
        span = Span(start=self._length, end=self._length + len(raw))
        self.write(raw)
        return span

    def words(self, raw: str) -> Text:
        return Text(raw=raw, span=self._grounded(raw))

    def number(self, value: Decimal, unit: str | None = None) -> Quantity:
        """A number token (``2310.26``); its unit, if any, is written after it by the caller."""
        raw = str(value)
        return Quantity(raw=raw, span=self._grounded(raw), value=value, unit=unit)

    def cell(
        self, raw: str, value: Decimal, unit: str | None, comparator: str | None = None
    ) -> Quantity:
        """A whole indicator cell (``≥50家``) with the value, unit and comparator read in it."""
        return Quantity(
            raw=raw, span=self._grounded(raw), value=value, unit=unit, comparator=comparator
        )

    def fact(self, label: str, value: Decimal, unit: str) -> Fact:
        """A prose figure: the number is grounded, its unit follows it in the text."""
        q = self.number(value, unit)
        self.write(unit)
        return Fact(label=label, quantity=q)

    @property
    def text(self) -> str:
        return "".join(self._chunks)


Cell = tuple[str, FundsCategory, FundsMeasure, Decimal, str | None]  # column, category, …


def write_table(
    src: Source,
    title: str | None,
    header: list[str],
    rows: list[tuple[str, str | None, list[Cell]]],
) -> list[FundsLine]:
    """A tab-separated table: a title line, a header line and one line per row, each row
    ``label`` then its figures; the FundsLines it states, in reading order."""
    if title:
        src.write(title + "\n")
    src.write("\t".join(header) + "\n")
    lines: list[FundsLine] = []
    for label, entity, cells in rows:
        src.write(label)
        for column, category, measure, value, unit in cells:
            src.write("\t")
            q = src.number(value, unit)
            if unit == "%":
                src.write("%")
            lines.append(
                FundsLine(
                    label=label,
                    column=column,
                    entity=entity,
                    table=title,
                    category=category,
                    measure=measure,
                    amount=q,
                )
            )
        src.write("\n")
    return lines


# --------------------------------------------------------------------------- the leaves

UNIT_NAME = "某县工业和信息化局"
YEAR = 2020
SUMMARY = "局机关及下属单位汇总"

INCOME_TABLE = "部门（单位）年度收入情况（万元）"
EXPENDITURE_TABLE = "部门（单位）年度支出和结余情况（万元）"
THREE_PUBLIC_TABLE = "“三公”经费支出情况表（万元）"
YOY_TABLE = "2019-2020年支出对比表"
THIS_YEAR, LAST_YEAR, CHANGE = "2020年支出（万元）", "2019年支出（万元）", "增减额"


@dataclass(frozen=True)
class Institution:
    entity: str
    personnel: Decimal  # 人员支出
    public_operating: Decimal  # 公用支出
    project: Decimal  # 项目支出
    carry_over: Decimal  # 上年结转
    appropriation: Decimal  # 公共财政拨款
    other_income: Decimal  # 其他收入


INSTITUTIONS = tuple(
    Institution(entity, *map(D, figures.split()))
    for entity, figures in (
        # entity: 人员支出 公用支出 项目支出 上年结转 公共财政拨款 其他收入
        ("1、局机关本级", "1717.26 303.45 5018.08 1162.46 7591.95 26.12"),
        ("2、县企业服务中心", "120.19 20.96 378.41 118.84 140.30 274.50"),
        ("3、县墙体材料改革办公室", "103.17 45.23 12.60 47.12 150.82 3.15"),
    )
)

# 三公经费: (row label, category, budget, executed)
THREE_PUBLIC_PARTS = (
    ("其中：公务接待费", C.official_reception, D("37.65"), D("3.32")),
    ("公务用车购置费", C.vehicle_purchase, D("0.00"), D("0.00")),
    ("公务用车运行维护费", C.vehicle_operation, D("27.00"), D("13.62")),
    ("因公出国（境）费", C.overseas_travel, D("0.00"), D("0.00")),
)

# Year over year: 对个人和家庭的补助 of this year (the rest of 人员支出 is 工资福利支出),
# and last year's figures by economic classification and of 项目支出.
FAMILY_THIS_YEAR = D("210.35")
WAGES_LAST, GOODS_LAST, FAMILY_LAST, PROJECT_LAST = map(D, "1688.40 352.18 236.90 4223.95".split())

# Staffing: 编制数, 实有人数.
STAFFING_QUOTA, HEADCOUNT = D(45), D(43)

# Government procurement (prose): budget and what was bought.
PROCUREMENT_BUDGET, PROCUREMENT_DONE = D("78.85"), D("74.69")

# Scorecard funds block: the income-side split of what was budgeted is the income table's
# 公共财政拨款 and 其他收入; 其他资金 was spent in full; 基本支出 was budgeted as spent.
FUNDS_WEIGHT = D(10)

# Indicators, one per line: level1 | level2 | name | target | actual | weight | score, the
# cells as written (* = computed in the builder: the procurement rate from the prose
# figures, the 三公 control rate from the 三公 table).
INDICATOR_ROWS = """
产出指标|数量指标|新增规模以上工业企业|≥50家|58家|10|10
产出指标|数量指标|招商引资项目|30个|42个|10|10
产出指标|质量指标|政府采购执行率|100%|*|10|9
产出指标|时效指标|重点工作完成及时率|100%|100%|10|10
产出指标|成本指标|“三公”经费控制率|≤100%|*|10|10
效益指标|经济效益指标|规模工业增加值增速|≥4.5%|4.6%|10|10
效益指标|社会效益指标|新增就业岗位|不少于500个|612个|10|10
效益指标|可持续影响指标|政策知晓率|≥90%|92%|10|8
满意度指标|服务对象满意度指标|服务对象满意度|≥95%|98%|5|5
满意度指标|服务对象满意度指标|社会公众满意度|≥90%|96%|5|5
"""
_CELL = re.compile(r"^(≥|≤|不少于|不高于)?(\d+(?:\.\d+)?)(.*)$")
_COMPARATORS = {"≥": ">=", "不少于": ">=", "≤": "<=", "不高于": "<="}


@dataclass(frozen=True)
class IndicatorSpec:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal


INDICATORS = tuple(
    IndicatorSpec(l1, l2, name, target, actual, D(weight), D(score))
    for l1, l2, name, target, actual, weight, score in (
        row.split("|") for row in INDICATOR_ROWS.strip().splitlines()
    )
)


def read_cell(raw: str) -> tuple[str, Decimal, str | None, str | None]:
    """An indicator cell as the extractor reads it: (raw, value, unit, comparator)."""
    m = _CELL.match(raw)
    assert m, raw
    return raw, D(m.group(2)), m.group(3) or None, _COMPARATORS.get(m.group(1) or "")


# Grade bands as the document states them: (raw, grade, low, high).
BANDS = (
    ("优秀（S≥90）", "优秀", D(90), None),
    ("良好（90＞S≥80）", "良好", D(80), D(90)),
    ("中（80＞S≥60）", "中", D(60), D(80)),
    ("差（S＜60）", "差", None, D(60)),
)


def _grade_for(score: Decimal) -> str:
    for _, grade, low, high in BANDS:
        if (low is None or score >= low) and (high is None or score < high):
            return grade
    raise AssertionError(f"no band for {score}")


# --------------------------------------------------------------------------- the builder


def build_clean_report() -> tuple[Report, str]:
    """A department report consistent by construction, and its source text."""
    src = Source()
    sections: list[Section] = []

    def heading(raw: str, kind: SectionKind) -> None:
        sections.append(Section(heading=src.words(raw), level=1, kind=kind))
        src.write("\n")

    unit_name = src.words(UNIT_NAME)
    fiscal_year = src.number(D(YEAR))
    src.write("年度部门整体支出绩效自评报告\n")

    # ---- staffing (部门基本情况表)
    heading("一、部门基本情况", SectionKind.organization)
    src.write("部门基本情况表\n编制数\t")
    quota = src.number(STAFFING_QUOTA, "人")
    src.write("人\t实有人数\t")
    headcount = src.number(HEADCOUNT, "人")
    src.write("人\t控制率\t")
    control_rate = src.number(percent(HEADCOUNT, STAFFING_QUOTA, 1), "%")
    src.write("%\n")

    # ---- per-institution figures, and the summary row as their column sums
    heading("二、部门收支情况", SectionKind.budget_overview)
    rows: list[dict[str, Decimal]] = []
    for inst in INSTITUTIONS:
        basic = inst.personnel + inst.public_operating
        spent = basic + inst.project
        income = inst.carry_over + inst.appropriation + inst.other_income
        balance = income - inst.carry_over - spent  # the year's receipts less its spending
        rows.append(
            {
                "income": income,
                "carry_over": inst.carry_over,
                "appropriation": inst.appropriation,
                "other_income": inst.other_income,
                "spent": spent,
                "basic": basic,
                "personnel": inst.personnel,
                "public_operating": inst.public_operating,
                "project": inst.project,
                "balance": balance,
                "accumulated": inst.carry_over + balance,
            }
        )
    total = {k: sum((r[k] for r in rows), D(0)) for k in rows[0]}
    entities = [SUMMARY, *(i.entity for i in INSTITUTIONS)]
    by_entity = [total, *rows]

    income_cols = (
        ("收入合计", C.total, "income"),
        ("上年结转", C.carry_over, "carry_over"),
        ("公共财政拨款", C.general_public_budget, "appropriation"),
        ("其他收入", C.other, "other_income"),
    )
    funds = write_table(
        src,
        INCOME_TABLE,
        ["单位名称", *(c for c, _, _ in income_cols)],
        [
            (e, e, [(col, cat, M.income, r[key], WAN) for col, cat, key in income_cols])
            for e, r in zip(entities, by_entity, strict=True)
        ],
    )

    spending_cols = (
        ("支出合计", C.total, "spent"),
        ("基本支出", C.basic_expenditure, "basic"),
        ("人员支出", C.personnel, "personnel"),
        ("公用支出", C.public_operating, "public_operating"),
        ("项目支出", C.project_expenditure, "project"),
        ("当年结余", C.balance, "balance"),
        ("累计结余", C.accumulated_balance, "accumulated"),
    )
    funds += write_table(
        src,
        EXPENDITURE_TABLE,
        ["单位名称", *(c for c, _, _ in spending_cols)],
        [
            (e, e, [(col, cat, M.expenditure, r[key], WAN) for col, cat, key in spending_cols])
            for e, r in zip(entities, by_entity, strict=True)
        ],
    )

    # ---- 三公经费: the first row is the sum of the rows under it (其中 …)
    budget_col, done_col = f"{YEAR}年预算数（万元）", f"{YEAR}年决算数（万元）"
    tp_budget = sum((b for _, _, b, _ in THREE_PUBLIC_PARTS), D(0))
    tp_done = sum((d for _, _, _, d in THREE_PUBLIC_PARTS), D(0))
    funds += write_table(
        src,
        THREE_PUBLIC_TABLE,
        ["项目", budget_col, done_col],
        [
            (
                label,
                None,
                [
                    (budget_col, cat, M.adjusted_budget, budget, WAN),
                    (done_col, cat, M.executed, done, WAN),
                ],
            )
            for label, cat, budget, done in [
                ("“三公”经费", C.three_public, tp_budget, tp_done),
                *THREE_PUBLIC_PARTS,
            ]
        ],
    )

    # ---- year over year: 基本支出 by economic classification under it, 项目支出, 合计
    wages = total["personnel"] - FAMILY_THIS_YEAR
    goods = total["public_operating"]
    basic_last = WAGES_LAST + GOODS_LAST + FAMILY_LAST
    yoy_rows = [
        ("一、基本支出", C.basic_expenditure, total["basic"], basic_last),
        ("其中：工资福利支出", C.unknown, wages, WAGES_LAST),
        ("商品和服务支出", C.unknown, goods, GOODS_LAST),
        ("对个人和家庭的补助", C.unknown, FAMILY_THIS_YEAR, FAMILY_LAST),
        ("二、项目支出", C.project_expenditure, total["project"], PROJECT_LAST),
        ("合计", C.total, total["basic"] + total["project"], basic_last + PROJECT_LAST),
    ]
    funds += write_table(
        src,
        YOY_TABLE,
        ["项目", THIS_YEAR, LAST_YEAR, CHANGE],
        [
            (
                label,
                None,
                [
                    (THIS_YEAR, cat, M.expenditure, this, WAN),
                    (LAST_YEAR, cat, M.prior_executed, last, WAN),
                    (CHANGE, cat, M.amount, this - last, WAN),
                ],
            )
            for label, cat, this, last in yoy_rows
        ],
    )

    # ---- prose restating table figures identically, with 其中 lists and shares:
    # (text before the figure, the fact's label, value, unit)
    procurement_rate = percent(PROCUREMENT_DONE, PROCUREMENT_BUDGET, 2)
    prose = [
        (f"{YEAR}年本局收入合计", "本局收入合计", total["income"], WAN),
        ("，其中上年结转", "上年结转", total["carry_over"], WAN),
        ("，公共财政拨款", "公共财政拨款", total["appropriation"], WAN),
        ("，其他收入", "其他收入", total["other_income"], WAN),
        ("。本年支出合计", "本年支出合计", total["spent"], WAN),
        ("，其中基本支出", "基本支出", total["basic"], WAN),
        ("，占", "基本支出占", percent(total["basic"], total["spent"], 2), "%"),
        ("；项目支出", "项目支出", total["project"], WAN),
        ("，占", "项目支出占", percent(total["project"], total["spent"], 2), "%"),
        ("。\n基本支出", "基本支出", total["basic"], WAN),
        ("，其中人员经费", "人员经费", total["personnel"], WAN),
        ("，公用经费", "公用经费", total["public_operating"], WAN),
        (f"。\n{YEAR}年“三公”经费预算", "“三公”经费预算", tp_budget, WAN),
        ("，实际支出", "“三公”经费实际支出", tp_done, WAN),
        ("，控制在预算范围内。上年支出合计", "上年支出合计", basic_last + PROJECT_LAST, WAN),
        ("。\n政府采购预算", "政府采购预算", PROCUREMENT_BUDGET, WAN),
        ("，实际采购", "实际采购", PROCUREMENT_DONE, WAN),
        ("，政府采购执行率", "政府采购执行率", procurement_rate, "%"),
        ("。全县规模工业增加值增速", "全县规模工业增加值增速", D("4.6"), "%"),
    ]
    facts: list[Fact] = []
    for before, label, value, unit in prose:
        src.write(before)
        facts.append(src.fact(label, value, unit))
    src.write("。\n")

    # ---- the self-evaluation table
    heading("三、部门整体支出绩效自评情况", SectionKind.conclusion)
    title = src.words("部门整体支出绩效自评表")
    src.write("\n")
    budget = total["appropriation"] + total["other_income"]
    other_done = total["other_income"]
    appropriation_done = total["spent"] - other_done
    basic_budget = total["basic"]
    project_budget = budget - basic_budget
    rate = percent(total["spent"], budget, 2)
    funds_score = money(FUNDS_WEIGHT * rate / HUNDRED)
    block = [  # row label, category, its figures in the order of ``cols`` (breakdowns stop early)
        ("年度资金总额", C.total, [budget, total["spent"], rate, FUNDS_WEIGHT, funds_score]),
        ("一般公共预算", C.general_public_budget, [total["appropriation"], appropriation_done]),
        ("其他资金", C.other, [total["other_income"], other_done]),
        (
            "基本支出",
            C.basic_expenditure,
            [basic_budget, total["basic"], percent(total["basic"], basic_budget, 2)],
        ),
        (
            "项目支出",
            C.project_expenditure,
            [project_budget, total["project"], percent(total["project"], project_budget, 2)],
        ),
    ]
    cols = (
        ("全年预算数", M.adjusted_budget, WAN),
        ("全年执行数", M.executed, WAN),
        ("执行率", M.execution_rate, "%"),
        ("分值", M.weight, None),
        ("得分", M.score, None),
    )
    card_funds = write_table(
        src,
        None,
        ["项目", *(c for c, _, _ in cols)],
        [
            (label, None, [(c, cat, m, v, u) for (c, m, u), v in zip(cols, values, strict=False)])
            for label, cat, values in block
        ],
    )

    # goals: the count targets restated as the indicators state them
    targets = {spec.name: read_cell(spec.target)[1] for spec in INDICATORS}
    src.write("年度总体目标\t")
    expected = src.words(
        f"新增规模以上工业企业{targets['新增规模以上工业企业']}家以上，"
        f"引进招商引资项目{targets['招商引资项目']}个，新增就业岗位{targets['新增就业岗位']}个"
    )
    src.write("\t")
    achieved = src.words("新增规模以上工业企业58家，引进招商引资项目42个，新增就业岗位612个")
    src.write("\n")
    goals = [Goal(expected=expected, actual=achieved)]

    computed_actuals = {
        "政府采购执行率": f"{procurement_rate}%",
        "“三公”经费控制率": f"{percent(tp_done, tp_budget, 2)}%",
    }
    src.write("一级指标\t二级指标\t三级指标\t指标值\t实际完成值\t分值\t得分\n")
    headers: list[LevelHeader] = []
    indicators: list[Indicator] = []
    level1: Text | None = None
    level2: Text | None = None
    for spec in INDICATORS:
        if level1 is None or level1.raw != spec.level1:
            level1 = src.words(spec.level1)
            src.write("（")
            header_weight = sum((s.weight for s in INDICATORS if s.level1 == spec.level1), D(0))
            headers.append(LevelHeader(name=level1, weight=src.number(header_weight)))
            src.write("分）")
            level2 = None
        src.write("\t")
        if level2 is None or level2.raw != spec.level2:
            level2 = src.words(spec.level2)
        src.write("\t")
        name_text = src.words(spec.name)
        src.write("\t")
        target_q = src.cell(*read_cell(spec.target))
        src.write("\t")
        actual = computed_actuals[spec.name] if spec.actual == "*" else spec.actual
        actual_q = src.cell(*read_cell(actual))
        src.write("\t")
        weight_q = src.number(spec.weight)
        src.write("\t")
        score_q = src.number(spec.score)
        src.write("\n")
        indicators.append(
            Indicator(
                group=title.raw,
                level1=level1,
                level2=level2,
                name=name_text,
                target=target_q,
                actual=actual_q,
                weight=weight_q,
                score=score_q,
            )
        )
    src.write("总分\t\t\t\t\t")
    max_score = src.number(sum((s.weight for s in INDICATORS), FUNDS_WEIGHT))
    src.write("\t")
    total_score = src.number(sum((s.score for s in INDICATORS), funds_score))
    src.write("\n评价等次\t")
    grade = src.words(_grade_for(total_score.value))
    src.write("\n评价等次标准：")
    bands = []
    for raw, g, low, high in BANDS:
        span = src.words(raw).span
        src.write("；")
        bands.append(GradeBand(raw=raw, span=span, grade=g, low=low, high=high))
    src.write("\n")
    heading("四、存在的问题及改进措施", SectionKind.problems)

    card = Scorecard(
        title=title,
        kind=ScorecardKind.department,
        funds=card_funds,
        goals=goals,
        level_headers=headers,
        indicators=indicators,
        total_score=total_score,
        max_score=max_score,
        grade=grade,
        grade_bands=bands,
    )
    report = Report(
        doc_id="synthetic-2020",
        meta=Meta(unit_name=unit_name, fiscal_year=fiscal_year, report_kind=ReportKind.department),
        personnel=Personnel(staffing_quota=quota, headcount=headcount, control_rate=control_rate),
        scorecards=[card],
        funds=funds,
        facts=facts,
        sections=sections,
    )
    return report, src.text


@pytest.fixture(scope="module")
def clean() -> tuple[Report, str]:
    return build_clean_report()


def listing(findings: list[Finding]) -> str:
    return "\n".join(f"{f.rule} [{f.severity}] {f.message_en}" for f in findings) or "(none)"


# --------------------------------------------------------------------------- the clean report


def test_clean_report_is_grounded(clean):
    report, text = clean
    assert report.check_spans(text) == []


def test_clean_report_rebuilds_the_intended_tables(clean):
    """The tables come back from the FundsLines as designed, so the rules have their
    material: a summary row over the institutions, categories along the columns of the
    institution tables, 其中 rows under 三公经费 and under 基本支出, a 合计 row."""
    report, _ = clean
    tables = {t.title or t.where: t for t in funds_tables(report)}
    assert list(tables) == [
        INCOME_TABLE,
        EXPENDITURE_TABLE,
        THREE_PUBLIC_TABLE,
        YOY_TABLE,
        "部门整体支出绩效自评表",
    ]
    for name in (INCOME_TABLE, EXPENDITURE_TABLE):
        t = tables[name]
        assert t.categories_along_columns()
        assert [r.total for r in t.rows] == [True, False, False, False]
        assert [r.label for r in t.children(None)] == [i.entity for i in INSTITUTIONS]
    tp = tables[THREE_PUBLIC_TABLE]
    assert not tp.categories_along_columns()
    assert [r.parent for r in tp.rows] == [None, 0, 0, 0, 0]
    yoy = tables[YOY_TABLE]
    assert [(r.parent, r.total) for r in yoy.rows] == [
        (None, False),
        (0, False),
        (0, False),
        (0, False),
        (None, False),
        (None, True),
    ]


def test_clean_report_has_no_findings(clean):
    report, text = clean
    findings = check_report(report, text)
    assert findings == [], "a report consistent by construction:\n" + listing(findings)


# --------------------------------------------------------------------------- planted errors


def _funds_line(lines: list[FundsLine], label: str, column: str) -> FundsLine:
    return next(x for x in lines if x.label == label and x.column == column)


def _indicator(report: Report, name: str) -> Indicator:
    return next(i for i in report.scorecards[0].indicators if i.name.raw == name)


def _set(q: Quantity, value: Decimal) -> Quantity:
    """Restate ``q`` as ``value`` in place (the span stays: it is the cell that was changed)."""
    q.value = value
    q.raw = str(value)
    return q


def plant_three_public_part(report: Report) -> Quantity:
    """公务接待费 决算数 3.32 → 2.32 (one digit).  The cell sits in two relations only:
    三公经费 = 公务接待 + 公务用车购置 + 运行维护 + 因公出国 (sum.category_parts, which fires)
    and the 其中 rows not exceeding 三公经费 (sum.parts_exceed, which reports only an
    excess: a smaller part leaves the sum below the whole).  No prose restates it, and
    the budget column is another stage, so no cross-reference is touched."""
    line = _funds_line(report.funds, "其中：公务接待费", f"{YEAR}年决算数（万元）")
    assert line.amount.value == D("3.32")
    return _set(line.amount, D("2.32"))


def plant_flipped_change(report: Report) -> Quantity:
    """商品和服务支出 增减额 +17.46 → -17.46.  The row is a 其中 line under 基本支出, so it is
    not a top-level row of the 合计 (sum.total_row covers 一、基本支出 and 二、项目支出); its
    category is unknown, so no identity of sum.category_parts applies; the 其中 lines only
    must not exceed 基本支出's change, and a smaller one does not.  Only the row's own
    relation, 2020 − 2019 = 增减额, breaks (delta.change, as a sign error)."""
    line = _funds_line(report.funds, "商品和服务支出", CHANGE)
    assert line.amount.value == D("17.46")
    return _set(line.amount, -line.amount.value)


def plant_score_above_weight(report: Report) -> Quantity:
    """招商引资项目 scores 11 of its 10; 政策知晓率 gives the point back (8 → 7), so the total
    score, the grade and every weight still hold and the only broken relation is the
    score within its weight.  (The indicator met its target: no missed-target warning.)"""
    _set(_indicator(report, "政策知晓率").score, D(7))
    return _set(_indicator(report, "招商引资项目").score, D(11))


def plant_execution_rate(report: Report) -> Quantity:
    """年度资金总额 执行率 94.29 → 97.29.  A higher rate keeps the 预算执行率 score under
    weight × rate (score.execution), so only 执行率 = 执行数 ÷ 预算数 breaks."""
    line = _funds_line(report.scorecards[0].funds, "年度资金总额", "执行率")
    assert line.amount.value == D("94.29")
    return _set(line.amount, D("97.29"))


def plant_control_rate(report: Report) -> Quantity:
    """控制率 95.6 → 59.6 (两位互换); 43 ÷ 45 = 95.56%.  The rate is in one relation only."""
    q = report.personnel.control_rate
    assert q is not None and q.value == D("95.6")
    return _set(q, D("59.6"))


@dataclass(frozen=True)
class Plant:
    name: str
    apply: Callable[[Report], Quantity]
    rule: str


SINGLE = (
    Plant("three_public_part", plant_three_public_part, "sum.category_parts"),
    Plant("flipped_change", plant_flipped_change, "delta.change"),
    Plant("score_above_weight", plant_score_above_weight, "score.within_weight"),
    Plant("execution_rate", plant_execution_rate, "ratio.execution"),
    Plant("control_rate", plant_control_rate, "ratio.control"),
)


def planted(clean: tuple[Report, str], apply: Callable[[Report], Quantity]):
    """A deep copy of the clean report with one error planted; the findings on it.  The
    source text is the clean one: only ``sum.prose_parts`` reads it, for the markers
    around prose figures, and no planted value is a prose figure."""
    report, text = clean
    copy_ = copy.deepcopy(report)
    q = apply(copy_)
    return copy_, q, check_report(copy_, text)


@pytest.mark.parametrize("plant", SINGLE, ids=[p.name for p in SINGLE])
def test_planted_error_gives_exactly_its_finding(clean, plant):
    _, q, findings = planted(clean, plant.apply)
    assert len(findings) == 1, listing(findings)
    f = findings[0]
    assert f.rule == plant.rule, listing(findings)
    assert f.severity == Severity.error
    assert q.span in [v.span for v in f.values]


def test_flipped_change_is_reported_as_a_sign_error(clean):
    _, q, findings = planted(clean, plant_flipped_change)
    (f,) = findings
    assert f.expected == -q.value
    assert f.found == q.value
    assert "符号相反" in f.message_zh and "wrong sign" in f.message_en


def plant_institution_basic(report: Report) -> Quantity:
    """An institution's 基本支出 141.15 → 141.75.  It sits in three relations, each
    broken and each its own rule: the column's 汇总 row (sum.total_row), 基本支出 = 人员支出
    + 公用支出 on its row (sum.category_parts), and 支出合计 = 基本支出 + 项目支出 on its row
    (sum.total_by_nature).  Institution rows are not department-level statements, so no
    cross-reference, and the balance rules read 支出合计, not 基本支出."""
    line = next(
        x
        for x in report.funds
        if x.table == EXPENDITURE_TABLE
        and x.entity == "2、县企业服务中心"
        and x.column == "基本支出"
    )
    assert line.amount.value == D("141.15")
    return _set(line.amount, D("141.75"))


def test_institution_basic_breaks_its_three_relations(clean):
    _, q, findings = planted(clean, plant_institution_basic)
    assert sorted(f.rule for f in findings) == [
        "sum.category_parts",
        "sum.total_by_nature",
        "sum.total_row",
    ], listing(findings)
    for f in findings:
        assert f.severity == Severity.error
        assert q.span in [v.span for v in f.values]


def plant_last_year_project(report: Report) -> Quantity:
    """2019 项目支出 4223.95 → 4228.95: the 2019 column no longer adds up to its 合计, and the
    row's 增减额 no longer is 2020 − 2019.  Two relations, so two findings are right."""
    line = _funds_line(report.funds, "二、项目支出", LAST_YEAR)
    assert line.amount.value == D("4223.95")
    return _set(line.amount, D("4228.95"))


def test_last_year_change_reports_each_relation_once(clean):
    _, q, findings = planted(clean, plant_last_year_project)
    sums = [f for f in findings if f.family == "sum"]
    deltas = [f for f in findings if f.rule == "delta.change"]
    assert len(deltas) == 1, listing(findings)
    assert len(sums) == 1, listing(findings)
    assert len(findings) == 2, listing(findings)


def test_control_rate_off_by_a_point_is_an_error(clean):
    def plant(report: Report) -> Quantity:
        return _set(report.personnel.control_rate, D("96.5"))

    _, q, findings = planted(clean, plant)
    assert [f.rule for f in findings] == ["ratio.control"], listing(findings)


def plant_total_score_off_by_one(report: Report) -> Quantity:
    """总分 96.43 → 97.43.  Scores and weights shown as whole points are assigned, not
    rounded: they bring no slack, so the total is off by a point, beyond the 0.01 that the
    two figures with decimals (9.43 and the total) allow.  (Before 0463876 each whole score
    brought ±0.5, and this total passed.)"""
    return _set(report.scorecards[0].total_score, D("97.43"))


def test_total_score_off_by_one_point_is_an_error(clean):
    _, q, findings = planted(clean, plant_total_score_off_by_one)
    assert [(f.rule, f.severity) for f in findings] == [("score.total", Severity.error)], listing(
        findings
    )
    assert q.span in [v.span for v in findings[0].values]


def plant_full_funds_score(report: Report) -> Quantity:
    """预算执行率 得分 9.43 → 10, with the 总分 raised to match (87 + 10 = 97).  At 94.29% of a
    10-point weight the score is at most 9.429; the weight is exact, so a full 10 is above
    it by more than the score's own rounding.  (Before 0463876 the weight's half unit was
    added as well, and 10 <= 9.429 + 0.5 + 0.5 passed.)"""
    card = report.scorecards[0]
    _set(card.total_score, D(97))
    return _set(_funds_line(card.funds, "年度资金总额", "得分").amount, D(10))


def test_full_funds_score_below_full_execution_is_a_warning(clean):
    _, q, findings = planted(clean, plant_full_funds_score)
    assert [(f.rule, f.severity) for f in findings] == [("score.execution", Severity.warning)], (
        listing(findings)
    )
    assert q.span in [v.span for v in findings[0].values]


ALL_PLANTS = (
    *(p.apply for p in SINGLE),
    plant_institution_basic,
    plant_last_year_project,
    plant_total_score_off_by_one,
    plant_full_funds_score,
)


@pytest.mark.parametrize("apply", ALL_PLANTS, ids=[a.__name__ for a in ALL_PLANTS])
def test_findings_explain_themselves(clean, apply):
    _, _, findings = planted(clean, apply)
    assert findings
    for f in findings:
        assert f.message_zh.strip() and f.message_en.strip(), f
        assert f.values, f
        for v in f.values:
            assert v.span is not None, (f.rule, v)


# --------------------------------------------------------------------------- rules are live


def _fact(report: Report, label: str) -> Quantity:
    return next(f.quantity for f in report.facts if f.label == label)


def _entity_line(report: Report, table: str, entity: str, column: str) -> Quantity:
    return next(
        x.amount
        for x in report.funds
        if x.table == table and x.entity == entity and x.column == column
    )


# rule → a change breaking one relation the rule states (other rules may fire as well).
LIVE: dict[str, Callable[[Report], object]] = {
    "sum.parts_exceed": lambda r: _set(
        _funds_line(r.funds, "其中：公务接待费", f"{YEAR}年决算数（万元）").amount, D("4.32")
    ),
    "sum.prose_parts": lambda r: _set(_fact(r, "人员经费"), D("2940.62")),
    "balance.accumulated": lambda r: _set(
        _entity_line(r, EXPENDITURE_TABLE, INSTITUTIONS[0].entity, "累计结余"), D("1841.74")
    ),
    "balance.year": lambda r: _set(
        _entity_line(r, EXPENDITURE_TABLE, INSTITUTIONS[0].entity, "支出合计"), D("7088.79")
    ),
    "ratio.prose_share": lambda r: _set(_fact(r, "基本支出占"), D("39.93")),
    "xref.same_quantity": lambda r: _set(_fact(r, "公用经费"), D("369.46")),
    "xref.executed_vs_spending": lambda r: _set(
        _funds_line(r.scorecards[0].funds, "年度资金总额", "全年执行数").amount, D("7791.35")
    ),
    "xref.indicator_prose": lambda r: _set(_fact(r, "政府采购执行率"), D("97.42")),
    "xref.goal_target": lambda r: _set(_indicator(r, "招商引资项目").target, D(35)),
    "score.max": lambda r: _set(r.scorecards[0].max_score, D(110)),
    "score.level_header": lambda r: _set(r.scorecards[0].level_headers[0].weight, D(60)),
    "score.grade": lambda r: setattr(r.scorecards[0].grade, "raw", "良好"),
    "target.missed_full_marks": lambda r: _set(_indicator(r, "政府采购执行率").score, D(10)),
}


@pytest.mark.parametrize("rule_id", list(LIVE))
def test_clean_report_gives_each_rule_material(clean, rule_id):
    """The clean report's silence means something: for each rule the planted errors above
    do not cover, breaking one relation it states makes it fire.  (Not exercised: unit.scale,
    which needs a figure in 元, and xref.cost_vs_funds, which needs a project scorecard.)"""
    report, text = clean
    broken = copy.deepcopy(report)
    LIVE[rule_id](broken)
    fired = {f.rule for f in check_report(broken, text)}
    assert rule_id in fired, sorted(fired)
