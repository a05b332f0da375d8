"""The model backend of drafting: the figures go to the model as data, the section comes back
as text, and the verifier decides.

The prompt (``prompts/draft.md``) asks for prose that copies every number from the data;
one style example is the text of a section of the same kind in *another* document's source
(located by that document's gold headings).  A draft with a number the verifier cannot match
is sent back with the offending numbers and their sentences named, up to ``RETRIES`` times;
a draft that still has one is rejected — returned with status ``rejected`` and its unverified
numbers listed, never as a good draft.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, create_model

from pipeline.draft import SECTIONS, Draft
from pipeline.draft.figures import BudgetLine, DraftFacts, Figure
from pipeline.draft.template import context
from pipeline.draft.verify import Verification, verify
from pipeline.llm.client import ModelCallError, ModelClient
from pipeline.llm.examples import gold_documents
from pipeline.llm.prompts import load_prompt
from pipeline.schema import Report, SectionKind

RETRIES = 2
"""Re-asks after the first draft: three drafts in all."""

STYLE_KINDS = {
    "budget": (SectionKind.budget_overview,),
    "indicators": (SectionKind.indicator_analysis, SectionKind.goal_completion),
    "problems": (SectionKind.problems, SectionKind.improvements),
    "summary": (SectionKind.conclusion,),
}
STYLE_CHARS = 400
MIN_CHARS = 10
"""A section shorter than this is no section: an empty answer is not a verified draft."""


class DraftText(BaseModel):
    text: str = Field(description="the section's text, plain prose, no heading")


MAX_CHARS = {"summary": 400, "budget": 1500, "problems": 4000, "indicators": 12000}
"""Longest text accepted per section: servers that turn the schema into a grammar stop a
rambling model there instead of at max_tokens, where its JSON would be cut."""


def _answer_model(kind: str) -> type[DraftText]:
    return create_model(
        "DraftText",
        __base__=DraftText,
        text=(
            str,
            Field(
                description="the section's text, plain prose, no heading",
                max_length=MAX_CHARS[kind],
            ),
        ),
    )


def _fig(f: Figure | None) -> str | None:
    return None if f is None else f"{f.text}{f.unit or ''}"


def _line(line: BudgetLine) -> dict[str, Any]:
    out: dict[str, Any] = {"项目": line.label}
    names = {
        "budget": "全年预算数",
        "initial": "年初预算数",
        "executed": "全年执行数",
        "any": "金额",
    }
    for stage, name in names.items():
        if stage in line.figures:
            out[name] = _fig(line.figures[stage])
    if line.rate is not None:
        out["执行率"] = _fig(line.rate)
    if line.share is not None and line.share.value <= 100:
        out["占比"] = _fig(line.share)
    return out


def payload(facts: DraftFacts, kind: str) -> dict[str, Any]:
    """The data of one section, as the model sees it: labels and numbers as they may be
    written (every value here is a figure the verifier knows)."""
    ctx = context(facts)
    data: dict[str, Any] = {"单位": facts.unit_name, "年度": _fig(facts.year)}
    if kind in ("budget", "summary", "problems") and facts.total is not None:
        data["总体"] = _line(facts.total)
    if kind == "budget":
        data["收入"] = [_line(x) for x in ctx["income"]]
        data["支出"] = [_line(x) for x in ctx["expenditure"]]
    if kind in ("indicators", "summary"):
        data["自评表"] = [
            {
                "名称": c.project or c.name,
                "得分": _fig(c.total),
                "满分": _fig(c.max_score),
                "等级": c.grade,
                "指标数": _fig(c.counts["indicators"]),
                "完成数": _fig(c.counts["met"]),
                "未完成数": _fig(c.counts["missed"]),
                "指标": [
                    {
                        "一级指标": i.level1,
                        "名称": i.name,
                        "目标": i.target,
                        "实际": i.actual,
                        "完成情况": {
                            "met": "完成",
                            "exceeded": "超额完成",
                            "missed": "未完成",
                        }.get(i.status, "定性"),
                        "扣分": _fig(i.deduction),
                    }
                    for i in c.indicators
                ]
                if kind == "indicators"
                else None,
            }
            for c in facts.cards
        ]
    if kind == "problems":
        p = ctx["problems"]
        data["未完成指标"] = [
            {"名称": i.name, "目标": i.target, "实际": i.actual, "原因": i.note}
            for i in p["missed"]
        ]
        data["扣分指标"] = [
            {"名称": i.name, "扣分": _fig(i.deduction), "原因": i.note} for i in p["deducted"]
        ]
        data["数据不一致"] = [message for _, message in p["findings"]]
        data["执行率考核线"] = _fig(ctx["policy"])
    return data


def style_example(kind: str, doc_id: str) -> str | None:
    """The text of a section of this kind in another gold document's source."""
    for other_id, _, doc, gold in gold_documents():
        if other_id == doc_id:
            continue
        heads = sorted(
            (s for s in gold.sections if s.heading.span is not None),
            key=lambda s: s.heading.span.start,
        )
        for k, s in enumerate(heads):
            if s.kind not in STYLE_KINDS[kind]:
                continue
            end = heads[k + 1].heading.span.start if k + 1 < len(heads) else len(doc.original)
            body = " ".join(doc.original[s.heading.span.end : end].split())
            if len(body) >= 60:
                return body[:STYLE_CHARS]
    return None


def _feedback(v: Verification) -> str:
    lines = [f"- {n.text}（所在句：{n.sentence}）" for n in v.unverified]
    return (
        "下列数字在给定数据中找不到，不能使用：\n"
        + "\n".join(lines)
        + "\n请只用给定数据中的数字重写这一章节。"
    )


def draft_with_model(report: Report, kind: str, facts: DraftFacts, client: ModelClient) -> Draft:
    prompt = load_prompt("draft")
    system = prompt.text.strip()
    example = style_example(kind, report.doc_id)
    system += "\n" + (example or "（无示例）")
    request = f"请撰写“{SECTIONS[kind]}”一节。数据如下：\n" + json.dumps(
        payload(facts, kind), ensure_ascii=False, indent=1
    )
    messages: list[dict[str, str]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": request},
    ]
    figures = facts.figures()
    response_model = _answer_model(kind)
    notes: list[str] = []
    draft: Draft | None = None
    for attempt in range(1, RETRIES + 2):
        try:
            answer, _ = client.complete(messages, response_model)
        except ModelCallError as exc:
            notes.append(f"attempt {attempt}: {exc}")
            return Draft(kind, SECTIONS[kind], "", "llm", Verification(), "failed", attempt, notes)
        text = answer.text.strip() + "\n"
        v = verify(text, figures)
        empty = len(text.strip()) < MIN_CHARS
        good = v.ok and not empty
        draft = Draft(
            kind, SECTIONS[kind], text, "llm", v, "verified" if good else "rejected", attempt, notes
        )
        if good:
            return draft
        if empty:
            notes.append(f"attempt {attempt}: the draft is empty or nearly so")
            messages += [
                {"role": "assistant", "content": answer.text},
                {"role": "user", "content": "这一章节不能为空，请根据给定数据写出正文。"},
            ]
            continue
        notes.append(
            f"attempt {attempt}: {len(v.unverified)} unverified number(s): "
            + ", ".join(n.text for n in v.unverified)
        )
        messages += [
            {"role": "assistant", "content": answer.text},
            {"role": "user", "content": _feedback(v)},
        ]
    assert draft is not None
    draft.notes = notes
    return draft
