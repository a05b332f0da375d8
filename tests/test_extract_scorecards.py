"""Scorecard extraction on real cases; expected values read from the cited source lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import raw_path
from pipeline.extract.scorecards import extract_scorecards
from pipeline.ingest import read_document
from pipeline.layout import analyze
from pipeline.schema import FundsCategory, FundsMeasure, ScorecardKind


@pytest.fixture(scope="module")
def extracted():
    out = {}
    for doc_id in ("lingling-2020", "hengyang-2021", "jiangxia-2019", "qingcheng-2023"):
        doc = read_document(raw_path(doc_id))
        out[doc_id] = (doc, *extract_scorecards(doc, analyze(doc.normalized))[:2])
    return out


def _grounded(doc, q):
    return doc.original[q.span.start : q.span.end] == q.raw


def test_jiangxia_qingtong_project_scorecard(extracted):  # source lines 238-255
    doc, cards, _ = extracted["jiangxia-2019"]
    card = next(c for c in cards if c.project_name and "青桐" in c.project_name.raw)
    assert card.kind is ScorecardKind.project
    assert card.supervisor.raw == "江夏区科学技术和经济信息化局"
    funds = {(f.label, f.measure): f.amount for f in card.funds}
    assert funds[("年度资金总额", FundsMeasure.executed)].value == Decimal("160.45")
    rate = funds[("年度资金总额", FundsMeasure.execution_rate)]
    assert (rate.value, rate.unit, rate.raw) == (Decimal("36"), "%", "36")
    assert ("其中：当年财政拨款", FundsMeasure.weight) not in funds  # the cell is "-"
    quality = next(i for i in card.indicators if i.name.raw == "符合补贴条件的大学生人数")
    assert (quality.level1.raw, quality.level2.raw) == ("产出指标", "质量指标")
    assert (quality.target.value, quality.target.unit) == (Decimal("100"), "人")
    assert (quality.actual.value, quality.weight.value, quality.score.value) == (
        Decimal("65"),
        10,
        8,
    )
    assert quality.deviation_note.raw.startswith("有些符合条件的大学生")
    satisfaction = card.indicators[
        -1
    ]  # line 254: 满意度指标→→受惠大学生创业企业满意度 (shifted left)
    assert satisfaction.name.raw == "受惠大学生创业企业满意度"
    assert satisfaction.level1.raw == "满意度指标"
    assert (satisfaction.target.comparator, satisfaction.target.value) == (">=", Decimal("95"))
    assert (card.max_score.value, card.total_score.value) == (100, 89)
    assert len(card.indicators) == 7
    assert all(_grounded(doc, q) for i in card.indicators for q in (i.name, i.target, i.actual))


def test_jiangxia_rows_shifted_right_are_aligned(extracted):  # lines 321, 605
    _, cards, _ = extracted["jiangxia-2019"]
    gongyi = next(c for c in cards if c.project_name and "公益岗" in c.project_name.raw)
    first = gongyi.indicators[0]  # →产出指标→→数量指标→缴纳…→一批→一批→20→20
    assert (first.level1.raw, first.level2.raw, first.weight.value) == ("产出指标", "数量指标", 20)
    assert first.name.raw.startswith("缴纳中小微企业服务超市")
    zc = next(c for c in cards if c.project_name and "众创空间" in c.project_name.raw)
    funds = {(f.label, f.measure): f.amount.value for f in zc.funds}
    assert funds[("年度资金总额", FundsMeasure.initial_budget)] == 1300
    assert funds[("年度资金总额", FundsMeasure.score)] == 6


def test_lingling_nine_groups_with_level_headers(extracted):
    doc, cards, _ = extracted["lingling-2020"]
    assert [c.group for c in cards] == [f"绩效指标{n}" for n in range(1, 10)]
    assert all(len(c.indicators) == 9 for c in cards)
    headers = [(h.name.text, h.weight.value) for h in cards[1].level_headers]
    assert headers == [("产出指标", 50), ("效益指标", 40), ("满意度指标", 10)]
    # Funds and goals belong to the first group only (lines 12-86).
    assert len(cards[0].funds) == 10 and len(cards[0].goals) == 1 and not cards[1].funds
    breakdown = {
        f.label: f.amount.value for f in cards[0].funds if f.measure is FundsMeasure.amount
    }
    assert breakdown == {
        "其中：一般公共预算": Decimal("1139.35"),
        "政府性基金拨款": Decimal("445.97"),
        "其中：基本支出": Decimal("511.66"),
        "项目支出": Decimal("1073.66"),
    }


def test_hengyang_basic_data_table_is_department_funds(extracted):  # lines 75-123
    _, cards, dept = extracted["hengyang-2021"]
    assert len(cards) == 1
    lines = {(f.label, f.measure): f for f in dept}
    basic = lines[("一、部门基本支出", FundsMeasure.executed)]
    assert (
        basic.amount.value == Decimal("564.62")
        and basic.category is FundsCategory.basic_expenditure
    )
    assert lines[("一、部门基本支出", FundsMeasure.prior_executed)].amount.value == Decimal(
        "723.01"
    )
    assert lines[("公务接待", FundsMeasure.adjusted_budget)].amount.value == Decimal("8.46")


def test_hengyang_breakdown_pairs(extracted):  # lines 174-200: label cell then number cell
    _, cards, _ = extracted["hengyang-2021"]
    pairs = {f.label: f.amount.value for f in cards[0].funds if f.measure is FundsMeasure.amount}
    assert pairs["一般公共预算拨款"] == Decimal("629.82")
    assert pairs["1.人员经费"] == Decimal("467.52")
    assert pairs["其他收入"] == Decimal("154.98")
