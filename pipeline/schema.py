"""The Report schema: what a performance self-evaluation report holds once digitized.

Every value that comes from the document carries the exact characters it was read from
(``raw``) and where they stand (``span``).  Spans are character offsets (Python ``str``
indices, end exclusive) into the *original* decoded text of the source file
(``Document.original``), so a reader can click from any value straight to the source.
Extractors work on the normalized text and map their spans back through the offset map.

Amounts and scores are ``Decimal`` with the decimals shown in the source: the checker's
tolerance is derived from them.  Validators reject what cannot be, with messages phrased so
that a model retried with them can correct its answer.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Span(BaseModel):
    """Half-open character range [start, end) in the original text of the source file."""

    model_config = ConfigDict(frozen=True)
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def as_tuple(self) -> tuple[int, int]:
        return (self.start, self.end)


class Grounded(BaseModel):
    """Anything read from the document: the characters as written and where they stand."""

    raw: str = Field(description="the exact characters of the source at `span`")
    span: Span | None = Field(
        default=None, description="where `raw` stands in the original text; None = ungrounded"
    )


class Text(Grounded):
    """A piece of text as written (a name, a label, a goal, a heading)."""

    @property
    def text(self) -> str:
        return clean_text(self.raw)


Comparator = Literal["=", ">=", "<=", ">", "<", "~"]


MAX_DIGITS = 40
"""Most digits, and largest power of ten, a number may have: far beyond any budget (a
trillion 元 has 13 digits), and within what ``pipeline.DECIMAL_PRECISION`` computes exactly."""


def bounded_number(value: Decimal) -> str | None:
    """Why ``value`` is not a number a report could state, or None."""
    t = value.as_tuple()
    if not value.is_finite():
        return "not a finite number"
    if len(t.digits) > MAX_DIGITS or abs(value.adjusted()) > MAX_DIGITS:
        return f"a number of {len(t.digits)} digits (10^{value.adjusted()}) is beyond any a report states (at most {MAX_DIGITS} digits)"
    if isinstance(t.exponent, int) and t.exponent < -MAX_DIGITS:
        return f"a number with {-t.exponent} decimals is beyond any a report states"
    return None


class Quantity(Grounded):
    """A number as written, or a qualitative value where the source gives no number.

    ``raw`` is the number token alone for amounts and scores (``1613.46``, ``100%`` keeps
    its sign in ``unit``), and the whole cell for indicator targets and actuals
    (``满意度 95% 以上``), whose comparator and unit are parsed out of it.
    """

    value: Decimal | None = Field(
        default=None, description="numeric value as shown, None if qualitative"
    )
    unit: str | None = Field(
        default=None, description="unit as written: 万元, 元, 亿元, %, 家, 个, 人 …"
    )
    comparator: Comparator | None = Field(
        default=None, description="for targets: >= for ≥/不低于/以上 …"
    )
    text: str | None = Field(
        default=None, description="qualitative value (及时, 良好) when no number"
    )
    repaired: str | None = Field(
        default=None,
        description="how characters the source garbles were read (an OCR misread, glued "
        "digits, a number broken over lines); `raw` keeps them as written",
    )

    @field_validator("value")
    @classmethod
    def _bounded(cls, value: Decimal | None) -> Decimal | None:
        problem = None if value is None else bounded_number(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def decimals(self) -> int | None:
        """Number of decimals displayed in the source, from which tolerances are derived."""
        if self.value is None:
            return None
        exp = self.value.as_tuple().exponent
        return -exp if isinstance(exp, int) and exp < 0 else 0


class Amount(Quantity):
    """A money figure.  Unit defaults to 万元, the unit of almost every table in these reports."""

    unit: str | None = "万元"


class ReportKind(StrEnum):
    department = "department"  # 部门整体支出绩效自评
    project = "project"  # 项目支出绩效自评
    mixed = "mixed"  # a department report that also holds project scorecards


class ScorecardKind(StrEnum):
    department = "department"
    project = "project"


class FundsCategory(StrEnum):
    """What a funds figure is about (row or column meaning), normalized from its label."""

    total = "total"  # 年度资金总额 / 合计 / 收入合计 / 支出合计
    general_public_budget = "general_public_budget"  # 一般公共预算（财政拨款）/ 当年财政拨款
    government_fund = "government_fund"  # 政府性基金
    special_account_non_tax = "special_account_non_tax"  # 纳入专户管理的非税收入
    operating_income = "operating_income"  # 事业收入
    other = "other"  # 其他资金 / 其他收入
    carry_over = "carry_over"  # 上年结转 / 年初结转结余
    basic_expenditure = "basic_expenditure"  # 基本支出
    personnel = "personnel"  # 人员经费 / 人员支出
    public_operating = "public_operating"  # 公用经费 / 公用支出
    project_expenditure = "project_expenditure"  # 项目支出
    three_public = "three_public"  # 三公经费 total
    official_reception = "official_reception"  # 公务接待
    vehicle = "vehicle"  # 公务用车购置及运行维护 (total of both)
    vehicle_purchase = "vehicle_purchase"  # 公车购置
    vehicle_operation = "vehicle_operation"  # 公车运行维护
    overseas_travel = "overseas_travel"  # 因公出国（境）
    general_expenditure_cut = "general_expenditure_cut"  # 压缩一般性支出
    balance = "balance"  # 结余 (当年)
    accumulated_balance = "accumulated_balance"  # 累计结余
    unknown = "unknown"


class FundsMeasure(StrEnum):
    """Which column of the budget a figure is: budgets, executed amounts, rates, scores."""

    initial_budget = "initial_budget"  # 年初预算数
    adjusted_budget = "adjusted_budget"  # 全年预算数 / 调整后预算数 / 当年预算数
    executed = "executed"  # 全年执行数 / 实际支出数 / 当年决算数
    execution_rate = "execution_rate"  # 执行率
    weight = "weight"  # 分值
    score = "score"  # 得分
    prior_executed = "prior_executed"  # 上年决算数
    income = "income"  # a figure of an income table
    expenditure = "expenditure"  # a figure of an expenditure table
    amount = "amount"  # an amount with no budget stage stated


class FundsLine(BaseModel):
    """One figure of a funds table, in long form: what (category), which column (measure),
    for whom (entity), as labelled in the source (row and column label as written)."""

    label: str = Field(description="row label as written, e.g. 其中：一般公共预算")
    column: str | None = Field(
        default=None, description="column header as written, e.g. 全年执行数"
    )
    entity: str | None = Field(
        default=None, description="institution the row is about, if the table has several"
    )
    table: str | None = Field(default=None, description="title of the table as written")
    category: FundsCategory
    measure: FundsMeasure
    amount: Quantity


class LevelHeader(BaseModel):
    """An indicator level label that states its weight: 产出指标(50分) (level 1), or in a
    scoring table 目标设定(15分) (level 2)."""

    name: Text
    weight: Quantity
    level: int = Field(default=1, ge=1, le=2)


class Indicator(BaseModel):
    """One row of the indicator scorecard (三级指标 with its target, actual, weight, score)."""

    group: str | None = Field(default=None, description="绩效指标1…9, a project, or a goal table")
    level1: Text | None = None
    level2: Text | None = None
    name: Text
    target: Quantity | None = None
    actual: Quantity | None = None
    weight: Quantity | None = None
    score: Quantity | None = None
    deviation_note: Text | None = None

    @model_validator(mode="after")
    def _score_sane(self) -> Indicator:
        for label, q in (("weight", self.weight), ("score", self.score)):
            if q is not None and q.value is not None and q.value < 0:
                raise ValueError(f"indicator {self.name.raw!r}: {label} {q.value} is negative")
        return self


INDICATOR_VALUES: tuple[str, ...] = (
    "level1",
    "level2",
    "target",
    "actual",
    "weight",
    "score",
    "deviation_note",
)
"""The grounded cells of an indicator row besides its name."""


class Goal(BaseModel):
    """An annual goal: expected (预期目标) and actual (实际完成情况) text."""

    expected: Text | None = None
    actual: Text | None = None


class GradeBand(Grounded):
    """A grade band the document states, e.g. 90（含）—100分为优 (raw is that phrase)."""

    grade: str
    low: Decimal | None = None
    high: Decimal | None = None
    low_inclusive: bool = True
    high_inclusive: bool = False


class Scorecard(BaseModel):
    """A self-evaluation table: funds block, goals, indicators, total score and grade."""

    title: Text | None = None
    kind: ScorecardKind
    group: str | None = Field(default=None, description="group label when one table holds several")
    project_name: Text | None = None
    supervisor: Text | None = Field(default=None, description="主管部门")
    implementer: Text | None = Field(default=None, description="实施单位")
    funds: list[FundsLine] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    level_headers: list[LevelHeader] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    total_score: Quantity | None = None
    max_score: Quantity | None = None
    grade: Text | None = None
    grade_bands: list[GradeBand] = Field(default_factory=list)


class Personnel(BaseModel):
    staffing_quota: Quantity | None = Field(default=None, description="编制数")
    headcount: Quantity | None = Field(default=None, description="实有人数 / 年末实际在职人数")
    control_rate: Quantity | None = Field(default=None, description="控制率")


class Meta(BaseModel):
    unit_name: Text | None = Field(default=None, description="department / unit name")
    fiscal_year: Quantity | None = None
    report_date: Text | None = None
    report_kind: ReportKind | None = None

    @field_validator("fiscal_year")
    @classmethod
    def _plausible_year(cls, v: Quantity | None) -> Quantity | None:
        if v is not None and v.value is not None and not (1990 <= v.value <= 2100):
            raise ValueError(
                f"fiscal year {v.value} is outside 1990–2100; give the report's budget year"
            )
        return v


class Fact(BaseModel):
    """A figure stated in prose, e.g. 本年收入总计999.38万元."""

    label: str = Field(description="what the figure is, in the source's words")
    quantity: Quantity


class SectionKind(StrEnum):
    duties = "duties"  # 部门职责 / 主要职能
    organization = "organization"  # 机构设置 / 人员情况
    budget_overview = "budget_overview"  # 预算/收支/决算情况
    goal_completion = "goal_completion"  # 绩效目标完成情况
    indicator_analysis = "indicator_analysis"  # 指标完成情况分析
    evaluation_work = "evaluation_work"  # 自评工作开展情况 / 评价过程
    problems = "problems"  # 存在的问题
    improvements = "improvements"  # 改进措施 / 建议
    conclusion = "conclusion"  # 自评结论 / 评价结论 / 得分
    application = "application"  # 结果应用 / 公开
    other = "other"


class Section(BaseModel):
    heading: Text
    level: int = Field(ge=1, le=9)
    kind: SectionKind = SectionKind.other


class RecognizedForm(BaseModel):
    """A national form the extractor recognised in the document, and how it was read."""

    kind: str = Field(
        description="项目支出绩效自评表, 部门整体支出绩效自评表, 绩效评价得分表, 基础数据表, "
        "收支/三公表, or prose"
    )
    title: str | None = None
    span: Span | None = Field(default=None, description="where it stands in the original text")
    reader: str = Field(description="grid (the layout's table cells) or pieces (the form reader)")


class SourceInfo(BaseModel):
    path: str
    sha256: str
    format: str
    encoding: str | None = None


class Usage(BaseModel):
    """What a model-backed extraction cost, per document.  Token counts are the server's;
    ``chunk_tokens`` and ``source_tokens`` are the offline estimate of the chunk texts sent
    and of the whole normalized text, so ``amplification`` (their ratio) measures what
    chunking repeats (overlap, table headers, splits) without the fixed prompt."""

    calls: int = Field(0, description="requests sent to the model, retries included")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = Field(0, description="chunk answers read from the on-disk cache")
    seconds: float = 0.0
    chunks: int = 0
    chunk_tokens: int = Field(0, description="estimated tokens of the chunk texts asked about")
    source_tokens: int = Field(0, description="estimated tokens of the normalized text")

    @property
    def amplification(self) -> float:
        return self.chunk_tokens / self.source_tokens if self.source_tokens else 0.0


class UngroundedValue(BaseModel):
    """A value a model returned that was not found where it claimed to be: dropped."""

    path: str = Field(description="where it would have gone, e.g. scorecards.indicators.score")
    raw: str = Field(description="the characters the model returned")
    anchor: str | None = Field(default=None, description="the row label or name it came with")
    chunk: int = Field(description="index of the chunk it was returned for")
    reason: str


class FuzzyMatch(BaseModel):
    """A text found in the source only approximately: kept, with the source's characters."""

    path: str
    returned: str = Field(description="what the model returned")
    found: Grounded = Field(description="the source characters it was grounded to")
    similarity: float


class Conflict(BaseModel):
    """Two answers for the same place or field that disagree; ``kept`` is in the Report."""

    path: str
    kept: str
    other: str
    span: Span | None = None
    reason: str


class FailedSpan(BaseModel):
    """A part of the source no answer covers: its chunk failed after every retry."""

    chunk: int
    span: Span = Field(description="the chunk's own part of the source (original offsets)")
    kind: str = Field(description="rate_limited, server_error, timeout, invalid_output …")
    attempts: int
    message: str


class Provenance(BaseModel):
    backend: str
    model: str | None = None
    prompt_versions: dict[str, str] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    ungrounded: list[UngroundedValue] = Field(default_factory=list)
    fuzzy: list[FuzzyMatch] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    failed: list[FailedSpan] = Field(default_factory=list)


class KnownIssue(BaseModel):
    """An inconsistency found by hand in a gold document (gold only)."""

    family: str
    description: str
    values: list[Quantity] = Field(default_factory=list)


class Severity(StrEnum):
    error = "error"  # a stated relation does not hold
    warning = "warning"  # suspicious but may have a reason (full marks on a missed target)
    info = "info"  # consistent, but only under a reading worth knowing (truncated rates)


class FindingValue(Grounded):
    """One stated value a finding involves, with its role and where it stands."""

    role: str = Field(description="part, total, score, weight, target, actual, statement …")
    where: str = Field(description="table / row / column, or the prose label, as written")
    value: Decimal | None = None
    unit: str | None = None


class Finding(BaseModel):
    """A relation the checker found not to hold, with every value involved and its span."""

    rule: str = Field(description="rule id, e.g. sum.category_parts")
    family: str = Field(description="sum, balance, ratio, delta, score, target, xref, unit")
    severity: Severity
    message_zh: str
    message_en: str
    expected: Decimal | None = Field(default=None, description="what the relation implies")
    found: Decimal | None = Field(default=None, description="what the document states")
    tolerance: Decimal | None = Field(
        default=None, description="allowed difference, from the displayed precision"
    )
    values: list[FindingValue] = Field(default_factory=list)


class Report(BaseModel):
    doc_id: str
    source: SourceInfo | None = None
    meta: Meta = Field(default_factory=Meta)
    personnel: Personnel = Field(default_factory=Personnel)
    scorecards: list[Scorecard] = Field(default_factory=list)
    funds: list[FundsLine] = Field(
        default_factory=list, description="department-level funds tables"
    )
    facts: list[Fact] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    known_issues: list[KnownIssue] = Field(default_factory=list)
    findings: list[Finding] = Field(
        default_factory=list, description="what the checker found (see pipeline.check)"
    )
    forms: list[RecognizedForm] = Field(
        default_factory=list, description="the national forms recognised, in document order"
    )
    provenance: Provenance | None = None

    def check_spans(self, text: str) -> list[str]:
        """Problems with spans against ``text``: outside it, or raw not equal to the slice."""
        problems: list[str] = []
        for path, item in iter_grounded(self):
            if item.span is None:
                continue
            s, e = item.span.start, item.span.end
            if e > len(text):
                problems.append(f"{path}: span {s}-{e} is outside the text (length {len(text)})")
            elif text[s:e] != item.raw:
                problems.append(f"{path}: raw {item.raw!r} != source {text[s:e]!r} at {s}-{e}")
        return problems


def iter_grounded(obj: object, path: str = "") -> list[tuple[str, Grounded]]:
    """Every grounded value inside a model, with a dotted path for messages."""
    out: list[tuple[str, Grounded]] = []
    if isinstance(obj, Grounded):
        out.append((path, obj))
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            out.extend(iter_grounded(getattr(obj, name), f"{path}.{name}" if path else name))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            out.extend(iter_grounded(item, f"{path}[{i}]"))
    return out


_WS = re.compile(r"[\s\u3000\u00a0]+")


def clean_text(s: str) -> str:
    """Text for comparison: whitespace of any kind removed (Chinese has no word spaces)."""
    return _WS.sub("", s)


def grounded_share(report: Report, text: str) -> float:
    """Share of a report's values whose span holds exactly their raw text (1.0 when none).
    Findings, known issues and provenance notes only repeat values read elsewhere, so they
    are left out."""
    report = report.model_copy(update={"findings": [], "known_issues": [], "provenance": None})
    values = iter_grounded(report)
    if not values:
        return 1.0
    bad = sum(1 for _, v in values if v.span is None) + len(report.check_spans(text))
    return 1 - bad / len(values)


SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def report_json_schema() -> str:
    """The Report's JSON schema as committed in ``pipeline/report.schema.json`` (for
    inspection, and for model backends that constrain their output with it)."""
    return json.dumps(Report.model_json_schema(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":  # python -m pipeline.schema  rewrites the committed schema file
    SCHEMA_PATH.write_text(report_json_schema(), encoding="utf-8")
