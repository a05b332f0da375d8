"""What a model is asked to return for one chunk, per task: the response models.

They are deliberately not the Report schema.  A model cannot count characters, so it returns
no spans: it copies what it read (``raw``) together with the words that locate it (the row
label, the indicator name, the column header), and grounding (``pipeline.llm.grounding``)
finds those characters in the chunk and gives them their span.  Values are not asked for
either: the number is parsed from the source characters once they are found, so a model that
reads ``15`` but writes ``value: 16`` cannot put 16 in a Report.

The validators' messages are what instructor feeds back on a retry, so they say what to fix.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from pipeline.schema import FundsCategory, FundsMeasure, ReportKind, ScorecardKind, SectionKind

_DIGIT = re.compile(r"\d")


def _number_text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if not _DIGIT.search(value):
        raise ValueError(f"{what} must be a number copied from the text, not {value!r}")
    return value


def _number_field(*fields: str, what: str | None = None, required: str | None = None) -> Any:
    """A validator for fields that hold a number as written: blank is None, or, when
    ``required`` says what belongs there, an error saying so; text without a digit is an
    error naming the field (``what``, by default its own name)."""

    def check(cls: type, v: str | None, info: ValidationInfo) -> str | None:
        out = _number_text(v, what or info.field_name)
        if out is None and required is not None:
            raise ValueError(required)
        return out

    return field_validator(*fields)(classmethod(check))


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FundsItem(_Answer):
    """One figure of a funds table (or a funds block of a scorecard)."""

    table: str | None = Field(None, description="title of the table as written")
    label: str = Field(description="the row label exactly as written, e.g. 其中：财政拨款")
    column: str | None = Field(None, description="the column header as written, e.g. 全年执行数")
    entity: str | None = Field(None, description="institution the row is about, if several")
    category: FundsCategory
    measure: FundsMeasure
    raw: str = Field(description="the number exactly as written, without its unit")
    unit: str | None = Field("万元", description="unit of the figure: 万元, 元, 亿元, %")

    _raw = _number_field("raw", required="raw must be the number as written in the table")


class IndicatorItem(_Answer):
    """One row of an indicator table: cells copied as written, empty cells left null."""

    level1: str | None = Field(None, description="一级指标 cell, e.g. 产出指标")
    level2: str | None = Field(None, description="二级指标 cell, e.g. 数量指标")
    name: str = Field(description="三级指标 (the indicator's name) exactly as written")
    target: str | None = Field(None, description="年度指标值 cell as written")
    actual: str | None = Field(None, description="实际完成值 cell as written")
    weight: str | None = Field(None, description="分值 as written (a number)")
    score: str | None = Field(None, description="得分 as written (a number)")
    deviation_note: str | None = Field(None, description="偏差原因 cell as written")

    _numbers = _number_field("weight", "score")


class GoalItem(_Answer):
    expected: str | None = Field(None, description="预期目标 text as written")
    actual: str | None = Field(None, description="实际完成情况 text as written")


class LevelHeaderItem(_Answer):
    name: str = Field(description="level-1 indicator header, e.g. 产出指标")
    weight: str = Field(description="its stated weight, e.g. 50 from 产出指标(50分)")

    _weight = _number_field(
        "weight", required="weight must be the header's stated weight, a number"
    )


class ScorecardItem(_Answer):
    """A self-evaluation table (绩效自评表), or the part of it this chunk shows."""

    title: str | None = Field(None, description="the table's title as written")
    kind: ScorecardKind = ScorecardKind.project
    group: str | None = Field(None, description="group label when one table holds several")
    project_name: str | None = Field(None, description="项目名称 as written")
    supervisor: str | None = Field(None, description="主管部门 as written")
    implementer: str | None = Field(None, description="实施单位 as written")
    funds: list[FundsItem] = Field(default_factory=list)
    goals: list[GoalItem] = Field(default_factory=list)
    level_headers: list[LevelHeaderItem] = Field(default_factory=list)
    indicators: list[IndicatorItem] = Field(default_factory=list)
    total_score: str | None = Field(None, description="总分 / 自评得分 as written")
    max_score: str | None = Field(None, description="the total's full marks, e.g. 100")
    grade: str | None = Field(None, description="评价等级 as written, e.g. 优")

    _scores = _number_field("total_score", "max_score")


class FactItem(_Answer):
    label: str = Field(description="what the figure is, in the text's words, e.g. 本年收入总计")
    raw: str = Field(description="the number exactly as written, without its unit")
    unit: str | None = Field(None, description="unit as written: 万元, 元, %, 家, 个 …")

    _raw = _number_field("raw", required="raw must be the number as written in the sentence")


class SectionItem(_Answer):
    heading: str = Field(description="the heading line exactly as written, numbering included")
    level: int = Field(ge=1, le=9, description="1 for 一、, 2 for （一）, 3 for 1、 …")
    kind: SectionKind = SectionKind.other


class PersonnelItem(_Answer):
    staffing_quota: str | None = Field(None, description="编制数 as written (a number)")
    headcount: str | None = Field(None, description="实有人数 as written (a number)")
    control_rate: str | None = Field(None, description="控制率 as written (a number)")

    _figures = _number_field("staffing_quota", "headcount", "control_rate", what="personnel figure")


class TablesAnswer(_Answer):
    """Task ``tables``: scorecards, funds tables that belong to no scorecard, and what the
    cells state in sentences (figures, staffing) — tables in these reports hold prose too."""

    scorecards: list[ScorecardItem] = Field(default_factory=list)
    funds: list[FundsItem] = Field(default_factory=list)
    facts: list[FactItem] = Field(default_factory=list)
    sections: list[SectionItem] = Field(default_factory=list)
    personnel: PersonnelItem = Field(default_factory=lambda: PersonnelItem())


class NarrativeAnswer(_Answer):
    """Task ``narrative``: figures stated in prose, section headings, staffing figures."""

    facts: list[FactItem] = Field(default_factory=list)
    sections: list[SectionItem] = Field(default_factory=list)
    personnel: PersonnelItem = Field(default_factory=PersonnelItem)


class MetaAnswer(_Answer):
    """Task ``meta``: who reports, for which year, when."""

    unit_name: str | None = Field(None, description="the reporting department as written")
    fiscal_year: str | None = Field(None, description="the budget year evaluated, e.g. 2021")
    report_date: str | None = Field(None, description="the report's date as written")
    report_kind: ReportKind | None = None

    _year = _number_field("fiscal_year")


ANSWERS: dict[str, type[_Answer]] = {
    "tables": TablesAnswer,
    "narrative": NarrativeAnswer,
    "meta": MetaAnswer,
}
"""Task name → response model.  The task of a request is also the name of its schema."""


_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")
_CAPPED = {"facts": "numbers", "funds": "numbers", "sections": "lines", "scorecards": "lines"}


def bounded(task: str, chunk_text: str) -> type[_Answer]:
    """The task's response model with its lists capped by what the chunk can hold: no more
    figures than numbers in it, no more headings or tables than lines.

    A small model may repeat a list item until it runs out of tokens; servers that turn the
    schema into a grammar (llama.cpp) stop it at the cap instead.  The class keeps its name,
    which is the schema name the server sees."""
    numbers = max(1, len(_NUMBER_TOKEN.findall(chunk_text)))
    lines = max(1, sum(1 for line in chunk_text.splitlines() if line.strip()))
    caps = tuple(
        (name, numbers if kind == "numbers" else lines)
        for name, kind in _CAPPED.items()
        if name in ANSWERS[task].model_fields
    )
    return _bounded(task, caps)


@lru_cache(maxsize=512)
def _bounded(task: str, caps: tuple[tuple[str, int], ...]) -> type[_Answer]:
    base = ANSWERS[task]
    fields: dict[str, Any] = {
        name: (base.model_fields[name].annotation, Field(default_factory=list, max_length=cap))
        for name, cap in caps
    }
    return create_model(base.__name__, __base__=base, __doc__=base.__doc__, **fields)
