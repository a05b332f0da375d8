"""The rules backend: deterministic extraction from the layout and the text, no model.

Each part of the Report has its own reader; this module only puts them together, in the
order data flows (tables → scorecards and funds, then document meta, budget tables that are
not scorecards, prose facts, sections).
"""

from __future__ import annotations

from pipeline.document import Document
from pipeline.extract.budget_tables import dated_measure, extract_budget_tables
from pipeline.extract.facts import extract_facts
from pipeline.extract.meta import extract_meta, extract_personnel
from pipeline.extract.scorecards import extract_scorecards
from pipeline.extract.sections import extract_sections
from pipeline.layout.model import Layout
from pipeline.schema import Provenance, Report, SourceInfo

BACKEND = "rules"


def extract_rules(doc: Document, layout: Layout) -> Report:
    cards, department_funds, used_tables = extract_scorecards(doc, layout)
    meta = extract_meta(doc, layout, cards)
    year = int(meta.fiscal_year.value) if meta.fiscal_year and meta.fiscal_year.value else None
    for line in department_funds:
        line.measure = dated_measure(line.column or "", line.measure, year)
    department_funds += extract_budget_tables(doc, layout, used_tables, year)
    return Report(
        doc_id=doc.doc_id,
        source=SourceInfo(
            path=doc.path, sha256=doc.sha256, format=doc.format, encoding=doc.encoding
        ),
        meta=meta,
        personnel=extract_personnel(doc, layout),
        scorecards=cards,
        funds=department_funds,
        facts=extract_facts(doc, layout),
        sections=extract_sections(doc, layout),
        provenance=Provenance(backend=BACKEND),
    )
