"""Running a backend over the gold documents and scoring it: what ``pipeline eval`` does."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.backends import MODEL_BACKENDS, check_backend
from pipeline.check import check_report
from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.evaluation.gold import load_gold
from pipeline.evaluation.issues import aggregate_checker, score_findings
from pipeline.evaluation.results import EvalRun
from pipeline.evaluation.score import score_report
from pipeline.evaluation.shapes import SCORED, SHAPES, render
from pipeline.ingest import read_document
from pipeline.layout import analyze
from pipeline.schema import Report
from pipeline.stages import build_report

if TYPE_CHECKING:
    from pipeline.llm.backend import ModelExtractor


def evaluate(
    gold_dir: Path,
    raw_dir: Path,
    backend: str,
    model: ModelExtractor | None = None,
    *,
    name: str = "seeds",
    before_each: Callable[[str], None] | None = None,
    after_each: Callable[[str, Report], None] | None = None,
) -> EvalRun:
    """Run ``backend`` over every gold document and score it.  ``before_each(doc_id)`` is
    called before a document is extracted (test servers use it to know the document),
    ``after_each(doc_id, report)`` with its Report."""
    check_backend(backend)
    if backend in MODEL_BACKENDS and model is None:
        raise PipelineError(
            f"backend {backend!r} needs a configured model: set PIPELINE_LLM_MODEL and "
            "OPENAI_BASE_URL (or PIPELINE_LLM_BASE_URL)"
        )
    gold_files = sorted(Path(gold_dir).glob("*.json"))
    if not gold_files:
        raise PipelineError(f"{gold_dir}: no gold files (*.json)")
    scores, seconds, on_gold = [], {}, []
    for path in gold_files:
        gold = load_gold(path)
        raw = _raw_for(raw_dir, gold.doc_id)
        if before_each is not None:
            before_each(gold.doc_id)
        started = time.perf_counter()
        doc = read_document(raw)
        pred = build_report(doc, analyze(doc.normalized), backend, model)
        seconds[gold.doc_id] = time.perf_counter() - started
        if after_each is not None:
            after_each(gold.doc_id, pred)
        scores.append(score_report(gold, pred, doc.original))
        on_gold.append(score_findings(gold, check_report(gold, doc.original)))
    run = EvalRun.build(backend, scores, seconds)
    run.set = name
    run.checker_on_gold = aggregate_checker(on_gold)
    return run


def evaluate_shapes(
    gold_dirs: list[Path], backend: str, model: ModelExtractor | None = None
) -> dict[str, EvalRun]:
    """Every gold scorecard of ``gold_dirs`` rendered into every text shape and read back:
    one run per shape, scored on the families a rendering holds (see ``shapes``)."""
    check_backend(backend)
    golds = [load_gold(p) for d in gold_dirs for p in sorted(Path(d).glob("*.json"))]
    runs: dict[str, EvalRun] = {}
    for shape in SHAPES:
        scores, seconds = [], {}
        for gold in golds:
            rendered = render(gold, shape)
            if rendered is None:
                continue
            started = time.perf_counter()
            doc = Document.from_text(
                rendered.text,
                path=Path(f"{rendered.doc_id}.txt"),
                format="text",
                encoding="utf-8",
                raw_bytes=rendered.text.encode("utf-8"),
            )
            pred = build_report(doc, analyze(doc.normalized), backend, model)
            seconds[rendered.doc_id] = time.perf_counter() - started
            score = score_report(rendered.gold, pred, doc.original)
            score.families = {k: v for k, v in score.families.items() if k in SCORED}
            score.checker = None  # a rendering holds no stated relation the gold labels
            scores.append(score)
        run = EvalRun.build(backend, scores, seconds)
        run.set = f"shape {shape}"
        runs[shape] = run
    return runs


def _raw_for(raw_dir: Path, doc_id: str) -> Path:
    matches = [p for p in Path(raw_dir).glob(f"{doc_id}.*") if p.suffix != ".json"]
    if not matches:
        raise PipelineError(f"{raw_dir}: no source file for gold document {doc_id!r}")
    return matches[0]
