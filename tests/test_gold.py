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


def test_committed_json_schema_is_current():
    from pipeline.schema import SCHEMA_PATH, report_json_schema

    assert SCHEMA_PATH.read_text(encoding="utf-8") == report_json_schema(), (
        "pipeline/report.schema.json is stale: run `python -m pipeline.schema`"
    )


def test_validators_reject_what_cannot_be():
    from pydantic import ValidationError

    from pipeline.schema import Indicator, Meta, Quantity, Span, Text

    with pytest.raises(ValidationError, match="outside 1990–2100"):
        Meta(fiscal_year=Quantity(raw="2209", value=2209))
    with pytest.raises(ValidationError, match="negative"):
        Indicator(name=Text(raw="x"), weight=Quantity(raw="-5", value=-5))
    with pytest.raises(ValidationError, match="before its start"):
        Span(start=10, end=3)


WILD = GOLD.parent / "wild"
WILD_IDS = sorted(p.stem for p in (WILD / "gold").glob("*.json"))


def test_wild_set_is_there():
    raws = sorted(p.stem for p in (WILD / "raw").iterdir())
    assert len(WILD_IDS) >= 30 and raws == WILD_IDS
    issues = [load_gold(WILD / "gold" / f"{i}.json").known_issues for i in WILD_IDS]
    assert sum(1 for k in issues if k) >= 8  # documents with planted inconsistencies


@pytest.mark.parametrize("doc_id", WILD_IDS)
def test_wild_gold_spans_match_source(doc_id):
    gold = load_gold(WILD / "gold" / f"{doc_id}.json")
    assert gold.doc_id == doc_id
    text = (WILD / "raw" / f"{doc_id}.txt").read_text(encoding="utf-8")
    assert gold_problems(gold, text) == []
    assert gold.scorecards or gold.funds
