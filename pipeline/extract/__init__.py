"""Extraction: from a Document and its Layout to a Report.

Backends:

* ``rules``: deterministic and offline, the default when no model is configured;
* ``llm``: schema-constrained model calls over table-aware chunks, grounded and merged
  (``pipeline.llm.backend``);
* ``hybrid``: the rules where they parse, the model for the rest and for narrative, their
  disagreements as findings (``pipeline.llm.hybrid``).

The model backends need a ``ModelExtractor`` (a configured endpoint); ``extract`` refuses them
without one, and ``resolve_backend`` is where a command decides what to do when none is
configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.layout.model import Layout
from pipeline.schema import Report

if TYPE_CHECKING:
    from pipeline.llm.backend import ModelExtractor

BACKENDS: tuple[str, ...] = ("rules", "llm", "hybrid")
MODEL_BACKENDS: frozenset[str] = frozenset({"llm", "hybrid"})


def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise PipelineError(f"unknown backend {name!r} (available: {', '.join(BACKENDS)})")
    return name


def extract(
    doc: Document, layout: Layout, backend: str = "rules", model: ModelExtractor | None = None
) -> Report:
    check_backend(backend)
    if backend == "rules":
        from pipeline.extract.rules import extract_rules

        return extract_rules(doc, layout)
    if model is None:
        raise PipelineError(f"backend {backend!r} needs a configured model")
    if backend == "llm":
        return model.extract(doc, layout)
    from pipeline.llm.hybrid import extract_hybrid

    return extract_hybrid(doc, layout, model)
