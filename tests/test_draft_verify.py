"""The faithfulness verifier (``pipeline.draft.verify``): every number a draft states must be
a figure of the data, at the precision the draft shows it, in a compatible unit.

The figures are built by hand from hengyang-2021's 部门整体支出绩效自评表 (fixtures/raw,
lines 162-167: 年度资金总额 全年预算数 999.38 / 全年执行数 961.44 / 预算执行率 96%;
line 38: 一般公共预算财政拨款预算收入 629.82; the table's 总分 91 of 100), and the real
figures of that seed (``draft_facts(report).figures()``) are checked the same way.  Every
expected value below is worked out by hand in a comment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import raw_path
from pipeline.draft.figures import Figure, derived, draft_facts
from pipeline.draft.verify import Verification, verify
from pipeline.stages import process

D = Decimal


def fig(key: str, value: str, unit: str | None, how: str = "stated: test") -> Figure:
    v = D(value)
    exp = v.as_tuple().exponent
    decimals = -exp if isinstance(exp, int) and exp < 0 else 0
    return Figure(key, key, v, unit, decimals, how)


# 629.82 ÷ 999.38 × 100 = 63.0210… → 63.02 at the report's two decimals
# (999.38 × 0.63 = 629.6094; 629.82 − 629.6094 = 0.2106; 0.2106 ÷ 999.38 = 0.000211 → 63.021)
RATE_GPB = fig(
    "rate.gpb", "63.02", "%", "rate: 一般公共预算拨款 629.82 ÷ 年度资金总额 999.38 × 100"
)

FIGURES: list[Figure] = [
    fig("budget.total", "999.38", "万元"),
    fig("executed.total", "961.44", "万元"),
    fig("rate.total", "96", "%"),
    fig("income.gpb", "629.82", "万元"),
    RATE_GPB,
    Figure("count.indicators", "指标数", D(26), "个", 0, "count: 指标数"),
    fig("total.score", "91", "分"),
    fig("max.score", "100", "分"),
    fig("year", "2021", "年"),
]


@pytest.fixture(scope="module")
def hengyang():
    return process(raw_path("hengyang-2021")).report


@pytest.fixture(scope="module")
def hengyang_figures(hengyang) -> list[Figure]:
    return draft_facts(hengyang).figures()


@pytest.fixture(scope="module")
def xiangxi_figures() -> list[Figure]:
    return draft_facts(process(raw_path("xiangxi-2020")).report).figures()


def only(v: Verification):
    assert v.total == 1, [n.text for n in v.numbers]
    return v.numbers[0]


# --------------------------------------------------------------------------- accepted

ACCEPTED = [
    # the amount as written
    ("全年执行数961.44万元。", "executed.total"),
    # the same rounded half up to one decimal: 961.44 → 961.4
    ("全年执行数961.4万元。", "executed.total"),
    # in 元: 961.44万元 × 10000 = 9 614 400元
    ("全年执行数9614400元。", "executed.total"),
    # 96% as written, and shown with two decimals: 96 → 96.00
    ("预算执行率96%。", "rate.total"),
    ("预算执行率96.00%。", "rate.total"),
    # the derived rate (629.82 ÷ 999.38 × 100 = 63.021) at two and at one decimal (63.0)
    ("一般公共预算拨款占63.02%。", "rate.gpb"),
    ("一般公共预算拨款占63.0%。", "rate.gpb"),
    # a count, a score, the year
    ("共设置26个绩效指标。", "count.indicators"),
    ("自评得分91分。", "total.score"),
    ("2021年度，全年预算数999.38万元。", "year"),
]


@pytest.mark.parametrize(("text", "key"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepts(text: str, key: str) -> None:
    v = verify(text, FIGURES)
    assert v.ok and v.share == 1.0
    assert v.numbers[0].figure is not None
    assert v.numbers[0].figure.key == key


def test_accepts_a_derived_rate_figure_made_by_derived() -> None:
    """The same rate made the way drafting makes it: the exact quotient rounded to 2."""
    rate = derived(
        "rate.gpb",
        "一般公共预算拨款占比",
        D("629.82") / D("999.38") * 100,
        "%",
        2,
        "rate: 629.82 ÷ 999.38 × 100",
    )
    assert rate.text == "63.02"
    assert verify("占63.02%。", [rate]).ok
    assert verify("占63.0%。", [rate]).ok
    assert verify("占63%。", [rate]).ok  # 63.021 → 63
    assert not verify("占63.03%。", [rate]).ok


def test_accepts_the_same_numbers_against_the_real_figures(hengyang_figures) -> None:
    text = (
        "2021年度，全年预算数999.38万元，全年执行数961.44万元（961.4万元，即9614400元），"
        "预算执行率96%（96.00%）。\n"
        # share 629.82 ÷ 999.38 × 100 = 63.02 (shown 63.0 at one decimal)
        "一般公共预算拨款629.82万元，占63.02%（63.0%）。\n"
        # 基本支出 564.62 ÷ 393.01 × 100 = 143.6656 → 143.67, at one decimal 143.7
        # (393.01 × 1.4 = 550.214; 564.62 − 550.214 = 14.406; 14.406 ÷ 393.01 = 0.036656)
        "基本支出执行率143.67%（143.7%）。\n"
        # 项目支出 396.82 ÷ 160.00 × 100 = 248.0125 → 248.01
        "项目支出执行率248.01%。\n"
        "共设置26个绩效指标，自评得分91分（满分100分）。\n"
    )
    v = verify(text, hengyang_figures)
    assert [n.text for n in v.unverified] == []
    # 7 numbers on the first line, 3 + 2 + 1 on the next three, 3 on the last
    assert v.total == 16 and v.share == 1.0
    rates = {n.text: n.figure.how.split(":")[0] for n in v.numbers if n.text.startswith("14")}
    assert rates == {"143.67%": "rate", "143.7%": "rate"}


# --------------------------------------------------------------------------- rejected

REJECTED = [
    # a changed digit: 961.45 ≠ 961.44 at the two decimals shown
    ("全年执行数961.45万元。", "961.45万元"),
    # a wrong rate: the data says 96%
    ("预算执行率97%。", "97%"),
    # a wrong derived rate: 63.03 ≠ 63.02
    ("一般公共预算拨款占63.03%。", "63.03%"),
    # a unit mismatch: 91 is a score (分), not a percentage
    ("自评得分率91%。", "91%"),
    # a unit mismatch: 629.82元 = 0.062982万元, not 629.82万元
    ("一般公共预算拨款629.82元。", "629.82元"),
    # 961.44 rounded to one decimal is 961.4, not 961.5
    ("全年执行数961.5万元。", "961.5万元"),
]


@pytest.mark.parametrize(("text", "number"), REJECTED, ids=[t for t, _ in REJECTED])
def test_rejects(text: str, number: str) -> None:
    v = verify(text, FIGURES)
    n = only(v)
    assert not v.ok and v.share == 0.0
    assert n.figure is None and not n.verified
    assert [(u.text, u.sentence) for u in v.unverified] == [(number, text)]


def test_rejects_against_the_real_figures(hengyang_figures, xiangxi_figures) -> None:
    # a number of another document: xiangxi-2020's 收入合计 9712.53 (its raw line 60)
    assert any(f.value == D("9712.53") for f in xiangxi_figures)
    assert not any(f.value == D("9712.53") for f in hengyang_figures)
    # a total the data never states: 基本支出 564.62 + 其他收入 154.98 = 719.60
    assert not any(f.value == D("719.60") for f in hengyang_figures)
    sentences = [
        "全年收入合计9712.53万元。",
        "基本支出与其他收入合计719.60万元。",
        "全年执行数961.45万元。",
        "预算执行率97%。",
        "自评得分率91%。",
        "一般公共预算拨款629.82元。",
    ]
    v = verify("".join(sentences), hengyang_figures)
    assert v.total == 6 and v.verified == 0 and v.share == 0.0
    assert [(n.text, n.sentence) for n in v.unverified] == list(
        zip(
            ["9712.53万元", "719.60万元", "961.45万元", "97%", "91%", "629.82元"],
            sentences,
            strict=True,
        )
    )
    # and the same 9712.53 is verified against xiangxi's own figures
    assert verify("全年收入合计9712.53万元。", xiangxi_figures).ok


def test_a_unit_mismatch_is_not_saved_by_another_figure(hengyang_figures) -> None:
    """91 stands in the data only as a score, 629.82 only in 万元 (or as a bare number of a
    checker message): neither is a percentage or an amount in 元."""
    assert [f.unit for f in hengyang_figures if f.value == 91] == ["分"]
    assert not verify("得分率91%。", hengyang_figures).ok
    assert verify("得分91分。", hengyang_figures).ok
    assert not verify("拨款629.82元。", hengyang_figures).ok
    assert verify("拨款629.82万元。", hengyang_figures).ok


# --------------------------------------------------------------------------- skipped


def test_list_numbering_and_headings_are_not_numbers() -> None:
    text = (
        "## 1. 预算执行情况\n"
        "1、全年执行数961.44万元。\n"
        "（2）预算执行率96%。\n"
        "3. 自评得分91分。\n"
        "(4)共设置26个绩效指标。\n"
    )
    v = verify(text, FIGURES)
    # 1. 1、 （2） 3. (4) are numbering: only the four statements are checked
    assert [n.text for n in v.numbers] == ["961.44万元", "96%", "91分", "26个"]
    assert v.ok and v.share == 1.0


def test_numbering_is_skipped_but_a_wrong_number_on_the_same_line_is_not() -> None:
    v = verify("1、全年执行数961.45万元。\n## 2. 小结\n", FIGURES)
    assert [(n.text, n.sentence) for n in v.unverified] == [
        ("961.45万元", "1、全年执行数961.45万元。")
    ]
    assert v.total == 1


def test_a_decimal_at_a_line_start_is_a_number_not_numbering() -> None:
    # "3.5万元" is an amount, not the item 3.: it is checked (and 3.5 is no figure)
    v = verify("3.5万元用于培训。\n", FIGURES)
    assert [n.text for n in v.unverified] == ["3.5万元"]


# --------------------------------------------------------------------------- share


def test_share_is_verified_over_total() -> None:
    # 961.44万元 ✓, 97% ✗, 91分 ✓, 26个 ✓, 719.60万元 ✗ → 3 of 5 = 0.6
    text = "全年执行数961.44万元，预算执行率97%。自评得分91分；共26个指标。\n合计719.60万元。"
    v = verify(text, FIGURES)
    assert (v.total, v.verified) == (5, 3)
    assert v.share == pytest.approx(3 / 5)
    assert not v.ok
    assert [(n.text, n.sentence) for n in v.unverified] == [
        ("97%", "全年执行数961.44万元，预算执行率97%。"),
        ("719.60万元", "合计719.60万元。"),
    ]
    assert [n.figure.key for n in v.numbers if n.figure] == [
        "executed.total",
        "total.score",
        "count.indicators",
    ]


def test_share_is_one_without_numbers() -> None:
    v = verify("预算执行情况总体较好，各项工作按计划推进。", FIGURES)
    assert (v.total, v.verified, v.share, v.ok, v.unverified) == (0, 0, 1.0, True, [])
    assert verify("", []).share == 1.0


def test_unverified_keeps_position_and_value() -> None:
    text = "全年预算数999.38万元，全年执行数961.45万元。"
    n = only(verify(text[text.index("全年执行数") :], FIGURES))
    assert n.value == D("961.45") and n.unit == "万元"
    v = verify(text, FIGURES)
    bad = v.unverified[0]
    assert text[bad.start : bad.end] == "961.45万元"
    assert bad.sentence == text


# --------------------------------------------------------------------------- bugs found


def test_a_derived_rate_is_rounded_once() -> None:
    rate = derived(
        "rate.x", "执行率", D("246.49") / D("1000") * 100, "%", 2, "rate: 246.49 ÷ 1000 × 100"
    )
    assert verify("执行率24.6%。", [rate]).ok  # 24.649 → 24.6
    assert not verify("执行率24.7%。", [rate]).ok


@pytest.mark.parametrize(
    "text",
    [
        "新增就业37万人。",  # 37 is 37家 in the data: a bare 万 is not 家
        "资金缺口约4千万元。",  # 4千 is not the 4亿元 target
        "约961万。",  # a bare 万: only a figure written so could match
        "执行率为百分之九十六。",  # Chinese numerals cannot be checked
        "支出九百六十一万元。",
        "三个指标未完成。",
        "全年执行数-961.44万元。",  # the sign is part of the number
        "自评得分：85.\n",  # a number before a full stop is not list numbering
        "预算执行率96.0000000000000000000000000000%。",  # more decimals than Decimal holds
    ],
)
def test_what_the_review_found_slipping_through_is_unverified(hengyang, text):
    v = verify(text, draft_facts(hengyang).figures())
    assert v.total >= 1 and v.verified == 0, [(n.text, n.verified) for n in v.numbers]


def test_ordinals_and_next_year_are_not_quantities(hengyang):
    v = verify("一是加强管理；二是在下一年度细化指标。第一，", draft_facts(hengyang).figures())
    assert v.total == 0
