"""The extraction backends by name: the one place that knows them all, chooses one and runs it.

* ``rules``: deterministic and offline (``pipeline.extract``), the default when no model is
  configured;
* ``llm``: schema-constrained model calls over table-aware chunks, grounded and merged
  (``pipeline.llm.backend``);
* ``hybrid``: the rules where they parse, the model for the rest and for narrative, their
  disagreements as findings (``pipeline.llm.hybrid``).

This registry stands above both packages so that neither imports the other to be chosen: the
rules know nothing of models, and the model path reaches the rules only through the hybrid
backend.  It imports the model stack (openai, instructor, langchain: most of a rules run's
start-up once) only when a model backend is asked for, so a rules run never loads it.

The model backends need a ``ModelExtractor`` (a configured endpoint); ``extract`` refuses them
without one, and ``open_backend`` is where a command decides what to do when none is
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
    from pipeline.llm.settings import LLMSettings, ModelOptions

BACKENDS: tuple[str, ...] = ("rules", "llm", "hybrid")
MODEL_BACKENDS: frozenset[str] = frozenset({"llm", "hybrid"})


def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise PipelineError(f"unknown backend {name!r} (available: {', '.join(BACKENDS)})")
    return name


def extract(
    doc: Document, layout: Layout, backend: str = "rules", model: ModelExtractor | None = None
) -> Report:
    """One document's Report by ``backend`` (its findings are the extraction's own only)."""
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


def open_backend(
    backend: str,
    options: ModelOptions | None = None,
    *,
    settings: LLMSettings | None = None,
) -> tuple[str, ModelExtractor | None, str | None]:
    """What a command runs: ``(backend, extractor or None, notice or None)``.

    ``auto`` is ``hybrid`` with a configured model; without one, ``auto``, ``llm`` and
    ``hybrid`` all fall back to ``rules`` and the notice says so (to be shown once per run,
    not per document).  The model stack is imported only when an extractor is built."""
    if backend != "auto":
        check_backend(backend)
    if backend == "rules":
        return "rules", None, None
    from pipeline.llm.settings import LLMSettings

    settings = settings or LLMSettings.from_env()
    if not settings.configured:
        instead = f" instead of {backend}" if backend in MODEL_BACKENDS else ""
        notice = (
            "no model configured (set PIPELINE_LLM_MODEL and OPENAI_BASE_URL): "
            f"using the rules backend{instead}"
        )
        return "rules", None, notice
    from pipeline.llm.backend import ModelExtractor

    chosen = "hybrid" if backend == "auto" else backend
    return chosen, ModelExtractor(settings, options), None
