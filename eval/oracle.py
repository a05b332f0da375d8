"""What a perfect per-chunk model loses, and what a careless one gets past.

Runs the ``llm`` (or ``hybrid``) backend over the gold documents against an oracle server on
127.0.0.1 that answers every chunk with the gold values inside it, and prints F1 per family:
what is lost is what chunking, grounding and merging lose.  With ``--noisy`` the oracle drops
10% of items, alters a digit in 10% of numbers and invents a figure per answer; the script
prints what became of every altered and invented number (dropped as ungrounded, flagged by the
checker, relocated onto a true statement of that figure, or survived).

    .venv/bin/python eval/oracle.py [--noisy] [--backend llm|hybrid] [--write]

``--write`` stores the scores as eval/results/<backend>-oracle[-noisy].{json,md}.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers.oracle import NoisyOracle, Oracle, load_seed_documents, run_against  # noqa: E402

from pipeline.evaluation.results import write_results  # noqa: E402

FAMILIES = ("meta", "personnel", "funds", "indicators", "scores", "goals", "facts", "sections")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--noisy", action="store_true")
    ap.add_argument("--backend", default="llm", choices=("llm", "hybrid"))
    ap.add_argument("--fixtures", type=Path, default=ROOT / "fixtures")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="write eval/results/…-oracle files")
    args = ap.parse_args(argv)

    docs = load_seed_documents(args.fixtures)
    oracle = NoisyOracle(docs, seed=args.seed) if args.noisy else Oracle(docs)
    result = run_against(oracle, args.fixtures, backend=args.backend)
    families = result.run.aggregate["families"]
    label = f"{args.backend}-oracle" + ("-noisy" if args.noisy else "")
    print(f"{label}: {len(docs)} documents, {result.requests} model calls")
    print(f"{'family':<11} {'tp':>5} {'fp':>5} {'fn':>5} {'F1':>7}")
    for fam in FAMILIES:
        f = families[fam]
        print(f"{fam:<11} {f['tp']:>5} {f['fp']:>5} {f['fn']:>5} {f['f1']:>7.3f}")
    print(f"grounding rate {result.run.aggregate['grounding']['rate']:.3f}")
    for doc_id, report in sorted(result.reports.items()):
        p = report.provenance
        print(
            f"  {doc_id}: {len(p.ungrounded)} ungrounded dropped, {len(p.fuzzy)} fuzzy, "
            f"{len(p.conflicts)} conflicts, {len(p.failed)} failed chunks, "
            f"amplification {p.usage.amplification:.2f}"
        )
    if args.noisy:
        golds = {d.doc_id: g for d, g in docs}
        print(f"items dropped by the oracle: {oracle.dropped_items}")
        for kind, row in sorted(result.audit(golds).items()):
            print(
                f"{kind:<9} {row['total']:>4}: dropped as ungrounded {row['dropped']}, "
                f"flagged by the checker {row['flagged']}, relocated onto a true statement "
                f"{row['relocated']}, survived {row['survived']}"
            )
    if args.write:
        result.run.backend = label
        for path in write_results(result.run, ROOT / "eval" / "results"):
            print(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
