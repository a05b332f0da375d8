"""Benchmark of growth: the five seeds concatenated 1×, 2×, 4×, 8×, 16× and 32× into one
document, run through the rules path (ingest, layout, extract, check, JSON, drafts).

Each run is a fresh process (so its peak RSS is its own, from ``os.wait4``); inside it each
stage is timed.  Printed per size: the median of ``--repeats`` runs for sizes up to
``--small`` × (one run above, unless ``--repeats-large``) of the wall time of every stage and
of the whole, the source text's MB/s, and the peak RSS (and its growth over the process after
its imports); then the exponents fitted to time ∝ size^k and memory growth ∝ size^k by least
squares in log–log, over the sizes from 2× on (below, fixed costs dominate).

    .venv/bin/python eval/bench_scaling.py [--max 32] [--repeats 3] [--small 4]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "layout", "extract", "check", "json", "draft")


def compilation(times: int, raw: Path) -> str:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(raw.glob("*.txt"))]
    return "\n\n".join(seeds * times)


def child(path: Path, out: Path) -> None:
    """One document through the rules path; prints the stage times as JSON."""
    import resource

    try:
        from pipeline.backends import extract
    except ImportError:  # before the backend registry
        from pipeline.extract import extract
    from pipeline.check import check_report
    from pipeline.draft import draft_all
    from pipeline.draft.output import write_docx, write_markdown
    from pipeline.ingest import read_document
    from pipeline.layout import analyze
    from pipeline.output import atomic_write_json
    from pipeline.stages import DocumentResult

    after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = now - clock
        clock = now

    doc = read_document(path)
    lap("ingest")
    layout = analyze(doc.normalized)
    lap("layout")
    report = extract(doc, layout, "rules", None)
    lap("extract")
    report.findings = [*report.findings, *check_report(report, doc.original)]
    lap("check")
    result = DocumentResult(path=str(path), document=doc, layout=layout, report=report)
    atomic_write_json(out / "doc.json", result.to_json())
    lap("json")
    drafts = draft_all(report)
    write_markdown(drafts, out / "doc.draft.md")
    write_docx(drafts, out / "doc.draft.docx")
    lap("draft")
    print(json.dumps({"seconds": seconds, "after_imports_mib": after_imports}))


def run_child(path: Path, out: Path, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryFile() as stdout:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", str(path), str(out)],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        started = time.perf_counter()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                proc.wait()
                raise TimeoutError(f"{path.name}: over {timeout:.0f} s")
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{path.name}: exit {proc.returncode}")
        stdout.seek(0)
        data = json.loads(stdout.read().decode().strip().splitlines()[-1])
    data["peak_mib"] = usage.ru_maxrss / 1024
    return data


def fit(xs: list[float], ys: list[float]) -> float:
    """The slope of log y against log x (least squares)."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(Path(argv[1]), Path(argv[2]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max", type=int, default=32, help="largest multiple of the seeds")
    ap.add_argument("--repeats", type=int, default=3, help="runs per size up to --small")
    ap.add_argument("--small", type=int, default=4, help="largest size run --repeats times")
    ap.add_argument("--repeats-large", type=int, default=1, help="runs per larger size")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed to one run")
    ap.add_argument("--raw", type=Path, default=ROOT / "fixtures" / "raw")
    args = ap.parse_args(argv)

    sizes = [k for k in (1, 2, 4, 8, 16, 32) if k <= args.max]
    rows = []
    header = "size   MB   " + " ".join(f"{s:>7}" for s in STAGES) + "   total   MB/s  peak MiB  growth"
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for k in sizes:
            path = Path(tmp) / f"seeds-x{k}.txt"
            path.write_text(compilation(k, args.raw), encoding="utf-8")
            mb = path.stat().st_size / 1e6
            n = args.repeats if k <= args.small else args.repeats_large
            try:
                runs = [run_child(path, Path(tmp), args.timeout) for _ in range(n)]
            except (TimeoutError, RuntimeError) as e:
                print(f"{k:>3}× {mb:5.2f}  stopped: {e}")
                break
            stage = {s: statistics.median(r["seconds"][s] for r in runs) for s in STAGES}
            total = statistics.median(sum(r["seconds"].values()) for r in runs)
            peak = statistics.median(r["peak_mib"] for r in runs)
            growth = statistics.median(r["peak_mib"] - r["after_imports_mib"] for r in runs)
            rows.append((k, mb, stage, total, peak, growth))
            print(
                f"{k:>3}× {mb:5.2f} "
                + " ".join(f"{stage[s]:7.2f}" for s in STAGES)
                + f" {total:7.2f} {mb / total:6.2f} {peak:9.1f} {growth:7.1f}   (n={n})",
                flush=True,
            )
    fitted = [r for r in rows if r[0] >= 2]
    if len(fitted) >= 2:
        xs = [r[1] for r in fitted]
        print(f"fitted exponents over {fitted[0][0]}×–{fitted[-1][0]}× (time ∝ size^k):")
        print("  " + "  ".join(f"{s} {fit(xs, [r[2][s] for r in fitted]):.2f}" for s in STAGES))
        print(
            f"  total {fit(xs, [r[3] for r in fitted]):.2f}  "
            f"memory growth {fit(xs, [r[5] for r in fitted]):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
