"""Peak memory of ``pipeline run`` over batches of 10, 100 and 1,000 documents (issue 15 item 7).

Each batch is a folder of copies of one seed (default ``qingcheng-2023``, the quickest to read),
run by ``pipeline run --backend rules`` in a fresh process.  The peak is the largest resident
set of the whole process tree (the CLI and its worker), sampled from ``/proc`` every 20 ms.
Printed per size: the median peak of ``--repeats`` runs (MiB), its spread and the median wall
time; then the growth exponent: the slope of log(peak) over log(size) between the smallest and
the largest batch (0 is flat; keeping every result made it about 1).  Goal: ≤ 0.1.

    .venv/bin/python eval/bench_batch_memory.py [--sizes 10 100 1000] [--repeats 3]

Linux only (``/proc``).  ``PYTHONPATH`` is passed on, so ``PYTHONPATH=. python eval/…`` measures
the code of the working tree.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p)
        todo += _children(p)
    return total


def run_once(folder: Path, out: Path) -> tuple[int, float]:
    """Peak resident bytes of the process tree of one ``pipeline run``, and its seconds."""
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(folder), "-o", str(out)]
    cmd += ["--backend", "rules"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PIPELINE_LLM"))}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    seconds = time.monotonic() - started
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, 2):
        raise SystemExit(f"pipeline run failed ({proc.returncode}): {err.strip()[-500:]}")
    return peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", default="qingcheng-2023", help="the fixture copied")
    args = parser.parse_args()
    source = ROOT / "fixtures" / "raw" / f"{args.seed}.txt"
    medians: dict[int, float] = {}
    print(f"pipeline run --backend rules over copies of {source.name}; {args.repeats} runs each")
    print(f"{'documents':>10} {'peak MiB (median)':>18} {'min–max':>14} {'seconds':>9}")
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        for size in args.sizes:
            folder = Path(tmp) / f"in{size}"
            folder.mkdir()
            for k in range(size):
                shutil.copy(source, folder / f"{k:05d}.txt")
            peaks, times = [], []
            for r in range(args.repeats):
                out = Path(tmp) / f"out{size}-{r}"
                peak, seconds = run_once(folder, out)
                peaks.append(peak / 2**20)
                times.append(seconds)
                shutil.rmtree(out)
            medians[size] = statistics.median(peaks)
            print(
                f"{size:>10} {medians[size]:>18.1f} {min(peaks):>6.1f}–{max(peaks):<7.1f}"
                f" {statistics.median(times):>9.1f}",
                flush=True,
            )
            shutil.rmtree(folder)
    lo, hi = min(medians), max(medians)
    if hi > lo:
        exponent = math.log(medians[hi] / medians[lo]) / math.log(hi / lo)
        verdict = "flat" if exponent <= 0.1 else "GROWS"
        print(f"growth exponent {lo}→{hi} documents: {exponent:.3f} ({verdict}; goal ≤ 0.1)")


if __name__ == "__main__":
    main()
