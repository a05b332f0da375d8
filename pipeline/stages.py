"""The stages of one document's run, in the order data flows:
ingest → normalize → layout → extract → check.

Each stage takes the previous stage's typed output.  ``process`` never raises for a bad document: the error is part of
its result, so a batch goes on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.backends import extract
from pipeline.check import check_report
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.ingest import read_document
from pipeline.layout import Layout, analyze
from pipeline.schema import Report

if TYPE_CHECKING:
    from pipeline.llm.backend import ModelExtractor


@dataclass
class DocumentResult:
    path: str
    document: Document | None = None
    layout: Layout | None = None
    report: Report | None = None
    error: str | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The per-document output: metadata, normalized text, tables and sections, each
        span given both in the normalized text and in the original file."""
        doc, layout = self.document, self.layout
        out: dict[str, Any] = {
            "path": self.path,
            "error": self.error,
            "seconds": round(self.seconds, 4),
        }
        if doc is None or layout is None:
            return out
        out.update(
            doc_id=doc.doc_id,
            source={
                "path": doc.path,
                "sha256": doc.sha256,
                "format": doc.format,
                "encoding": doc.encoding,
            },
            warnings=list(doc.warnings),
            normalized_text=doc.normalized,
            tables=[_table_json(doc, t) for t in layout.tables],
            sections=[
                h.model_dump() | {"original_span": doc.original_span(h.start, h.end)}
                for h in layout.headings
            ],
        )
        if self.report is not None:
            out["report"] = self.report.model_dump(mode="json", exclude_none=True)
        out.update(self.extra)
        return out


def _table_json(doc: Document, table) -> dict[str, Any]:
    data = table.model_dump(exclude={"rows"})
    data["original_span"] = doc.original_span(table.start, table.end)
    data["rows"] = [
        [c.model_dump() | {"original_span": doc.original_span(c.start, c.end)} for c in row]
        for row in table.rows
    ]
    return data


def build_report(
    document: Document,
    layout: Layout,
    backend: str = "rules",
    model: ModelExtractor | None = None,
) -> Report:
    """Extract with ``backend``, then check: the Report carries the checker's findings after
    any the extraction itself raised (the hybrid backend's disagreements)."""
    report = extract(document, layout, backend, model)
    report.findings = [*report.findings, *check_report(report, document.original)]
    return report


def process(
    path: str | Path, backend: str = "rules", model: ModelExtractor | None = None
) -> DocumentResult:
    started = time.perf_counter()
    result = DocumentResult(path=str(path))
    try:
        result.document = read_document(path)
        result.layout = analyze(result.document.normalized)
        result.report = build_report(result.document, result.layout, backend, model)
    except PipelineError as e:
        result.error = str(e)
    result.seconds = time.perf_counter() - started
    return result
