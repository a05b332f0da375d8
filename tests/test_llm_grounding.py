"""Grounding of model answers: ``ChunkLocator`` (exact after normalization, numbers standing
alone, fuzzy texts), ``Grounder`` (numbers near their label, taken places, lone numbers) and
the per-task assembly, on small hand-written documents and on one seed.

Every expected offset below is counted by hand in the text next to it (the comments give the
count); ``_at`` only double-checks the count against the text, it never supplies it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import raw_path
from pipeline.document import Document
from pipeline.layout import Layout, analyze
from pipeline.llm.answers import (
    FactItem,
    FundsItem,
    IndicatorItem,
    NarrativeAnswer,
    PersonnelItem,
    ScorecardItem,
    TablesAnswer,
)
from pipeline.llm.assemble import ALONE_DIGITS, Grounder, Piece
from pipeline.llm.backend import Request, ground
from pipeline.llm.chunking import Chunk, plan_chunks
from pipeline.llm.grounding import FUZZY_MIN, ChunkLocator, Found
from pipeline.schema import FundsCategory, FundsMeasure, UngroundedValue
from pipeline.vocabulary import SCORE_HEADERS, WEIGHT_HEADERS

# ----------------------------------------------------------------------------- helpers


def _doc(text: str) -> Document:
    return Document.from_text(
        text, path="t.txt", format="txt", encoding="utf-8", raw_bytes=text.encode()
    )


def _single(text: str, kind: str | None = None) -> tuple[Document, Layout, Chunk]:
    """The document, its layout and its one chunk (the texts here are small)."""
    doc = _doc(text)
    layout = analyze(doc.normalized)
    chunks = plan_chunks(doc, layout)
    assert len(chunks) == 1, [c.text for c in chunks]
    if kind is not None:
        assert chunks[0].kind == kind, chunks[0].kind
    return doc, layout, chunks[0]


def _locator(text: str, kind: str | None = None) -> tuple[Document, ChunkLocator]:
    doc, layout, chunk = _single(text, kind)
    return doc, ChunkLocator(doc, layout, chunk)


def _grounder(text: str, kind: str | None = None) -> tuple[Document, Grounder, Piece]:
    doc, layout, chunk = _single(text, kind)
    piece = Piece(chunk=chunk.index)
    return doc, Grounder(doc, layout, chunk, piece), piece


def _span(f) -> tuple[int, int]:
    return (f.span.start, f.span.end)


def _at(doc: Document, span: tuple[int, int], raw: str) -> tuple[int, int]:
    """``span`` after checking that the hand count is right: the original holds ``raw`` there."""
    assert doc.original[span[0] : span[1]] == raw, "hand count of the test is wrong"
    return span


def _raw_is_source(doc: Document, f: Found) -> None:
    assert f.raw == doc.original[f.span.start : f.span.end]


def _only(dropped: list[UngroundedValue], raw: str) -> UngroundedValue:
    hits = [u for u in dropped if u.raw == raw]
    assert len(hits) == 1, dropped
    return hits[0]


# ----------------------------------------------------------------------------- exact find


def test_full_width_digits_are_found_and_raw_is_the_source():
    # 本年收入总计 = 0..5, １６１３．４６ = 6..12
    text = "本年收入总计１６１３．４６万元。\n"
    doc, loc = _locator(text, "narrative")
    expected = _at(doc, (6, 13), "１６１３．４６")
    for needle in ("1613.46", "１６１３．４６"):
        (f,) = loc.find_all(needle, number=True)
        assert _span(f) == expected
        assert f.raw == "１６１３．４６"
        assert f.exact and f.similarity == 1.0
        _raw_is_source(doc, f)
    # found by its characters, not by a prefix
    assert loc.find_all("1613.4", number=True) == []
    assert loc.find_all("1613.47", number=True) == []


def test_text_broken_by_newlines_tabs_and_ideographic_spaces_is_found():
    # 部门整体 0..3, \n 4, 支出 5..6, \t 7, 绩效 8..9, \u3000 10, 自评 11..12, 报告 13..14
    text = "部门整体\n支出\t绩效\u3000自评报告。\n"
    doc, loc = _locator(text, "narrative")
    (f,) = loc.find_all("部门整体支出绩效自评")
    assert _span(f) == _at(doc, (0, 13), "部门整体\n支出\t绩效\u3000自评")
    assert f.raw == "部门整体\n支出\t绩效\u3000自评"  # the original characters, space kind kept
    _raw_is_source(doc, f)
    # the needle's own whitespace does not matter either
    (g,) = loc.find_all("支出 绩效\n自评")
    assert _span(g) == _at(doc, (5, 13), "支出\t绩效\u3000自评")
    _raw_is_source(doc, g)
    assert loc.find_all("部门整体绩效") == []


# ----------------------------------------------------------------------------- numbers alone


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("预算年度为2015年。\n", "15"),
        ("人数150人。\n", "15"),
        ("共315家。\n", "15"),
        ("增长15.5%。\n", "15"),
        ("比率0.15。\n", "15"),
        ("支出1.5万元。\n", "5"),
        ("支出1.5万元。\n", "1"),
    ],
)
def test_a_number_is_not_found_inside_another_number(text, needle):
    _, loc = _locator(text)
    assert loc.find_all(needle) != []  # the characters are there ...
    assert loc.find_all(needle, number=True) == []  # ... but not as that number


def test_a_number_followed_by_a_unit_is_found():
    # 用时 0..1, 15 2..3, 分 4
    doc, loc = _locator("用时15分。\n")
    (f,) = loc.find_all("15", number=True)
    assert _span(f) == _at(doc, (2, 4), "15")


def test_a_number_in_neighbouring_cells_is_found_in_each():
    # \t 0, 培训人数 1..4, \n 5, \t 6, 15 7..8, \n 9, \t 10, 15 11..12, \n 13
    text = "\t培训人数\n\t15\n\t15\n"
    doc, loc = _locator(text)
    found = loc.find_all("15", number=True)
    assert [_span(f) for f in found] == [_at(doc, (7, 9), "15"), _at(doc, (11, 13), "15")]
    for f in found:
        _raw_is_source(doc, f)


def test_a_number_with_thousands_separators_is_found_whole():
    # 支出合计 0..3, 1,500 4..8
    doc, loc = _locator("支出合计1,500万元。\n")
    (f,) = loc.find_all("1,500", number=True)
    assert _span(f) == _at(doc, (4, 9), "1,500")


def test_a_number_is_not_found_inside_a_number_with_thousands_separators():
    _, loc = _locator("支出合计1,500万元。\n")
    assert loc.find_all("500", number=True) == []
    assert loc.find_all("1", number=True) == []


# ----------------------------------------------------------------------------- fuzzy texts


def test_a_text_with_one_character_changed_is_found_fuzzily():
    # 本年度 0..2, 全面完成年度绩效目标任务 3..14 (12 characters), ，15
    text = "本年度全面完成年度绩效目标任务，成效明显。\n"
    doc, loc = _locator(text, "narrative")
    returned = "全面完成年度业效目标任务"  # 绩 → 业
    assert loc.find_all(returned) == []
    f = loc.find_fuzzy(returned)
    assert f is not None
    assert _span(f) == _at(doc, (3, 15), "全面完成年度绩效目标任务")
    assert f.raw == "全面完成年度绩效目标任务"  # the source's characters, not the model's
    assert not f.exact
    assert f.similarity == pytest.approx(round(2 * 11 / 24, 3))  # 11 of 12 match
    assert FUZZY_MIN <= f.similarity < 1.0
    _raw_is_source(doc, f)


def test_a_different_sentence_is_not_found_fuzzily():
    _, loc = _locator("本年度全面完成年度绩效目标任务，成效明显。\n", "narrative")
    assert loc.find_fuzzy("项目资金全部拨付到位") is None
    assert loc.find_fuzzy("全面完成项目资金拨付") is None


def test_grounder_reports_a_fuzzy_text_and_drops_a_missing_one():
    doc, g, piece = _grounder("本年度全面完成年度绩效目标任务，成效明显。\n", "narrative")
    t = g.text("goals[0].expected", "全面完成年度业效目标任务")
    assert t is not None and t.raw == "全面完成年度绩效目标任务"
    assert (t.span.start, t.span.end) == (3, 15)
    (fz,) = piece.fuzzy
    assert fz.path == "goals[0].expected" and fz.returned == "全面完成年度业效目标任务"
    assert fz.found.raw == "全面完成年度绩效目标任务" and fz.similarity < 1.0
    assert g.text("goals[0].actual", "项目资金全部拨付到位") is None
    (u,) = piece.ungrounded
    assert u.path == "goals[0].actual" and u.raw == "项目资金全部拨付到位" and u.reason
    # an exact text is not reported as fuzzy
    assert g.text("x", "成效明显") is not None and len(piece.fuzzy) == 1


# ----------------------------------------------------------------------------- near the label

# 项目 0..1, \t 2, 预算数 3..5, \t 6, 执行数 7..9, \n 10
# 工资福利 11..14, \t 15, 15 16..17, \t 18, 14 19..20, \n 21
# 商品服务 22..25, \t 26, 14 27..28, \t 29, 13 30..31, \n 32
FUNDS_TABLE = "项目\t预算数\t执行数\n工资福利\t15\t14\n商品服务\t14\t13\n"


def test_a_number_is_taken_from_its_labels_row_only():
    doc, g, piece = _grounder(FUNDS_TABLE, "table")
    # 14 stands in both rows: each label gets its own row's 14
    f = g.locate_number("a", "14", g.anchors("商品服务"), group="funds", anchor_text="商品服务")
    assert _span(f) == _at(doc, (27, 29), "14")
    f = g.locate_number("b", "14", g.anchors("工资福利"), group="funds", anchor_text="工资福利")
    assert _span(f) == _at(doc, (19, 21), "14")
    assert piece.ungrounded == []


def test_a_number_from_another_row_is_dropped():
    doc, g, piece = _grounder(FUNDS_TABLE, "table")
    # 13 is in 商品服务's row only: the model put it on the wrong row
    assert (
        g.locate_number("a", "13", g.anchors("工资福利"), group="f", anchor_text="工资福利") is None
    )
    # 16 is nowhere: an altered figure
    assert (
        g.locate_number("b", "16", g.anchors("工资福利"), group="f", anchor_text="工资福利") is None
    )
    wrong_row, altered = piece.ungrounded
    assert (wrong_row.path, wrong_row.raw, wrong_row.anchor) == ("a", "13", "工资福利")
    assert (altered.path, altered.raw, altered.anchor) == ("b", "16", "工资福利")
    assert wrong_row.reason and altered.reason and wrong_row.reason != altered.reason
    assert wrong_row.chunk == altered.chunk == piece.chunk


def test_a_number_is_taken_from_its_labels_sentence_only():
    # 工资福利支出 0..5, 15 6..7, 万元 8..9, 。10, 商品服务支出 11..16, 13 17..18
    text = "工资福利支出15万元。商品服务支出13万元。\n"
    doc, g, piece = _grounder(text, "narrative")
    f = g.locate_number("a", "13", g.anchors("商品服务"), group="fact", anchor_text="商品服务")
    assert _span(f) == _at(doc, (17, 19), "13")
    assert g.locate_number("b", "15", g.anchors("商品服务"), group="fact") is None
    (u,) = piece.ungrounded
    assert u.path == "b" and u.raw == "15" and u.reason


# ----------------------------------------------------------------------------- taken places

# 三级指标 0..3, \t 4, 分值 5..6, \t 7, 得分 8..9, \n 10
# 培训人数 11..14, \t 15, 10 16..17, \t 18, 10 19..20, \n 21
SCORE_TABLE = "三级指标\t分值\t得分\n培训人数\t10\t10\n"


def test_two_equal_numbers_of_a_row_are_two_places_in_column_order():
    doc, g, piece = _grounder(SCORE_TABLE, "table")
    anchors = g.anchors("培训人数")
    first = g.locate_number("w", "10", anchors, group="cell")
    second = g.locate_number("s", "10", anchors, group="cell")
    assert _span(first) == _at(doc, (16, 18), "10")
    assert _span(second) == _at(doc, (19, 21), "10")
    # both places are taken now: a third 10 has nowhere to go
    assert g.locate_number("x", "10", anchors, group="cell") is None
    (u,) = piece.ungrounded
    assert u.path == "x"
    # another group does not share the taken places
    assert _span(g.locate_number("y", "10", anchors, group="other")) == (16, 18)


def test_the_column_header_picks_the_cell_whatever_the_order_asked():
    doc, g, _ = _grounder(SCORE_TABLE, "table")
    anchors = g.anchors("培训人数")
    score = g.locate_number("s", "10", anchors, group="cell", columns=SCORE_HEADERS)
    weight = g.locate_number("w", "10", anchors, group="cell", columns=WEIGHT_HEADERS)
    assert _span(score) == (19, 21)
    assert _span(weight) == (16, 18)


def test_indicator_weight_and_score_of_equal_value_are_two_cells():
    doc, layout, chunk = _single(SCORE_TABLE, "table")
    answer = TablesAnswer(
        scorecards=[
            ScorecardItem(
                indicators=[
                    IndicatorItem(name="培训人数", weight="10", score="10"),
                    IndicatorItem(name="满意度", weight="5", score="5"),  # not in the chunk
                ]
            )
        ]
    )
    piece = ground(doc, layout, Request("tables", chunk), answer)
    ((_, card),) = piece.scorecards
    (row,) = card.indicators
    assert _span(row.name) == _at(doc, (11, 15), "培训人数")
    assert _span(row.weight) == (16, 18) and row.weight.value == Decimal("10")
    assert _span(row.score) == (19, 21) and row.score.value == Decimal("10")
    dropped = {(u.path, u.raw) for u in piece.ungrounded}
    assert ("scorecards[0].indicators[1].weight", "5") in dropped
    assert ("scorecards[0].indicators[1].score", "5") in dropped


# ----------------------------------------------------------------------------- lone numbers

# 全年培训 0..3, 15 4..5, 人次 6..7, ，8, 支出 9..10, 1613.46 11..17, 万元 18..19, ，20,
# 会议费 21..23, 7777 24..27, 元 28, ，29, 差旅费 30..32, 7777 33..36, 元 37, ，38,
# 用车 39..40, 8 41, 次 42, 。43
LONE_TEXT = "全年培训15人次，支出1613.46万元，会议费7777元，差旅费7777元，用车8次。\n"
NO_LABEL = "完全无关"  # stands nowhere in LONE_TEXT, not even approximately


def test_lone_numbers_need_enough_digits_and_a_single_place():
    assert ALONE_DIGITS == 3  # the brief: 1-2 digits never stand alone, 4+ may
    doc, layout, chunk = _single(LONE_TEXT, "narrative")
    facts = [
        FactItem(label=NO_LABEL, raw=r, unit=u)
        for r, u in [("15", "人次"), ("1613.46", "万元"), ("7777", "元"), ("8", "次")]
    ]
    piece = ground(doc, layout, Request("narrative", chunk), NarrativeAnswer(facts=facts))
    (kept,) = piece.facts
    # the model's label is not in the text: the fact is labelled by the words before it
    assert kept.label != NO_LABEL and kept.label in LONE_TEXT
    assert _span(kept.quantity) == _at(doc, (11, 18), "1613.46")
    assert kept.quantity.value == Decimal("1613.46") and kept.quantity.unit == "万元"
    assert sorted(u.raw for u in piece.ungrounded) == ["15", "7777", "8"]
    for raw in ("15", "8", "7777"):
        u = _only(piece.ungrounded, raw)
        assert u.anchor == NO_LABEL and u.reason
    assert "2" in _only(piece.ungrounded, "7777").reason  # it stands twice


def test_a_short_number_is_kept_when_its_label_is_found():
    doc, layout, chunk = _single(LONE_TEXT, "narrative")
    answer = NarrativeAnswer(facts=[FactItem(label="用车", raw="8", unit="次")])
    piece = ground(doc, layout, Request("narrative", chunk), answer)
    (fact,) = piece.facts
    assert _span(fact.quantity) == _at(doc, (41, 42), "8")
    assert piece.ungrounded == []


# ----------------------------------------------------------------------------- per task


def test_ground_narrative_keeps_source_values_and_drops_invented_ones():
    # 本年收入总计 0..5, １６１３．４６ 6..12, 万元 13..14, ，15, 其中财政拨款 16..21,
    # １５ 22..23, 万元 24..25, 。26
    text = "本年收入总计１６１３．４６万元，其中财政拨款１５万元。\n"
    doc, layout, chunk = _single(text, "narrative")
    answer = NarrativeAnswer(
        facts=[
            FactItem(label="财政拨款", raw="１５", unit="万元"),
            FactItem(label="本年收入总计", raw="1613.46", unit="万元"),
            FactItem(label="本年收入总计", raw="1613.50", unit="万元"),  # invented
        ],
        personnel=PersonnelItem(headcount="12"),  # invented
    )
    piece = ground(doc, layout, Request("narrative", chunk), answer)
    grant, income = piece.facts
    assert grant.label == "财政拨款"
    assert grant.quantity.raw == "１５" and _span(grant.quantity) == _at(doc, (22, 24), "１５")
    assert grant.quantity.value == Decimal("15") and grant.quantity.unit == "万元"
    assert income.quantity.raw == "１６１３．４６"  # the source's characters, not the model's
    assert _span(income.quantity) == (6, 13) and income.quantity.value == Decimal("1613.46")
    assert piece.personnel.headcount is None
    assert {(u.path, u.raw) for u in piece.ungrounded} == {
        ("facts[2].quantity", "1613.50"),
        ("personnel.headcount", "12"),
    }
    kept = {f.quantity.raw for f in piece.facts}
    assert "1613.50" not in kept and all(u.reason for u in piece.ungrounded)


def test_ground_tables_keeps_source_values_and_drops_invented_ones():
    # as FUNDS_TABLE, with a full-width １５ at 16..17
    text = "项目\t预算数\t执行数\n工资福利\t１５\t14\n商品服务\t14\t13\n"
    doc, layout, chunk = _single(text, "table")

    def item(label: str, column: str, raw: str) -> FundsItem:
        return FundsItem(
            label=label,
            column=column,
            raw=raw,
            category=FundsCategory.personnel,
            measure=FundsMeasure.executed,
        )

    answer = TablesAnswer(
        funds=[
            item("工资福利", "预算数", "１５"),
            item("商品服务", "执行数", "13"),
            item("商品服务", "预算数", "41"),  # invented
            item("工资福利", "执行数", "13"),  # 商品服务's figure, put on the wrong row
        ]
    )
    piece = ground(doc, layout, Request("tables", chunk), answer)
    salary, goods = piece.funds
    assert salary.label == "工资福利" and salary.column == "预算数"
    assert salary.amount.raw == "１５" and salary.amount.value == Decimal("15")
    assert _span(salary.amount) == _at(doc, (16, 18), "１５")
    assert salary.amount.unit == "万元"  # the answer's default unit
    assert goods.label == "商品服务" and goods.amount.value == Decimal("13")
    assert _span(goods.amount) == _at(doc, (30, 32), "13")
    assert {(u.path, u.raw) for u in piece.ungrounded} == {
        ("funds[2].amount", "41"),
        ("funds[3].amount", "13"),
    }
    assert all(u.anchor in ("商品服务", "工资福利") and u.reason for u in piece.ungrounded)


# ----------------------------------------------------------------------------- a real seed


@pytest.fixture(scope="module")
def lingling():
    from pipeline.ingest import read_document

    doc = read_document(raw_path("lingling-2020"))
    layout = analyze(doc.normalized)
    chunks = plan_chunks(doc, layout)
    # the 年度资金总额 row of the scorecard, located in the original by plain string search:
    # 年度资金总额, 1613.46 (年初预算数), 1585.32 (全年预算数), 1585.32 (全年执行数),
    # 10 (分值), 100% (执行率), 10 (得分), one cell per line
    orig = doc.original
    label = orig.index("年度资金总额")
    initial = orig.index("\t1613.46\n", label) + 1
    adjusted = orig.index("\t1585.32\n", initial) + 1
    executed = orig.index("\t1585.32\n", adjusted + 1) + 1
    weight = orig.index("\t10\n", executed) + 1
    score = orig.index("\t10\n", weight + 1) + 1
    at = {
        "label": (label, label + 6),
        "initial": (initial, initial + 7),
        "adjusted": (adjusted, adjusted + 7),
        "executed": (executed, executed + 7),
        "weight": (weight, weight + 2),
        "score": (score, score + 2),
    }
    n_label = doc.offsets.to_normalized(label, label + 6)[0]
    (chunk,) = [c for c in chunks if c.kind == "table" and c.start <= n_label < c.end]
    return doc, layout, chunk, at


def test_seed_exact_texts_map_to_the_original(lingling):
    doc, layout, chunk, at = lingling
    loc = ChunkLocator(doc, layout, chunk)
    (f,) = loc.find_all("年度资金总额")
    assert _span(f) == at["label"]
    _raw_is_source(doc, f)
    (t,) = loc.find_all("部门整体支出绩效自评表")
    assert t.span.start == doc.original.index("部门整体支出绩效自评表")
    # the header 全年执行数 is broken over two lines in the source
    (h,) = loc.find_all("全年执行数")
    assert h.raw == "全年\n执行数"
    _raw_is_source(doc, h)


def test_seed_funds_row_values_go_to_their_columns(lingling):
    doc, layout, chunk, at = lingling

    def item(column: str, raw: str, measure: FundsMeasure) -> FundsItem:
        return FundsItem(
            label="年度资金总额",
            column=column,
            raw=raw,
            category=FundsCategory.total,
            measure=measure,
        )

    answer = TablesAnswer(
        funds=[
            item("全年执行数", "1585.32", FundsMeasure.executed),
            item("全年预算数", "1585.32", FundsMeasure.adjusted_budget),
            item("年初预算数", "1613.46", FundsMeasure.initial_budget),
            item("得分", "10", FundsMeasure.score),
            item("分值", "10", FundsMeasure.weight),
            item("全年执行数", "1585.33", FundsMeasure.executed),  # invented
        ]
    )
    piece = ground(doc, layout, Request("tables", chunk), answer)
    spans = [_span(f.amount) for f in piece.funds]
    assert spans == [at["executed"], at["adjusted"], at["initial"], at["score"], at["weight"]]
    assert [f.amount.value for f in piece.funds] == [
        Decimal("1585.32"),
        Decimal("1585.32"),
        Decimal("1613.46"),
        Decimal("10"),
        Decimal("10"),
    ]
    for f in piece.funds:
        assert f.amount.raw == doc.original[f.amount.span.start : f.amount.span.end]
    (u,) = piece.ungrounded
    assert (u.path, u.raw, u.anchor) == ("funds[5].amount", "1585.33", "年度资金总额")


def test_seed_equal_numbers_without_columns_go_in_order(lingling):
    doc, layout, chunk, at = lingling
    g = Grounder(doc, layout, chunk, Piece(chunk=chunk.index))
    anchors = g.anchors("年度资金总额")
    first = g.locate_number("a", "1585.32", anchors, group="funds")
    second = g.locate_number("b", "1585.32", anchors, group="funds")
    assert (_span(first), _span(second)) == (at["adjusted"], at["executed"])
    assert g.locate_number("c", "1585.32", anchors, group="funds") is None


# ----------------------------------------------------------------------------- review fixes


def test_the_source_unit_wins_over_the_models():
    # 本年收入总计 0..5, 999.38 6..12, then 元
    text = "本年收入总计999.38元，其中财政拨款900.00元。\n"
    doc, layout, chunk = _single(text, "narrative")
    answer = NarrativeAnswer(facts=[FactItem(label="本年收入总计", raw="999.38", unit="万元")])
    piece = ground(doc, layout, Request("narrative", chunk), answer)
    (fact,) = piece.facts
    assert _span(fact.quantity) == _at(doc, (6, 12), "999.38")
    assert fact.quantity.unit == "元"
    (conflict,) = piece.conflicts
    assert conflict.kept == "999.38 元" and conflict.other == "999.38 万元"


def test_a_figure_without_its_label_is_labelled_by_the_source():
    text = "本年收入总计999.38万元。\n"
    doc, layout, chunk = _single(text, "narrative")
    invented = FactItem(label="“三公”经费支出", raw="999.38", unit="万元")
    piece = ground(doc, layout, Request("narrative", chunk), NarrativeAnswer(facts=[invented]))
    (fact,) = piece.facts
    assert fact.label == "本年收入总计"


def test_a_scorecard_with_nothing_grounded_is_dropped_and_listed():
    from pipeline.llm.answers import IndicatorItem, ScorecardItem, TablesAnswer

    doc, layout, chunk = _single(LONE_TEXT, "narrative")
    card = ScorecardItem(
        title="虚构项目绩效自评表",
        indicators=[IndicatorItem(name="虚构指标", weight="10", score="9")],
    )
    piece = ground(doc, layout, Request("tables", chunk), TablesAnswer(scorecards=[card]))
    assert piece.scorecards == []
    assert any(
        u.path == "scorecards[0]" and u.reason == "no value of it grounded"
        for u in piece.ungrounded
    )


def test_the_fiscal_year_is_read_where_a_year_is_written():
    from pipeline.llm.answers import MetaAnswer

    # 2021 first stands as a count (2021家, 4..8), then as a year at 15..19
    text = "全县企业2021家。\n本报告为2021年度部门整体支出绩效自评报告。\n"
    doc, layout, chunk = _single(text, "narrative")
    piece = ground(doc, layout, Request("meta", chunk), MetaAnswer(fiscal_year="2021"))
    assert _span(piece.meta.fiscal_year) == _at(doc, (15, 19), "2021")
