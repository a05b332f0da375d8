"""The ``hybrid`` backend: the rules where they parse, the model for the rest.

The rules backend reads the tables whose layout it knows exactly and most prose figures; a
model reads what it cannot: tables no rule read a value from, and all narrative (figures,
headings, staffing, the document's meta), where wording varies too much for patterns.

Where both read the same field or the same place and disagree, the rules' value is kept (it is
deterministic and was measured against gold) and the disagreement becomes a finding of family
``extraction`` (rule ``extraction.disagreement``), naming both values: it says the extraction
is uncertain there, not that the document is inconsistent.
"""

from __future__ import annotations

from pipeline.document import Document
from pipeline.extract.rules import extract_rules
from pipeline.layout.model import Layout
from pipeline.llm.backend import ModelExtractor
from pipeline.llm.grounding import squeeze
from pipeline.schema import (
    Finding,
    FindingValue,
    Grounded,
    Meta,
    Personnel,
    Report,
    Severity,
    iter_grounded,
)

RULE = "extraction.disagreement"


def parsed_tables(report: Report, doc: Document, layout: Layout) -> set[int]:
    """Tables of the layout holding at least one value the rules extracted."""
    spans = [
        g.span
        for path, g in iter_grounded(report)
        if g.span is not None and path.startswith(("scorecards", "funds"))
    ]
    out = set()
    for t in layout.tables:
        s, e = doc.offsets.to_original(t.start, t.end)
        if any(s <= sp.start and sp.end <= e for sp in spans):
            out.add(t.index)
    return out


def extract_hybrid(doc: Document, layout: Layout, model: ModelExtractor) -> Report:
    rules = extract_rules(doc, layout)
    parsed = parsed_tables(rules, doc, layout)
    llm = model.extract(
        doc, layout, tables=[t.index for t in layout.tables if t.index not in parsed]
    )
    return combine(rules, llm)


def _value(g: Grounded) -> str:
    v = getattr(g, "value", None)
    return str(v) if v is not None else squeeze(g.raw)


def _disagree(what: str, zh: str, rules: Grounded, model: Grounded, sev: Severity) -> Finding:
    return Finding(
        rule=RULE,
        family="extraction",
        severity=sev,
        message_zh=f"{zh}：规则读出 {rules.raw!r}，模型读出 {model.raw!r}",
        message_en=f"{what}: the rules read {rules.raw!r}, the model {model.raw!r}",
        values=[_involved("rules", what, rules), _involved("model", what, model)],
    )


def _involved(role: str, what: str, g: Grounded) -> FindingValue:
    return FindingValue(
        role=role,
        where=what,
        raw=g.raw,
        span=g.span,
        value=getattr(g, "value", None),
        unit=getattr(g, "unit", None),
    )


def combine(rules: Report, llm: Report) -> Report:
    """The rules' Report completed with the model's, disagreements as findings."""
    out = rules.model_copy(deep=True)
    findings: list[Finding] = []
    for owner_out, owner_llm, cls, zh in (
        (out.meta, llm.meta, Meta, "文档信息"),
        (out.personnel, llm.personnel, Personnel, "人员情况"),
    ):
        for name in cls.model_fields:
            mine, theirs = getattr(owner_out, name), getattr(owner_llm, name)
            if theirs is None or not isinstance(theirs, Grounded):
                if mine is None and theirs is not None:
                    setattr(owner_out, name, theirs)
                continue
            if mine is None:
                setattr(owner_out, name, theirs)
            elif _value(mine) != _value(theirs):
                findings.append(
                    _disagree(
                        f"{cls.__name__.lower()}.{name}",
                        f"{zh} {name}",
                        mine,
                        theirs,
                        Severity.warning,
                    )
                )
    out.scorecards += llm.scorecards
    out.funds += llm.funds
    facts = {f.quantity.span.as_tuple(): f for f in out.facts if f.quantity.span}
    for f in llm.facts:
        span = f.quantity.span
        if span is None or span.as_tuple() in facts:
            continue
        clash = next(
            (r for r in out.facts if r.quantity.span and r.quantity.span.overlaps(span)), None
        )
        if clash is not None:
            findings.append(
                _disagree(
                    f"fact {f.label}",
                    f"数字“{f.label}”",
                    clash.quantity,
                    f.quantity,
                    Severity.warning,
                )
            )
            continue
        out.facts.append(f)
    heads = {s.heading.span.as_tuple(): s for s in out.sections if s.heading.span}
    for s in llm.sections:
        span = s.heading.span
        if span is None:
            continue
        mine = heads.get(span.as_tuple())
        if mine is None:
            if not any(h.heading.span and h.heading.span.overlaps(span) for h in out.sections):
                out.sections.append(s)
        elif mine.level != s.level:
            findings.append(
                _disagree(
                    f"section level (rules {mine.level}, model {s.level})",
                    f"章节层级（规则 {mine.level} 级，模型 {s.level} 级）",
                    mine.heading,
                    s.heading,
                    Severity.info,
                )
            )
    out.facts.sort(key=lambda f: f.quantity.span.start if f.quantity.span else -1)
    out.sections.sort(key=lambda s: s.heading.span.start if s.heading.span else -1)
    out.findings = findings
    prov = llm.provenance.model_copy() if llm.provenance else None
    if prov is not None:
        prov.backend = "hybrid"
    out.provenance = prov
    return out
