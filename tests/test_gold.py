"""The hand-labelled gold is checkable against its source: schema-valid, every value grounded,
every raw text equal to the source characters at its span."""

from __future__ import annotations

import pytest

from conftest import GOLD, SEED_IDS, raw_path
from pipeline.evaluation.gold import gold_problems, load_gold
from pipeline.schema import iter_grounded


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_gold_spans_match_source(doc_id):
    gold = load_gold(GOLD / f"{doc_id}.json")
    assert gold.doc_id == doc_id
    text = raw_path(doc_id).read_text(encoding="utf-8")
    assert gold_problems(gold, text) == []
    assert len(iter_grounded(gold)) > 100


def test_gold_problems_catch_a_shifted_span():
    gold = load_gold(GOLD / "qingcheng-2023.json")
    text = raw_path("qingcheng-2023").read_text(encoding="utf-8")
    line = gold.scorecards[0].funds[0]
    span = line.amount.span
    line.amount.span = span.model_copy(update={"start": span.start + 1, "end": span.end + 1})
    assert any("funds[0].amount" in p for p in gold_problems(gold, text))
