"""Drafting narrative sections from a Report's figures, every number verified.

``draft_section(report, kind)`` writes one section (``budget`` 预算执行情况, ``indicators``
绩效指标完成情况, ``problems`` 存在问题及改进措施, ``summary`` 总体评价) with the template
backend, or with a model (``backend="llm"``, see ``pipeline.draft.model``); ``draft_all``
writes them all.  Every draft is checked by the faithfulness verifier
(``pipeline.draft.verify``): its ``verification`` lists each number with the figure it
matched, and a model draft that keeps an unverified number is rejected, never returned as
good.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.draft.figures import DraftFacts, draft_facts
from pipeline.draft.verify import Verification, verify
from pipeline.errors import PipelineError
from pipeline.schema import Report

if TYPE_CHECKING:
    from pipeline.llm.client import ModelClient

SECTIONS: dict[str, str] = {
    "budget": "预算执行情况",
    "indicators": "绩效指标完成情况",
    "problems": "存在问题及改进措施",
    "summary": "总体评价",
}


@dataclass
class Draft:
    kind: str
    title: str
    text: str
    backend: str
    verification: Verification
    status: str  # verified; unverified (a template bug: reported, not hidden); rejected; failed
    attempts: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "verified"

    def summary(self) -> dict:
        v = self.verification
        return {
            "section": self.kind,
            "title": self.title,
            "backend": self.backend,
            "status": self.status,
            "attempts": self.attempts,
            "numbers": v.total,
            "verified": v.verified,
            "verified_share": round(v.share, 4),
            "unverified": [{"number": n.text, "sentence": n.sentence} for n in v.unverified],
            "notes": self.notes,
        }


def check_kind(kind: str) -> str:
    if kind not in SECTIONS:
        raise PipelineError(f"unknown section {kind!r} (available: {', '.join(SECTIONS)})")
    return kind


def draft_section(
    report: Report,
    kind: str,
    *,
    backend: str = "template",
    client: ModelClient | None = None,
    facts: DraftFacts | None = None,
) -> Draft:
    check_kind(kind)
    facts = facts or draft_facts(report)
    if backend == "template":
        from pipeline.draft.template import render

        text = render(kind, facts)
        v = verify(text, facts.figures())
        return Draft(
            kind, SECTIONS[kind], text, "template", v, "verified" if v.ok else "unverified"
        )
    if backend == "llm":
        if client is None:
            raise PipelineError("the llm drafting backend needs a configured model")
        from pipeline.draft.model import draft_with_model

        return draft_with_model(report, kind, facts, client)
    raise PipelineError(f"unknown drafting backend {backend!r} (available: template, llm)")


def draft_all(
    report: Report, *, backend: str = "template", client: ModelClient | None = None
) -> list[Draft]:
    facts = draft_facts(report)
    return [
        draft_section(report, kind, backend=backend, client=client, facts=facts)
        for kind in SECTIONS
    ]
