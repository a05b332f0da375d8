"""Answers written from gold: what a perfect model would return for a chunk.

``answer_from_gold`` turns the hand-labelled gold of a document into the answer of one task
for one chunk, holding exactly the gold values whose spans lie inside the chunk.  It serves
two purposes with one definition:

* few-shot examples in the prompts, always taken from a document *other* than the one being
  extracted (``few_shot``), so the model sees the conventions on real text;
* the oracle test server, which answers each call this way: a pipeline fed perfect per-chunk
  answers must reproduce the gold, so what it loses is what chunking and merging lose.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.document import Document
from pipeline.llm.answers import (
    ANSWERS,
    FactItem,
    FundsItem,
    GoalItem,
    IndicatorItem,
    LevelHeaderItem,
    MetaAnswer,
    NarrativeAnswer,
    PersonnelItem,
    ScorecardItem,
    SectionItem,
    TablesAnswer,
)
from pipeline.llm.chunking import Chunk
from pipeline.normalize import normalize
from pipeline.schema import (
    INDICATOR_VALUES,
    FundsLine,
    Grounded,
    Personnel,
    Report,
    Scorecard,
)

log = logging.getLogger(__name__)

EXAMPLES_DIR_ENV = "PIPELINE_EXAMPLES_DIR"
"""Folder holding ``gold/*.json`` and ``raw/<doc_id>.txt`` for few-shot examples; by default
the ``fixtures`` folder of the source checkout."""

EXAMPLE_TOKENS = 300
"""Budget of an example chunk: enough for a few table rows or a paragraph."""


class ChunkWindow:
    """Which original offsets a chunk covers (its normalized spans mapped back)."""

    def __init__(self, doc: Document, chunk: Chunk):
        self.ranges = [doc.offsets.to_original(a, b) for a, b in chunk.spans]

    def holds(self, g: Grounded | None) -> bool:
        if g is None or g.span is None:
            return False
        return any(a <= g.span.start and g.span.end <= b for a, b in self.ranges)


def _raw(g: Grounded | None, inside: ChunkWindow) -> str | None:
    return g.raw if inside.holds(g) else None


def _funds(lines: Sequence[FundsLine], inside: ChunkWindow) -> list[FundsItem]:
    return [
        FundsItem(
            table=f.table,
            label=f.label,
            column=f.column,
            entity=f.entity,
            category=f.category,
            measure=f.measure,
            raw=f.amount.raw,
            unit=f.amount.unit,
        )
        for f in lines
        if inside.holds(f.amount)
    ]


def _card(card: Scorecard, inside: ChunkWindow) -> ScorecardItem | None:
    item = ScorecardItem(
        title=_raw(card.title, inside),
        kind=card.kind,
        group=card.group,
        project_name=_raw(card.project_name, inside),
        supervisor=_raw(card.supervisor, inside),
        implementer=_raw(card.implementer, inside),
        funds=_funds(card.funds, inside),
        goals=[
            GoalItem(expected=_raw(g.expected, inside), actual=_raw(g.actual, inside))
            for g in card.goals
            if inside.holds(g.expected) or inside.holds(g.actual)
        ],
        level_headers=[
            LevelHeaderItem(name=h.name.raw, weight=h.weight.raw)
            for h in card.level_headers
            if inside.holds(h.weight) and inside.holds(h.name)
        ],
        indicators=[
            IndicatorItem(
                name=i.name.raw,
                **{c: _raw(getattr(i, c), inside) for c in INDICATOR_VALUES},
            )
            for i in card.indicators
            if inside.holds(i.name)
        ],
        total_score=_raw(card.total_score, inside),
        max_score=_raw(card.max_score, inside),
        grade=_raw(card.grade, inside),
    )
    has_values = (
        item.funds or item.goals or item.level_headers or item.indicators or item.total_score
    )
    return item if has_values or item.max_score or item.grade else None


def _personnel(p: Personnel, inside: ChunkWindow) -> PersonnelItem:
    return PersonnelItem(
        **{name: _raw(getattr(p, name), inside) for name in Personnel.model_fields}
    )


def _facts(gold: Report, inside: ChunkWindow) -> list[FactItem]:
    return [
        FactItem(label=f.label, raw=f.quantity.raw, unit=f.quantity.unit)
        for f in gold.facts
        if inside.holds(f.quantity)
    ]


def _sections(gold: Report, inside: ChunkWindow) -> list[SectionItem]:
    return [
        SectionItem(heading=s.heading.raw, level=s.level, kind=s.kind)
        for s in gold.sections
        if inside.holds(s.heading)
    ]


def answer_from_gold(gold: Report, doc: Document, chunk: Chunk, task: str):
    """The answer of ``task`` for ``chunk`` that holds exactly the gold inside the chunk."""
    inside = ChunkWindow(doc, chunk)
    if task == "tables":
        return TablesAnswer(
            scorecards=[c for card in gold.scorecards if (c := _card(card, inside))],
            funds=_funds(gold.funds, inside),
            facts=_facts(gold, inside),
            sections=_sections(gold, inside),
            personnel=_personnel(gold.personnel, inside),
        )
    if task == "narrative":
        return NarrativeAnswer(
            facts=_facts(gold, inside),
            sections=_sections(gold, inside),
            personnel=_personnel(gold.personnel, inside),
        )
    if task == "meta":
        m = gold.meta
        return MetaAnswer(
            unit_name=_raw(m.unit_name, inside),
            fiscal_year=_raw(m.fiscal_year, inside),
            report_date=_raw(m.report_date, inside),
            report_kind=m.report_kind,
        )
    raise ValueError(f"unknown task {task!r} (known: {', '.join(ANSWERS)})")


# ---------------------------------------------------------------------- few-shot


@dataclass(frozen=True)
class Example:
    doc_id: str
    text: str
    answer_json: str


def examples_dir() -> Path | None:
    configured = os.environ.get(EXAMPLES_DIR_ENV)
    path = Path(configured) if configured else Path(__file__).resolve().parents[2] / "fixtures"
    return path if (path / "gold").is_dir() and (path / "raw").is_dir() else None


@lru_cache(maxsize=8)
def _pool(folder: str) -> tuple[tuple[str, str, Document, Report], ...]:
    from pipeline.evaluation.gold import load_gold
    from pipeline.ingest import read_document

    out = []
    for gold_path in sorted(Path(folder, "gold").glob("*.json")):
        raw = Path(folder, "raw", gold_path.stem + ".txt")
        if raw.exists():
            doc = read_document(raw)
            out.append((doc.doc_id, doc.sha256, doc, load_gold(gold_path)))
    return tuple(out)


@lru_cache(maxsize=64)
def _example(folder: str, task: str, exclude_sha256: str, exclude_id: str) -> Example | None:
    from pipeline.layout import analyze
    from pipeline.llm.chunking import plan_chunks

    kind = "table" if task == "tables" else "narrative"
    best: tuple[int, Example] | None = None
    for doc_id, sha, doc, gold in _pool(folder):
        if sha == exclude_sha256 or doc_id == exclude_id:
            continue
        chunks = plan_chunks(doc, analyze(doc.normalized), max_tokens=EXAMPLE_TOKENS)
        for chunk in chunks:
            if chunk.kind != kind and task != "meta":
                continue
            answer = answer_from_gold(gold, doc, chunk, task)
            # the model sees normalized text: the example's answer copies it as shown
            dumped = _normalized(answer.model_dump(mode="json", exclude_none=True))
            size = len(str(dumped))
            if size > 20 and (best is None or size > best[0]):
                best = (size, Example(doc_id, chunk.text, json.dumps(dumped, ensure_ascii=False)))
            if task == "meta":
                break  # the title page of each document
    return best[1] if best else None


def _normalized(value: Any) -> Any:
    """Every string inside ``value`` normalized as document text is (full-width digits …)."""
    if isinstance(value, str):
        return normalize(value, fragment=True)[0]
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


def gold_documents() -> tuple[tuple[str, str, Document, Report], ...]:
    """(doc_id, sha256, Document, gold Report) of every gold document at hand."""
    folder = examples_dir()
    return _pool(str(folder)) if folder is not None else ()


def few_shot(task: str, doc: Document) -> Example | None:
    """An example for ``task`` from another document's gold, or None when none is at hand."""
    folder = examples_dir()
    if folder is None:
        log.info("no gold examples found (set %s): prompts go without one", EXAMPLES_DIR_ENV)
        return None
    return _example(str(folder), task, doc.sha256, doc.doc_id)
