"""Benchmark of the model path against a local server with an injected latency.

The server is the oracle test server (real HTTP on 127.0.0.1, answers from the gold labels)
with ``--latency`` seconds added to every answer, standing in for a hosted model.  Printed:

* wall time of the ``llm`` backend over the five seeds at concurrency 1 and 8, median of
  ``--repeats`` runs each, and their ratio;
* token amplification: estimated tokens of the chunk texts sent over the tokens of the
  documents (fixed prompt excluded; target ≤ 1.3), per document and overall;
* a second run over a warm cache: calls made (must be 0) and its wall time.

    .venv/bin/python eval/bench_llm.py [--latency 0.3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers.oracle import Oracle, load_seed_documents, run_against  # noqa: E402


def timed(oracle: Oracle, fixtures: Path, **kw):
    started = time.perf_counter()
    result = run_against(oracle, fixtures, **kw)
    return time.perf_counter() - started, result


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.3, help="seconds added to each answer")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fixtures", type=Path, default=ROOT / "fixtures")
    args = ap.parse_args(argv)

    docs = load_seed_documents(args.fixtures)
    oracle = Oracle(docs)
    print(f"{len(docs)} documents, latency {args.latency * 1000:.0f} ms per call")
    medians = {}
    for concurrency in (1, 8):
        times = []
        for _ in range(args.repeats):
            seconds, result = timed(
                oracle, args.fixtures, concurrency=concurrency, latency_s=args.latency
            )
            times.append(seconds)
        medians[concurrency] = statistics.median(times)
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(
            f"concurrency {concurrency}: median {medians[concurrency]:.2f} s "
            f"(runs: {runs}; {result.requests} calls per run)"
        )
    print(f"speed-up 8 vs 1: {medians[1] / medians[8]:.2f}x")

    chunk_tokens = source_tokens = 0
    print("token amplification (chunk tokens sent / source tokens, fixed prompt excluded):")
    for doc_id, report in sorted(result.reports.items()):
        u = report.provenance.usage
        chunk_tokens += u.chunk_tokens
        source_tokens += u.source_tokens
        print(f"  {doc_id}: {u.chunk_tokens} / {u.source_tokens} = {u.amplification:.3f}")
    overall = chunk_tokens / source_tokens
    print(f"  all: {overall:.3f} (target <= 1.3: {'met' if overall <= 1.3 else 'NOT met'})")

    with tempfile.TemporaryDirectory() as cache:
        cold, first = timed(
            oracle, args.fixtures, concurrency=8, latency_s=args.latency, cache_dir=Path(cache)
        )
        warm, second = timed(
            oracle, args.fixtures, concurrency=8, latency_s=args.latency, cache_dir=Path(cache)
        )
    hits = sum(r.provenance.usage.cache_hits for r in second.reports.values())
    calls = sum(r.provenance.usage.calls for r in second.reports.values())
    print(
        f"cache: first run {first.requests} calls in {cold:.2f} s; second run "
        f"{second.requests} calls to the server ({calls} counted, {hits} cache hits) "
        f"in {warm:.2f} s"
    )
    return 0 if second.requests == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
