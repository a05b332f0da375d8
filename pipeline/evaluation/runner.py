"""Running a backend over the gold documents and scoring it: what ``pipeline eval`` does."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.check import check_report
from pipeline.errors import PipelineError
from pipeline.evaluation.gold import load_gold
from pipeline.evaluation.issues import aggregate_checker, score_findings
from pipeline.evaluation.results import EvalRun
from pipeline.evaluation.score import score_report
from pipeline.extract import BACKENDS
from pipeline.ingest import read_document
from pipeline.layout import analyze
from pipeline.stages import build_report


def evaluate(gold_dir: Path, raw_dir: Path, backend: str) -> EvalRun:
    if backend not in BACKENDS:
        raise PipelineError(f"unknown backend {backend!r} (available: {', '.join(BACKENDS)})")
    gold_files = sorted(Path(gold_dir).glob("*.json"))
    if not gold_files:
        raise PipelineError(f"{gold_dir}: no gold files (*.json)")
    scores, seconds, on_gold = [], {}, []
    for path in gold_files:
        gold = load_gold(path)
        raw = _raw_for(raw_dir, gold.doc_id)
        started = time.perf_counter()
        doc = read_document(raw)
        pred = build_report(doc, analyze(doc.normalized), backend)
        seconds[gold.doc_id] = time.perf_counter() - started
        scores.append(score_report(gold, pred, doc.original))
        on_gold.append(score_findings(gold, check_report(gold, doc.original)))
    run = EvalRun.build(backend, scores, seconds)
    run.checker_on_gold = aggregate_checker(on_gold)
    return run


def _raw_for(raw_dir: Path, doc_id: str) -> Path:
    matches = [p for p in Path(raw_dir).glob(f"{doc_id}.*") if p.suffix != ".json"]
    if not matches:
        raise PipelineError(f"{raw_dir}: no source file for gold document {doc_id!r}")
    return matches[0]
