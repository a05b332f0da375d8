"""An evaluation run: per-document scores of one backend, their aggregate, and its reports.

A run is written as ``<out_dir>/<backend>.json`` (the full record, reloadable) and
``<out_dir>/<backend>.md`` (tables for a reader or a pull request).  The committed JSON of
the last run serves as a snapshot: :func:`compare` says which F1s moved since, and
:func:`check_thresholds` holds each family to the minimum in ``eval/thresholds.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, computed_field
from rich.console import Console
from rich.table import Table

from pipeline.evaluation.issues import FALSE
from pipeline.evaluation.score import FAMILIES, TEXT_THRESHOLD, DocScore, aggregate
from pipeline.output import atomic_write_text

GROUNDING = "grounding"
"""Name of the grounding rate in thresholds and comparisons, next to the family names."""

CHECKER_GATES = {"checker_precision": "precision", "checker_recall": "recall"}
FALSE_ERRORS = "max_false_errors_per_clean_doc"
"""A gate that is a maximum, not a minimum: error findings on a document without issues."""
"""Names of the checker's overall precision and recall in thresholds and comparisons."""

_EPS = 1e-9


class EvalRun(BaseModel):
    """Scores of one backend over a set of gold documents."""

    backend: str
    set: str = Field(default="seeds", description="the gold set scored: seeds, wild …")
    text_threshold: float = TEXT_THRESHOLD
    docs: list[DocScore] = Field(default_factory=list, description="per-document scores, by doc_id")
    aggregate: dict[str, Any] = Field(
        default_factory=dict, description="micro-averaged totals, see score.aggregate"
    )
    seconds_per_doc: dict[str, float] = Field(
        default_factory=dict, description="extraction time of each document"
    )
    grounding_rate: float = 1.0
    checker_on_gold: dict[str, Any] = Field(
        default_factory=dict,
        description="the checker run on the gold Reports themselves (perfect extraction), "
        "per family as in aggregate['checker']: what the checker misses on its own",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_seconds_per_doc(self) -> float | None:
        if not self.seconds_per_doc:
            return None
        return sum(self.seconds_per_doc.values()) / len(self.seconds_per_doc)

    @classmethod
    def build(
        cls,
        backend: str,
        docs: Sequence[DocScore],
        seconds_per_doc: Mapping[str, float] | None = None,
    ) -> EvalRun:
        """A run from per-document scores; documents are sorted by id so that the written
        files do not depend on the order (or parallelism) of extraction."""
        ordered = sorted(docs, key=lambda d: d.doc_id)
        agg = aggregate(ordered)
        return cls(
            backend=backend,
            text_threshold=TEXT_THRESHOLD,
            docs=ordered,
            aggregate=agg,
            seconds_per_doc={k: float(v) for k, v in sorted((seconds_per_doc or {}).items())},
            grounding_rate=agg["grounding"]["rate"],
        )

    @property
    def name(self) -> str:
        """What its result files are called: the backend for the seeds (``rules``), the
        backend and the set otherwise (``rules-wild``)."""
        return self.backend if self.set == "seeds" else f"{self.backend}-{self.set}"

    def false_errors_per_clean_doc(self) -> int:
        """The most error findings the checker raised on one document whose gold holds no
        known issue: what a user of a clean report is told wrongly."""
        worst = 0
        for d in self.docs:
            if d.checker is None or d.checker.known:
                continue
            errors = sum(
                1 for f in d.checker.findings if f.severity == "error" and f.verdict == FALSE
            )
            worst = max(worst, errors)
        return worst

    def family_f1(self, family: str) -> float | None:
        """Aggregate F1 of a family (or the grounding rate for ``grounding``)."""
        if family == GROUNDING:
            return self.grounding_rate
        if family == FALSE_ERRORS:
            return float(self.false_errors_per_clean_doc())
        if family in CHECKER_GATES:
            overall = self.aggregate.get("checker", {}).get("all")
            return None if overall is None else float(overall[CHECKER_GATES[family]])
        fam = self.aggregate.get("families", {}).get(family)
        return None if fam is None else float(fam["f1"])


def load_run(path: Path | str) -> EvalRun:
    return EvalRun.model_validate_json(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- rendering


def _families(run: EvalRun) -> list[str]:
    extra = sorted(set(run.aggregate.get("families", {})) - set(FAMILIES))
    return list(FAMILIES) + extra


def _has_items(doc: DocScore, family: str) -> bool:
    fs = doc.families.get(family)
    return fs is not None and (fs.tp + fs.fp + fs.fn) > 0


def fmt_score(x: float | None) -> str:
    """Three decimals, but never "1.000" for a score that is not perfect (one miss in 3000
    must not look like none)."""
    if x is None:
        return "—"
    s = f"{x:.3f}"
    return "0.999" if s == "1.000" and x < 1.0 else s


def _md_cell(s: str) -> str:
    """Text safe inside a markdown table cell: no pipes, no line breaks, not too long."""
    s = s.replace("|", "\\|").replace("\r", " ").replace("\n", "⏎")
    return s if len(s) <= 120 else s[:117] + "…"


def _f1_rows(run: EvalRun) -> tuple[list[str], list[list[str]], list[str]]:
    families = _families(run)
    header = ["doc", *families, GROUNDING, "s/doc"]
    rows: list[list[str]] = []
    for doc in run.docs:
        row = [doc.doc_id]
        for fam in families:
            # A family with no item on either side has a vacuous F1 of 1.0; show a dash so
            # that "nothing to score" is not read as "perfect".
            row.append(fmt_score(doc.families[fam].f1) if _has_items(doc, fam) else "—")
        row.append(fmt_score(doc.grounding.rate) if doc.grounding.total else "—")
        secs = run.seconds_per_doc.get(doc.doc_id)
        row.append("—" if secs is None else f"{secs:.1f}")
        rows.append(row)
    agg = run.aggregate.get("families", {})
    overall = ["**overall**"]
    for fam in families:
        f = agg.get(fam)
        overall.append(f"**{fmt_score(f['f1'])}**" if f and (f["tp"] + f["fp"] + f["fn"]) else "—")
    overall.append(f"**{fmt_score(run.grounding_rate)}**")
    mean = run.mean_seconds_per_doc
    overall.append("—" if mean is None else f"{mean:.1f}")
    return header, rows, overall


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return lines


def to_markdown(run: EvalRun) -> str:
    """The run as markdown: F1 per document × family with an overall (micro) row, then
    precision/recall with counts per family, label accuracies and example failures."""
    lines = [
        f"# Evaluation: {run.backend}" + ("" if run.set == "seeds" else f", {run.set} set"),
        "",
        f"{len(run.docs)} documents; text similarity threshold {run.text_threshold}; "
        f"grounding rate {fmt_score(run.grounding_rate)}. "
        "F1 per family, micro-averaged in the overall row; — = nothing to score.",
        "",
        "## F1",
        "",
    ]
    header, rows, overall = _f1_rows(run)
    lines += _md_table(header, [*rows, overall])

    lines += ["", "## Precision / recall (all documents)", ""]
    pr_rows = []
    for fam in _families(run):
        f = run.aggregate.get("families", {}).get(fam)
        if f is None:
            continue
        pr_rows.append(
            [
                fam,
                str(f["tp"]),
                str(f["fp"]),
                str(f["fn"]),
                fmt_score(f["precision"]),
                fmt_score(f["recall"]),
                fmt_score(f["f1"]),
            ]
        )
    lines += _md_table(["family", "TP", "FP", "FN", "precision", "recall", "F1"], pr_rows)

    g = run.aggregate.get("grounding", {})
    if g:
        lines += [
            "",
            f"Grounding: {g.get('ok', 0)} of {g.get('total', 0)} values grounded "
            f"({g.get('ungrounded', 0)} without span, {g.get('misgrounded', 0)} with raw ≠ source).",
        ]
    acc = run.aggregate.get("accuracy", {})
    if acc:
        lines += ["", "## Label accuracy over matched pairs", ""]
        lines += _md_table(
            ["label", "correct", "matched", "accuracy"],
            [[k, str(v["correct"]), str(v["total"]), fmt_score(v["rate"])] for k, v in acc.items()],
        )

    lines += _checker_markdown(run)

    example_rows: list[list[str]] = []
    for doc in run.docs:
        for fam in _families(run):
            fs = doc.families.get(fam)
            if fs is None:
                continue
            for kind, examples in (("miss", fs.misses), ("FP", fs.false_positives)):
                for ex in examples[:3]:
                    example_rows.append(
                        [
                            doc.doc_id,
                            fam,
                            kind,
                            _md_cell(ex.path),
                            _md_cell(ex.raw),
                            _md_cell(ex.note or ""),
                        ]
                    )
    if example_rows:
        lines += ["", "## Examples of failures", ""]
        lines += _md_table(["doc", "family", "kind", "path", "raw", "note"], example_rows)
    return "\n".join(lines) + "\n"


def _checker_rows(run: EvalRun) -> list[list[str]]:
    rows = []
    for fam, c in run.aggregate.get("checker", {}).items():
        rows.append(
            [
                fam,
                str(c["findings"]),
                str(c["true"]),
                str(c["false_alarms"]),
                str(c["known"]),
                str(c["found"]),
                fmt_score(c["precision"]),
                fmt_score(c["recall"]),
            ]
        )
    return rows


_CHECKER_HEADER = [
    "family",
    "findings",
    "true",
    "false alarms",
    "known issues",
    "found",
    "precision",
    "recall",
]


def _on_gold_line(run: EvalRun) -> str:
    g = run.checker_on_gold.get("all", {})
    return (
        f"On the gold Reports themselves (perfect extraction) the checker's precision is "
        f"{fmt_score(g.get('precision'))} and its recall {fmt_score(g.get('recall'))}: the difference from "
        "the figures above is what extraction costs the checker."
    )


def _checker_markdown(run: EvalRun) -> list[str]:
    """The checker against the known issues: per family, then every finding of every
    document with its verdict, then the known issues no finding matched."""
    rows = _checker_rows(run)
    if not rows:
        return []
    lines = ["", "## Checker against known issues", ""]
    lines += _md_table(_CHECKER_HEADER, rows)
    lines += ["", _on_gold_line(run)] if run.checker_on_gold else []
    finding_rows, missed_rows = [], []
    for doc in run.docs:
        if doc.checker is None:
            continue
        for f in doc.checker.findings:
            finding_rows.append(
                [
                    doc.doc_id,
                    f.verdict,
                    f.severity.value,
                    f.rule,
                    _md_cell(f.message_zh),
                    _md_cell(", ".join(f.values)),
                ]
            )
        for k in doc.checker.known:
            if not k.found_by:
                missed_rows.append([doc.doc_id, k.family, _md_cell(k.description)])
    lines += ["", "### Every finding with its verdict", ""]
    lines += _md_table(["doc", "verdict", "severity", "rule", "message", "values"], finding_rows)
    if missed_rows:
        lines += ["", "### Known issues no finding matched", ""]
        lines += _md_table(["doc", "family", "description"], missed_rows)
    return lines


def style_score(value: str) -> str:
    try:
        x = float(value.strip("*"))
    except ValueError:
        return value
    colour = "green" if x >= 1.0 - _EPS else "yellow" if x >= 0.9 else "red"
    return f"[{colour}]{value.strip('*')}[/{colour}]"


def render_rich(run: EvalRun, console: Console) -> None:
    """The F1 and precision/recall tables on a rich console (green = 1, yellow ≥ 0.9, red)."""
    header, rows, overall = _f1_rows(run)
    table = Table(
        title=f"{run.backend} on the {run.set}: F1 by document and family "
        f"(text threshold {run.text_threshold})"
    )
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(row[0], *(style_score(c) for c in row[1:-1]), row[-1])
    table.add_row(
        "[bold]overall[/bold]",
        *(style_score(c) for c in overall[1:-1]),
        overall[-1],
        end_section=True,
    )
    console.print(table)

    pr = Table(title="precision / recall (all documents)")
    for h in ("family", "TP", "FP", "FN", "precision", "recall", "F1"):
        pr.add_column(h, justify="left" if h == "family" else "right")
    for fam in _families(run):
        f = run.aggregate.get("families", {}).get(fam)
        if f is None:
            continue
        pr.add_row(
            fam,
            str(f["tp"]),
            str(f["fp"]),
            str(f["fn"]),
            style_score(fmt_score(f["precision"])),
            style_score(fmt_score(f["recall"])),
            style_score(fmt_score(f["f1"])),
        )
    pr.add_row(GROUNDING, "", "", "", "", "", style_score(fmt_score(run.grounding_rate)))
    console.print(pr)

    rows = _checker_rows(run)
    if rows:
        ck = Table(title="checker against known issues (all documents)")
        for h in _CHECKER_HEADER:
            ck.add_column(h, justify="left" if h == "family" else "right")
        for row in rows:
            ck.add_row(*row[:6], style_score(row[6]), style_score(row[7]))
        console.print(ck)
        if run.checker_on_gold:
            console.print(_on_gold_line(run))


# --------------------------------------------------------------------------- files


def file_stem(backend: str) -> str:
    """The backend name made safe as a file name (``openai/gpt-4o`` → ``openai_gpt-4o``)."""
    stem = re.sub(r"[^\w.\-+:]+", "_", backend).strip("._")
    return stem or "backend"


def write_results(run: EvalRun, out_dir: Path | str) -> tuple[Path, Path]:
    """Write ``<out_dir>/<backend>.json`` and ``<out_dir>/<backend>.md``; returns both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(run.name)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    atomic_write_text(json_path, run.model_dump_json(indent=2) + "\n")
    atomic_write_text(md_path, to_markdown(run))
    return json_path, md_path


# --------------------------------------------------------------------------- gates


def _snapshot_f1(snapshot: Mapping[str, Any], family: str) -> float | None:
    if family == GROUNDING:
        rate = snapshot.get("grounding_rate")
        return None if rate is None else float(rate)
    if family in CHECKER_GATES:
        overall = snapshot.get("aggregate", {}).get("checker", {}).get("all", {})
        value = overall.get(CHECKER_GATES[family])
        return None if value is None else float(value)
    fam = snapshot.get("aggregate", {}).get("families", {}).get(family)
    return None if fam is None or "f1" not in fam else float(fam["f1"])


def _change(label: str, old: float | None, new: float | None) -> str | None:
    if old is None and new is None:
        return None
    if old is None:
        return f"{label}: new, {fmt_score(new)}"
    if new is None:
        return f"{label}: gone (was {fmt_score(old)})"
    if abs(new - old) <= _EPS:
        return None
    return f"{label}: {old:.3f} → {new:.3f} ({new - old:+.3f})"


def compare(run: EvalRun, snapshot_json_path: Path | str) -> list[str]:
    """Lines describing F1 changes against a snapshot (a previously written ``<backend>.json``).

    Aggregate lines first (``funds: 0.950 → 0.970 (+0.020)``), then per-document ones
    (``qingcheng-2023/funds: …``) and documents added or removed.  Unchanged values produce
    no line, so an empty list means nothing moved.  A missing snapshot yields the single line
    ``no snapshot at <path>`` and an unreadable one ``snapshot unreadable: …``.  The snapshot
    is read as plain JSON, not validated, so that an older file still compares.
    """
    path = Path(snapshot_json_path)
    if not path.exists():
        return [f"no snapshot at {path}"]
    try:
        snap = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [f"snapshot unreadable: {path}: {e}"]
    if not isinstance(snap, dict):
        return [f"snapshot unreadable: {path}: not a JSON object"]

    lines: list[str] = []
    for fam in [*_families(run), GROUNDING, *CHECKER_GATES]:
        line = _change(fam, _snapshot_f1(snap, fam), run.family_f1(fam))
        if line:
            lines.append(line)

    old_docs = {d.get("doc_id"): d for d in snap.get("docs", []) if isinstance(d, dict)}
    new_docs = {d.doc_id: d for d in run.docs}
    for doc_id, doc in new_docs.items():
        old = old_docs.get(doc_id)
        if old is None:
            lines.append(f"{doc_id}: new document")
            continue
        for fam in _families(run):
            old_f1 = old.get("families", {}).get(fam, {}).get("f1")
            new_f1 = doc.families[fam].f1 if fam in doc.families else None
            line = _change(f"{doc_id}/{fam}", None if old_f1 is None else float(old_f1), new_f1)
            if line:
                lines.append(line)
        old_g = old.get("grounding", {}).get("rate")
        line = _change(
            f"{doc_id}/{GROUNDING}", None if old_g is None else float(old_g), doc.grounding.rate
        )
        if line:
            lines.append(line)
    for doc_id in old_docs:
        if doc_id not in new_docs:
            lines.append(f"{doc_id}: no longer scored")
    return lines


def check_thresholds(run: EvalRun, thresholds: Mapping[str, Any]) -> list[str]:
    """Violations of minimum aggregate F1 per family (and grounding rate); [] = pass.

    ``thresholds`` is the content of ``eval/thresholds.json`` (``{"rules": {family: min}}``)
    or its ``rules`` mapping directly.  A rule naming an unknown family is a violation too,
    so that a typo cannot turn a gate off silently.
    """
    rules = thresholds.get("rules", thresholds)
    violations: list[str] = []
    for family, minimum in rules.items():
        value = run.family_f1(family)
        if value is None:
            violations.append(f"{family}: no such family in the run (threshold {minimum})")
        elif family == FALSE_ERRORS:
            if value > float(minimum) + _EPS:
                violations.append(f"{family}: {value:g} > {float(minimum):g}")
        elif value < float(minimum) - _EPS:
            what = (
                "grounding rate"
                if family == GROUNDING
                else "checker " + CHECKER_GATES[family]
                if family in CHECKER_GATES
                else "F1"
            )
            violations.append(f"{family}: {what} {value:.3f} < {float(minimum):.3f}")
    return violations


def load_thresholds(path: Path | str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


__all__ = [
    "GROUNDING",
    "EvalRun",
    "check_thresholds",
    "compare",
    "load_run",
    "load_thresholds",
    "render_rich",
    "to_markdown",
    "write_results",
]
