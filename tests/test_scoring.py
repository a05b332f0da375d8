"""Scoring against the real gold: gold against itself is perfect, and each kind of damage
costs exactly the items it touches."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from pipeline.check import check_report
from pipeline.evaluation.gold import load_gold
from pipeline.evaluation.results import (
    CHECKER_GATES,
    EvalRun,
    check_thresholds,
    compare,
    load_run,
    render_rich,
    to_markdown,
    write_results,
)
from pipeline.evaluation.score import (
    FAMILIES,
    INDICATOR_CELLS,
    INDICATOR_SCORE_CELLS,
    TEXT_THRESHOLD,
    DocScore,
    aggregate,
    family_items,
    prf,
    score_report,
    text_similarity,
    texts_equal,
)
from pipeline.schema import FundsLine, Indicator, Quantity, Report, Span, Text, iter_grounded

FIXTURES = Path(__file__).parent.parent / "fixtures"
GOLD_DIR = FIXTURES / "gold"
RAW_DIR = FIXTURES / "raw"
DOC_IDS = sorted(p.stem for p in GOLD_DIR.glob("*.json"))
THRESHOLDS_PATH = Path(__file__).parent.parent / "eval" / "thresholds.json"


@pytest.fixture(scope="module")
def golds() -> dict[str, tuple[Report, str]]:
    assert DOC_IDS, f"no gold files in {GOLD_DIR}"
    return {
        doc_id: (
            load_gold(GOLD_DIR / f"{doc_id}.json"),
            (RAW_DIR / f"{doc_id}.txt").read_text(encoding="utf-8"),
        )
        for doc_id in DOC_IDS
    }


@pytest.fixture(scope="module")
def self_scores(golds) -> list[DocScore]:
    return [score_report(gold, gold.model_copy(deep=True), src) for gold, src in golds.values()]


def _copy(report: Report) -> Report:
    return report.model_copy(deep=True)


def _all_funds(report: Report) -> list[FundsLine]:
    return list(report.funds) + [fl for sc in report.scorecards for fl in sc.funds]


def _all_indicators(report: Report) -> list[Indicator]:
    return [ind for sc in report.scorecards for ind in sc.indicators]


def _cells(ind: Indicator, cells: tuple[str, ...]) -> int:
    return sum(getattr(ind, c) is not None for c in cells)


def _assert_counts_add_up(score: DocScore, gold: Report, pred: Report) -> None:
    g_items, p_items = family_items(gold), family_items(pred)
    for fam in FAMILIES:
        fs = score.families[fam]
        assert fs.tp + fs.fn == g_items[fam], fam
        assert fs.tp + fs.fp == p_items[fam], fam


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_gold_against_itself_is_perfect(golds, doc_id):
    gold, src = golds[doc_id]
    score = score_report(gold, _copy(gold), src)
    for fam in FAMILIES:
        fs = score.families[fam]
        assert (fs.precision, fs.recall, fs.f1) == (1.0, 1.0, 1.0), (
            fam,
            fs.misses,
            fs.false_positives,
        )
        assert fs.fp == fs.fn == 0
    assert score.grounding.rate == 1.0
    assert score.grounding.total == len(iter_grounded(gold))
    assert score.text_threshold == TEXT_THRESHOLD
    _assert_counts_add_up(score, gold, gold)
    assert score.alignment["scorecards"]["aligned"] == len(gold.scorecards)
    assert score.alignment["indicators"]["aligned"] == len(_all_indicators(gold))
    for acc in score.accuracy.values():
        assert acc.rate in (None, 1.0)


def test_scoring_is_deterministic(golds):
    gold, src = golds[DOC_IDS[0]]
    pred = _copy(gold)
    pred.scorecards.reverse()
    assert score_report(gold, pred, src).model_dump() == score_report(gold, pred, src).model_dump()


def test_aggregate_of_self_scores_is_perfect(self_scores):
    agg = aggregate(self_scores)
    assert agg["docs"] == len(DOC_IDS)
    assert agg["text_threshold"] == TEXT_THRESHOLD
    assert set(FAMILIES) <= set(agg["families"])
    for fam in FAMILIES:
        assert agg["families"][fam]["f1"] == 1.0
        assert agg["families"][fam]["tp"] == sum(s.families[fam].tp for s in self_scores)
    assert agg["grounding"]["rate"] == 1.0


# --------------------------------------------------------------------------- damage


def _bump_one_digit(value: Decimal) -> Decimal:
    s = str(value)
    i = max(i for i, c in enumerate(s) if c.isdigit())
    return Decimal(s[:i] + str((int(s[i]) + 1) % 10) + s[i + 1 :])


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_one_wrong_funds_digit_costs_one_item(golds, doc_id):
    gold, src = golds[doc_id]
    n = len(_all_funds(gold))
    if n == 0:
        pytest.skip("no funds in this gold")
    pred = _copy(gold)
    line = _all_funds(pred)[n // 2]
    new_value = _bump_one_digit(line.amount.value)
    assert new_value != line.amount.value
    line.amount.value = new_value
    line.amount.raw = str(new_value)

    fs = score_report(gold, pred, src).families["funds"]
    assert (fs.tp, fs.fp, fs.fn) == (n - 1, 1, 1)
    assert fs.precision == pytest.approx((n - 1) / n)
    assert fs.recall == pytest.approx((n - 1) / n)
    assert fs.misses and fs.false_positives


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_dropping_an_indicator_costs_its_cells(golds, doc_id):
    gold, src = golds[doc_id]
    pred = _copy(gold)
    sc = max(pred.scorecards, key=lambda s: len(s.indicators))
    dropped = sc.indicators.pop(len(sc.indicators) // 2)
    cells = _cells(dropped, INDICATOR_CELLS)
    score_cells = _cells(dropped, INDICATOR_SCORE_CELLS)
    n = family_items(gold)["indicators"]
    n_scores = family_items(gold)["scores"]

    score = score_report(gold, pred, src)
    ind = score.families["indicators"]
    assert (ind.tp, ind.fp, ind.fn) == (n - cells, 0, cells)
    assert ind.precision == 1.0
    assert ind.recall == pytest.approx((n - cells) / n)
    sco = score.families["scores"]
    assert (sco.tp, sco.fp, sco.fn) == (n_scores - score_cells, 0, score_cells)
    assert sco.precision == 1.0
    _assert_counts_add_up(score, gold, pred)


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_invented_indicator_costs_precision_only(golds, doc_id):
    gold, src = golds[doc_id]
    pred = _copy(gold)
    invented = Indicator(
        name=Text(raw="完全虚构的测试指标名称甲乙丙"),
        level1=Text(raw="虚构一级指标"),
        target=Quantity(raw="≥42个", value=Decimal("42"), unit="个", comparator=">="),
        actual=Quantity(raw="43个", value=Decimal("43"), unit="个"),
        weight=Quantity(raw="7", value=Decimal("7")),
        score=Quantity(raw="6", value=Decimal("6")),
    )
    pred.scorecards[0].indicators.append(invented)
    cells = _cells(invented, INDICATOR_CELLS)
    assert cells == 4
    n = family_items(gold)["indicators"]

    score = score_report(gold, pred, src)
    ind = score.families["indicators"]
    assert (ind.tp, ind.fp, ind.fn) == (n, cells, 0)
    assert ind.recall == 1.0
    assert ind.precision == pytest.approx(n / (n + cells))
    sco = score.families["scores"]
    assert (sco.fp, sco.fn) == (2, 0)
    assert sco.recall == 1.0
    # The invented values have no span: they are ungrounded as well.
    assert score.grounding.ungrounded == 6


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_wrong_span_lowers_grounding(golds, doc_id):
    gold, src = golds[doc_id]
    pred = _copy(gold)
    values = iter_grounded(pred)
    path, item = values[len(values) // 2]
    assert item.span is not None
    for shift in range(1, 50):
        s, e = item.span.start + shift, item.span.end + shift
        if e <= len(src) and src[s:e] != item.raw:
            break
    else:
        pytest.fail(f"could not find a wrong span for {path}")
    item.span = Span(start=s, end=e)

    g = score_report(gold, pred, src).grounding
    assert (g.total, g.ok, g.misgrounded, g.ungrounded) == (len(values), len(values) - 1, 1, 0)
    assert g.rate == pytest.approx((len(values) - 1) / len(values))
    assert g.examples[0].path == path


def test_ungrounded_prediction_counts_as_wrong(golds):
    gold, src = golds["qingcheng-2023"] if "qingcheng-2023" in golds else golds[DOC_IDS[0]]
    pred = _copy(gold)
    for _, item in iter_grounded(pred):
        item.span = None
    score = score_report(gold, pred, src)
    assert score.grounding.rate == 0.0
    assert score.grounding.ungrounded == score.grounding.total
    for fam in ("funds", "indicators", "scores", "goals", "facts", "sections", "personnel"):
        assert score.families[fam].tp == 0, fam
    # report_kind is a label, not a grounded value: it alone survives in meta.
    assert score.families["meta"].tp == (gold.meta.report_kind is not None)


# --------------------------------------------------------------------------- equality rules


def test_numbers_compare_by_value(golds):
    gold, src = golds[DOC_IDS[0]]
    pred = _copy(gold)
    changed = 0
    for fl in _all_funds(pred):
        if fl.amount.value is not None:
            fl.amount.value = fl.amount.value.normalize() + Decimal("0.000")
            changed += 1
    assert changed
    assert score_report(gold, pred, src).families["funds"].f1 == 1.0
    assert Decimal("2077.10") == Decimal("2077.1")


def test_target_unit_is_compared(golds):
    gold, src = golds["lingling-2020"] if "lingling-2020" in golds else golds[DOC_IDS[0]]
    pred = _copy(gold)
    target = next(
        i.target
        for i in _all_indicators(pred)
        if i.target is not None and i.target.value is not None
    )
    target.unit = "亿元" if target.unit != "亿元" else "个"
    fs = score_report(gold, pred, src).families["indicators"]
    assert (fs.fp, fs.fn) == (1, 1)


def test_text_whitespace_and_width_are_ignored(golds):
    gold, src = golds[DOC_IDS[0]]
    pred = _copy(gold)
    ind = _all_indicators(pred)[0]
    ind.name.raw = " \n".join(ind.name.raw) + "\u3000"
    assert score_report(gold, pred, src).families["indicators"].f1 == 1.0
    assert texts_equal("１２３万元", "123万元")
    assert text_similarity("", "") == 1.0
    assert not texts_equal("满意度", "及时率")


def test_prf_zero_denominators():
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(0, 0, 5) == (1.0, 0.0, 0.0)
    assert prf(0, 3, 0) == (0.0, 1.0, 0.0)
    p, r, f = prf(3, 1, 2)
    assert (p, r) == (0.75, 0.6)
    assert f == pytest.approx(2 * p * r / (p + r))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_counts_always_add_up(golds, data):
    doc_id = data.draw(st.sampled_from(DOC_IDS))
    gold, src = golds[doc_id]
    pred = _copy(gold)
    for sc in pred.scorecards:
        keep = data.draw(
            st.lists(st.booleans(), min_size=len(sc.indicators), max_size=len(sc.indicators))
        )
        sc.indicators = [i for i, k in zip(sc.indicators, keep, strict=True) if k]
    keep = data.draw(st.lists(st.booleans(), min_size=len(pred.facts), max_size=len(pred.facts)))
    pred.facts = [f for f, k in zip(pred.facts, keep, strict=True) if k]
    if data.draw(st.booleans()):
        pred.scorecards.reverse()
    score = score_report(gold, pred, src)
    _assert_counts_add_up(score, gold, pred)
    for fam in FAMILIES:
        assert score.families[fam].fp == 0  # only deletions: nothing invented


# --------------------------------------------------------------------------- results


def _run(scores, backend="test") -> EvalRun:
    return EvalRun.build(backend, scores, {s.doc_id: 1.5 for s in scores})


def _degraded_scores(golds) -> list[DocScore]:
    out = []
    for gold, src in golds.values():
        pred = _copy(gold)
        pred.funds = pred.funds[: len(pred.funds) // 2]
        for sc in pred.scorecards:
            sc.funds = sc.funds[: len(sc.funds) // 2]
        out.append(score_report(gold, pred, src))
    return out


def _checked(report: Report, src: str) -> Report:
    report.findings = check_report(report, src)
    return report


def test_thresholds_file_and_check(golds):
    thresholds = json.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))
    # Floors only for known families and the checker's gates, each a share; gold scored against
    # itself, with the checker's findings on it, clears them all.
    assert set(thresholds["rules"]) <= set(FAMILIES) | {"grounding", *CHECKER_GATES}
    assert all(0 < v <= 1 for v in thresholds["rules"].values())
    checked = [score_report(g, _checked(_copy(g), src), src) for g, src in golds.values()]
    assert check_thresholds(_run(checked), thresholds) == []
    assert check_thresholds(_run(checked), thresholds["rules"]) == []

    degraded = _degraded_scores(golds)
    for score, (gold, src) in zip(degraded, golds.values(), strict=True):
        score.checker = score_report(gold, _checked(_copy(gold), src), src).checker
    violations = check_thresholds(_run(degraded), thresholds)
    assert len(violations) == 1 and violations[0].startswith("funds")

    # without findings the checker's recall falls to zero and its gate fails
    silent = check_thresholds(
        _run([score_report(g, _copy(g), src) for g, src in golds.values()]), thresholds
    )
    assert any(v.startswith("checker_recall") for v in silent)

    assert check_thresholds(_run(checked), {"rules": {"fundz": 0.5}})


def test_grounding_threshold(self_scores, golds):
    gold, src = golds[DOC_IDS[0]]
    pred = _copy(gold)
    iter_grounded(pred)[0][1].span = None
    run = _run([score_report(gold, pred, src), *self_scores[1:]])
    violations = check_thresholds(run, {"rules": {"grounding": 1.0}})
    assert len(violations) == 1 and violations[0].startswith("grounding")


def test_markdown_and_rich(self_scores):
    run = _run(self_scores)
    md = to_markdown(run)
    for doc_id in DOC_IDS:
        assert doc_id in md
    for fam in FAMILIES:
        assert fam in md
    assert "overall" in md and "precision" in md and "grounding" in md
    console = Console(record=True, width=200)
    render_rich(run, console)
    text = console.export_text()
    assert all(doc_id in text for doc_id in DOC_IDS)


def test_write_results_and_compare(self_scores, golds, tmp_path):
    run = _run(self_scores, backend="rules")
    out = tmp_path / "results"
    json_path, md_path = write_results(run, out)
    assert json_path == out / "rules.json" and md_path == out / "rules.md"
    assert json_path.is_file() and md_path.is_file()
    assert sorted(p.name for p in out.iterdir()) == ["rules.json", "rules.md"]  # no temp files
    assert load_run(json_path).model_dump() == run.model_dump()
    assert md_path.read_text(encoding="utf-8") == to_markdown(run)

    assert compare(run, tmp_path / "missing.json")[0].startswith("no snapshot")
    assert compare(run, json_path) == []
    worse = _run(_degraded_scores(golds), backend="rules")
    lines = compare(worse, json_path)
    assert any(line.startswith("funds:") for line in lines)
    assert not any(line.startswith("indicators:") for line in lines)

    write_results(worse, out)  # overwrite in place
    assert load_run(json_path).aggregate["families"]["funds"]["f1"] < 1.0


def test_false_errors_gate_is_a_maximum(golds):
    from pipeline.evaluation.results import FALSE_ERRORS

    run = _run(_degraded_scores(golds))
    assert run.family_f1(FALSE_ERRORS) is not None
    worst = run.false_errors_per_clean_doc()
    assert check_thresholds(run, {FALSE_ERRORS: worst}) == []
    if worst:
        assert check_thresholds(run, {FALSE_ERRORS: worst - 1})


def test_every_threshold_set_names_real_gates():
    thresholds = json.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))
    from pipeline.evaluation.results import FALSE_ERRORS

    known = set(FAMILIES) | {"grounding", FALSE_ERRORS, *CHECKER_GATES}
    for key in ("rules", "rules-wild", "rules-shapes-clean", "rules-shapes-noisy"):
        assert set(thresholds[key]) <= known, key
