"""The shape-invariance figures: one row per text shape, F1 per scored family, written beside
the other results and gated by ``eval/thresholds.json`` (``<backend>-shapes-clean`` for every
clean shape, ``<backend>-shapes-noisy`` for every noisy one)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.evaluation.results import (
    EvalRun,
    check_thresholds,
    file_stem,
    fmt_score,
    style_score,
)
from pipeline.evaluation.shapes import NOISY, SCORED
from pipeline.output import atomic_write_text


def summary(backend: str, runs: Mapping[str, EvalRun]) -> dict[str, Any]:
    """Per shape: documents, F1/P/R with counts per scored family, grounding, and each
    document's lowest family F1 (where to look first)."""
    shapes: dict[str, Any] = {}
    for shape, run in runs.items():
        fams = run.aggregate.get("families", {})
        shapes[shape] = {
            "noisy": shape in NOISY,
            "docs": len(run.docs),
            "families": {f: fams[f] for f in SCORED if f in fams},
            "grounding_rate": run.grounding_rate,
            "worst_per_doc": {
                d.doc_id: round(min(d.families[f].f1 for f in SCORED if f in d.families), 3)
                for d in run.docs
            },
        }
    return {"backend": backend, "families": list(SCORED), "shapes": shapes}


def to_markdown(data: Mapping[str, Any]) -> str:
    header = ["shape", "kind", "docs", *data["families"], "grounding"]
    lines = [
        f"# Shape invariance: {data['backend']}",
        "",
        "Every gold scorecard (seeds and wild set) rendered into each text shape and read "
        "back; F1 against the rendered gold (see `pipeline/evaluation/shapes.py`).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for shape, s in data["shapes"].items():
        cells = [shape, "noisy" if s["noisy"] else "clean", str(s["docs"])]
        cells += [fmt_score(s["families"].get(f, {}).get("f1")) for f in data["families"]]
        cells.append(fmt_score(s["grounding_rate"]))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Lowest family F1 per document and shape:", ""]
    for shape, s in data["shapes"].items():
        worst = sorted(s["worst_per_doc"].items(), key=lambda kv: kv[1])[:5]
        lines.append(f"- {shape}: " + ", ".join(f"{d} {v:.3f}" for d, v in worst))
    return "\n".join(lines) + "\n"


def render_rich(data: Mapping[str, Any], console: Console) -> None:
    table = Table(title=f"{data['backend']}: F1 by text shape (seeds and wild scorecards)")
    for h in ("shape", "kind", "docs", *data["families"], "grounding"):
        table.add_column(h, justify="left" if h in ("shape", "kind") else "right")
    for shape, s in data["shapes"].items():
        table.add_row(
            shape,
            "noisy" if s["noisy"] else "clean",
            str(s["docs"]),
            *(style_score(fmt_score(s["families"].get(f, {}).get("f1"))) for f in data["families"]),
            style_score(fmt_score(s["grounding_rate"])),
        )
    console.print(table)


def write(data: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(f"{data['backend']}-shapes")
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    atomic_write_text(json_path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(md_path, to_markdown(data))
    return json_path, md_path


def violations(
    backend: str, runs: Mapping[str, EvalRun], thresholds: Mapping[str, Any]
) -> list[str]:
    out: list[str] = []
    for shape, run in runs.items():
        key = f"{backend}-shapes-{'noisy' if shape in NOISY else 'clean'}"
        if key in thresholds:
            out += [f"shape {shape}: {v}" for v in check_thresholds(run, thresholds[key])]
    return out
