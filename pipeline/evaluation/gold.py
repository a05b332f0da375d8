"""Loading and validating hand-labelled gold Reports.

Gold spans point into the original text of the fixture (decoded UTF-8, as
``fixtures/raw/<doc_id>.txt`` reads), and every gold ``raw`` must equal the source at its
span: that is what makes the gold checkable by anyone with the source open.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.schema import Report, iter_grounded


def load_gold(path: Path) -> Report:
    return Report.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def gold_problems(report: Report, source_text: str) -> list[str]:
    """Every way the gold disagrees with its source: bad spans, missing spans."""
    problems = report.check_spans(source_text)
    for path, item in iter_grounded(report):
        if item.span is None:
            problems.append(f"{path}: gold value {item.raw!r} has no span")
    return problems


def main(argv: list[str]) -> int:
    """``python -m pipeline.evaluation.gold GOLD.json RAW.txt`` validates one gold file."""
    gold_path, raw_path = Path(argv[0]), Path(argv[1])
    report = load_gold(gold_path)
    text = raw_path.read_text(encoding="utf-8-sig")
    problems = gold_problems(report, text)
    for p in problems:
        print(p)
    n = len(iter_grounded(report))
    print(f"{gold_path}: {n} grounded values, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
