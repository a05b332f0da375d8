"""Benchmark of whole commands, start-up included: each run is a fresh interpreter.

Printed per command: the median, min and max of wall time, CPU time (user + system) and peak
RSS of ``--repeats`` runs after one warm-up run (the operating system's accounting of each
finished child, from ``os.wait4``):

* ``pipeline --help``;
* ``pipeline run fixtures/raw -o TMP --backend rules``: the five seeds, end to end;
* the same with ``--draft`` (drafts as Markdown and .docx).

    .venv/bin/python eval/bench_startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "import sys; from pipeline.cli import main; sys.argv[0] = 'pipeline'; main()"


def run_once(args: list[str]) -> tuple[float, float, float, int]:
    """(wall s, cpu s, peak RSS MiB, exit code) of one ``pipeline ARGS`` in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PIPELINE_LLM"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def bench(name: str, args: list[str], repeats: int) -> dict[str, float]:
    run_once(args)  # warm-up: file cache, bytecode
    runs = [run_once(args) for _ in range(repeats)]
    codes = {r[3] for r in runs}
    walls, cpus, rss = ([r[i] for r in runs] for i in range(3))
    print(
        f"{name:<24} wall {statistics.median(walls):6.3f} s "
        f"[{min(walls):.3f}–{max(walls):.3f}]  cpu {statistics.median(cpus):6.3f} s  "
        f"peak {statistics.median(rss):6.1f} MiB  exit {','.join(map(str, sorted(codes)))}"
    )
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    raw = ROOT / "fixtures" / "raw"
    size = sum(p.stat().st_size for p in raw.glob("*.txt"))
    print(f"{args.repeats} runs after a warm-up, medians [min–max]; seeds {size / 1e3:.0f} kB")
    with tempfile.TemporaryDirectory() as tmp:
        bench("pipeline --help", ["--help"], args.repeats)
        seeds = bench("run seeds, rules", ["run", str(raw), "-o", tmp, "--backend", "rules"], args.repeats)
        bench(
            "run seeds, rules, drafts",
            ["run", str(raw), "-o", tmp, "--backend", "rules", "--draft"],
            args.repeats,
        )
    print(f"seeds end to end: {size / 1e6 / seeds['wall']:.2f} MB/s of source text")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
