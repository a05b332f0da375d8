"""One test per checker rule, on a real case from a seed report.

Each case was found by reading the seed text (guided by the hand-written ``known_issues`` of
``fixtures/gold``) and recomputing the relation by hand.  The figures are located in the
source text by a distinctive neighbouring string, never by offsets copied from checker
output, and the test asserts that the rule's findings on that seed include one whose values
stand at exactly those spans and whose ``expected``/``found`` are the hand-computed numbers.

Where the seeds hold no violation of a rule, the rule is tested on a real case where the
relation holds (no finding) and on the same Report with one figure altered (it must fire).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

import pytest

import pipeline.check.rules  # noqa: F401  (registers the catalogue)
from conftest import SEED_IDS, raw_path
from pipeline.check import FAMILIES, RULES, check_report
from pipeline.schema import Finding, FindingValue, Quantity, Report, iter_grounded
from pipeline.stages import process

D = Decimal
Span = tuple[int, int]

COVERED: list[str] = []
"""Rule ids with a test in this module (see ``test_every_rule_has_a_test``)."""


def covers(rule_id: str) -> Callable[[Callable], Callable]:
    """Mark a test as the one test of ``rule_id``."""

    def mark(test: Callable) -> Callable:
        COVERED.append(rule_id)
        return test

    return mark


class Seed(NamedTuple):
    report: Report
    text: str

    def findings(self, rule_id: str) -> list[Finding]:
        return [f for f in self.report.findings if f.rule == rule_id]


@pytest.fixture(scope="module")
def seeds() -> dict[str, Seed]:
    """Every seed run through the pipeline once."""
    out = {}
    for doc_id in SEED_IDS:
        result = process(raw_path(doc_id))
        assert result.ok, result.error
        out[doc_id] = Seed(result.report, result.document.original)
    return out


# --- locating figures in the source text -------------------------------------------------


def at(text: str, *path: str, nth: int = 1) -> Span:
    """Span of the figure ``path[-1]`` as written in ``text``: the ``nth`` occurrence (as a
    whole number, not the digits of a longer one) after the earlier strings of ``path``,
    each searched from where the one before it starts.  The first of them must occur once
    in the text, so the figure found is the one read by hand."""
    *anchors, figure = path
    assert anchors, "give at least one neighbouring string"
    assert text.count(anchors[0]) == 1, f"{anchors[0]!r} occurs {text.count(anchors[0])} times"
    pos = text.index(anchors[0])
    for anchor in anchors[1:]:
        pos = text.index(anchor, pos)
    pattern = re.compile(rf"(?<![\d.．-]){re.escape(figure)}(?![\d.．])")
    for _ in range(nth):
        m = pattern.search(text, pos)
        assert m, f"{figure!r} not found after {anchors!r}"
        pos = m.end()
    return m.span()


def finding_with(
    findings: list[Finding], roles: dict[Span, str | None], *, exact: bool = False
) -> Finding:
    """The finding whose values stand at every span of ``roles`` (with that role, unless
    None), and at no other span when ``exact``."""
    for f in findings:
        got = {v.span.as_tuple(): v.role for v in f.values if v.span is not None}
        if exact and set(got) != set(roles):
            continue
        if all(s in got and (r is None or got[s] == r) for s, r in roles.items()):
            return f
    shown = [
        (f.expected, f.found, [(v.raw, v.span and v.span.as_tuple()) for v in f.values])
        for f in findings
    ]
    pytest.fail(f"no finding with values at {roles}; findings: {shown or 'none'}")


def value_at(f: Finding, span: Span) -> FindingValue:
    return next(v for v in f.values if v.span is not None and v.span.as_tuple() == span)


def quantity_at(report: Report, span: Span) -> Quantity:
    """The one Quantity of the report read from ``span`` (findings excluded)."""
    found = [
        q
        for path, q in iter_grounded(report)
        if isinstance(q, Quantity)
        and not path.startswith(("findings", "known_issues"))
        and q.span is not None
        and q.span.as_tuple() == span
    ]
    assert len(found) == 1, f"{len(found)} quantities at {span}"
    return found[0]


def altered(seed: Seed, span: Span, value: str) -> Report:
    """A deep copy of the seed's Report with the figure at ``span`` changed to ``value``."""
    report = seed.report.model_copy(deep=True)
    report.findings = []
    q = quantity_at(report, span)
    if q.raw.strip() == str(q.value):
        q.raw = value
    q.value = D(value)
    return report


def run(rule_id: str, report: Report, text: str) -> list[Finding]:
    return check_report(report, text, rules=[rule_id])


def none_anywhere(seeds: dict[str, Seed], rule_id: str) -> None:
    for doc_id, seed in seeds.items():
        assert seed.findings(rule_id) == [], doc_id


# --- the catalogue -----------------------------------------------------------------------


def test_every_rule_has_a_test():
    assert set(COVERED) == set(RULES)
    assert len(COVERED) == len(set(COVERED)), "a rule is covered twice"


def test_every_rule_is_documented_and_in_a_known_family():
    for rule_id, r in RULES.items():
        assert r.doc, f"{rule_id} has no docstring"
        assert r.family in FAMILIES, rule_id
        assert rule_id.split(".", 1)[0] == r.family


# --- sum ---------------------------------------------------------------------------------


@covers("sum.total_row")
def test_sum_total_row(seeds):
    """xiangxi 年度收入情况（万元）, 收入合计 column: the four institutions 8785.53 + 533.64 +
    188.47 + 185.42 = 9693.06, but the 局机关及二级机构汇总 row states 9712.53."""
    seed = seeds["xiangxi-2020"]
    t, table = seed.text, "年度收入情况（万元）"
    total = at(t, table, "局机关及二级机构汇总", "9712.53")
    parts = [
        at(t, table, "1、本级机构", "8785.53"),
        at(t, table, "2、州企业服务中心", "533.64"),
        at(t, table, "3、州墙体材料改革办公室", "188.47"),
        at(t, table, "4、州散装水泥办", "185.42"),
    ]
    f = finding_with(seed.findings("sum.total_row"), {total: "total", **{p: "part" for p in parts}})
    assert f.expected == D("8785.53") + D("533.64") + D("188.47") + D("185.42") == D("9693.06")
    assert f.found == D("9712.53")


@covers("sum.parts_exceed")
def test_sum_parts_exceed(seeds):
    """xiangxi 附件2 基础数据表, 三、公用经费, 2019年决算数: the 其中 lines 办公费 … 资本性支出
    add up to 836.17, more than the 807.22 they are part of (手续费 is blank in that column)."""
    seed = seeds["xiangxi-2020"]
    t, row = seed.text, "三、公用经费"
    total = at(t, row, "807.22")
    lines = [
        ("办公费", "24.85"),
        ("印刷费", "14.37"),
        ("咨询费", "10.00"),
        ("水费、电费", "4.30"),
        ("邮电费", "0.55"),
        ("物业管理费", "30.69"),
        ("差旅费", "70.13"),
        ("维护费", "4.78"),
        ("会议费", "25.64"),
        ("培训费", "0.99"),
        ("公务接待费", "3.38"),
        ("劳务费", "10.62"),
        ("工会经费", "0.44"),
        ("福利费", "29.96"),
        ("公务用车维护", "17.26"),
        ("其他交通费", "21.39"),
        ("其他商品及服务", "558.69"),
        ("资本性支出", "8.13"),
    ]
    parts = [at(t, row, label, figure) for label, figure in lines]
    f = finding_with(
        seed.findings("sum.parts_exceed"), {total: "total", **{p: "part" for p in parts}}
    )
    assert f.expected == sum((D(x) for _, x in lines), D(0)) == D("836.17")
    assert f.found == D("807.22")


@covers("sum.category_parts")
def test_sum_category_parts(seeds):
    """hengyang 基础数据表 经费控制情况, 当年预算数: 公务用车购置和维护经费 2.31 + 公务接待 8.46
    (出国（境） blank) = 10.77, but 三公经费 is 1.08.  (当年决算数 1.36 + 1.49 = 2.85 and 上年
    决算数 2.31 + 2.61 = 4.92 hold.)"""
    seed = seeds["hengyang-2021"]
    t, table = seed.text, "经费控制情况"
    total = at(t, table, "2、三公经费", "1.08")
    vehicle = at(t, table, "公务用车购置和维护经费", "2.31")
    reception = at(t, table, "公务接待", "8.46")
    f = finding_with(
        seed.findings("sum.category_parts"),
        {total: "total", vehicle: "part", reception: "part"},
    )
    assert f.expected == D("2.31") + D("8.46") == D("10.77")
    assert f.found == D("1.08")


@covers("sum.total_by_nature")
def test_sum_total_by_nature(seeds):
    """xiangxi: (1) 年度收入情况, 州墙体材料改革办公室: 上年结转 47.12 + 公共财政拨款 150.82 =
    197.94, but 收入合计 188.47.  (2) 附件3 自评表, 年初预算数: 基本支出 1539.19 + 项目支出
    1467.00 = 3006.19, but 年度资金总额 1685.89."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    income = "年度收入情况（万元）"
    total = at(t, income, "3、州墙体材料改革办公室", "188.47")
    carry = at(t, income, "3、州墙体材料改革办公室", "47.12")
    grant = at(t, income, "3、州墙体材料改革办公室", "150.82")
    f = finding_with(
        seed.findings("sum.total_by_nature"), {total: "total", carry: "part", grant: "part"}
    )
    assert f.expected == D("47.12") + D("150.82") == D("197.94")
    assert f.found == D("188.47")

    block = "[bookmark: _Hlk74777063]年度资金总额"
    total = at(t, block, "1685.89")
    basic = at(t, block, "按支出性质分", "基本支出", "1539.19")
    project = at(t, block, "按支出性质分", "项目支出", "1467.00")
    f = finding_with(
        seed.findings("sum.total_by_nature"), {total: "total", basic: "part", project: "part"}
    )
    assert f.expected == D("1539.19") + D("1467.00") == D("3006.19")
    assert f.found == D("1685.89")


@covers("sum.prose_parts")
def test_sum_prose_parts(seeds):
    """xiangxi prose: (1) 本局基本支出合计2450.42万元，其中人员经费2077.10万元，公用经费373.71万元:
    2077.10 + 373.71 = 2450.81 ≠ 2450.42.  (2) 发生社会保险支出299.25万元，其中 118.20 + 98.21 +
    12.84 = 229.25 ≠ 299.25 (a partial list would fall short, but not by one digit)."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    whole = at(t, "本局基本支出合计2450.42万元", "2450.42")
    personnel = at(t, "其中人员经费2077.10万元", "2077.10")
    public = at(t, "公用经费373.71万元", "373.71")
    f = finding_with(
        seed.findings("sum.prose_parts"), {whole: "total", personnel: "part", public: "part"}
    )
    assert f.expected == D("2077.10") + D("373.71") == D("2450.81")
    assert f.found == D("2450.42")

    whole = at(t, "发生社会保险支出299.25万元", "299.25")
    parts = [
        at(t, "基本养老保险缴费支出118.20万元", "118.20"),
        at(t, "职工基本医疗保险发生98.21万元", "98.21"),
        at(t, "其他社会保障缴费12.84万元", "12.84"),
    ]
    f = finding_with(
        seed.findings("sum.prose_parts"), {whole: "total", **{p: "part" for p in parts}}
    )
    assert f.expected == D("118.20") + D("98.21") + D("12.84") == D("229.25")
    assert f.found == D("299.25")


# --- balance -----------------------------------------------------------------------------


@covers("balance.accumulated")
def test_balance_accumulated(seeds):
    """xiangxi 州墙体材料改革办公室: 上年结转 47.12 (收入表) + 当年结余 2.42 (支出和结余表) =
    49.54, but its 累计结余 is 40.07."""
    seed = seeds["xiangxi-2020"]
    t, who = seed.text, "3、州墙体材料改革办公室"
    carry = at(t, "年度收入情况（万元）", who, "47.12")
    balance = at(t, "部门（单位）年度支出和结余情况", who, "2.42")
    accumulated = at(t, "部门（单位）年度支出和结余情况", who, "40.07")
    f = finding_with(
        seed.findings("balance.accumulated"),
        {accumulated: "total", carry: "part", balance: "part"},
    )
    assert f.expected == D("47.12") + D("2.42") == D("49.54")
    assert f.found == D("40.07")


@covers("balance.year")
def test_balance_year_holds_on_xiangxi_and_fires_when_spending_is_altered(seeds):
    """No seed breaks 收入 − 支出 = 结余 under both readings.  Checked by hand on xiangxi's
    收入表 and 支出和结余表 (the only seed with both), per institution:
    汇总 (9712.53 − 1352.45) − 7886.36 = 473.72 and 9712.53 − 7886.36 = 1826.17;
    本级 (8785.53 − 1162.46) − 7038.79 = 584.28 and 8785.53 − 7038.79 = 1746.74;
    企业服务中心 (533.64 − 118.84) − 519.57 = −104.77 and 533.64 − 519.57 = 14.07;
    墙改办 188.47 − 148.40 = 40.07 (the carry-over reading gives −7.05 ≠ 2.42: its 收入合计 is
    the figure sum.total_by_nature reports);
    散装水泥办 (185.42 − 14.03) − 179.60 = −8.21 (and 185.42 − 179.60 = 5.82 ≈ 5.81).
    Then the 汇总 支出合计 7886.36 altered to 7876.36 breaks both readings of that row."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    income, spending, who = (
        "年度收入情况（万元）",
        "部门（单位）年度支出和结余情况",
        "局机关及二级机构汇总",
    )
    inc = at(t, income, who, "9712.53")
    carry = at(t, income, who, "1352.45")
    exp = at(t, spending, who, "7886.36")
    bal = at(t, spending, who, "473.72")
    acc = at(t, spending, who, "1826.17")
    assert D("9712.53") - D("1352.45") - D("7886.36") == D("473.72")
    assert D("9712.53") - D("7886.36") == D("1826.17")
    none_anywhere(seeds, "balance.year")

    found = run("balance.year", altered(seed, exp, "7876.36"), t)
    f = finding_with(found, {inc: None, carry: None, exp: None, bal: None})
    assert acc not in {v.span.as_tuple() for v in f.values}  # the first reading is reported
    assert f.expected == D("9712.53") - D("1352.45") - D("7876.36") == D("483.72")
    assert f.found == D("473.72")


# --- ratio -------------------------------------------------------------------------------


@covers("ratio.prose_share")
def test_ratio_prose_share(seeds):
    """hengyang 收入支出结构分析: 本年决算总收入999.38万元，其中：一般公共预算财政拨款预算收入
    629.82万元，占63.00%: 629.82 ÷ 999.38 = 63.021…% → 63.02%, not 63.00%."""
    seed = seeds["hengyang-2021"]
    t = seed.text
    whole = at(t, "本年决算总收入999.38万元", "999.38")
    part = at(t, "一般公共预算财政拨款预算收入629.82万元", "629.82")
    rate = at(t, "占63.00%", "63.00")
    f = finding_with(
        seed.findings("ratio.prose_share"),
        {rate: "rate", part: "numerator", whole: "denominator"},
    )
    assert (D("629.82") / D("999.38") * 100).quantize(D("0.01")) == D("63.02")
    assert f.expected == D("63.02")
    assert f.found == D("63.00")


@covers("ratio.execution")
def test_ratio_execution_holds_on_qingtong_and_fires_when_the_rate_is_altered(seeds):
    """No seed states a wrong 执行率.  Checked by hand on every funds block: jiangxia 青桐
    160.45 ÷ 450 = 35.66% → 36% (rounded, not truncated), 众创空间 611.71 ÷ 1300 = 47.05% → 47%,
    1377.5 ÷ 1500 = 91.83% → 92%, 6506 ÷ 2000 = 325.3% → 325%, the other eighteen jiangxia
    blocks executed = budget at 100%; hengyang 961.44 ÷ 999.38 = 96.20% → 96%; lingling
    1585.32 ÷ 1585.32, xiangxi 8360.08 ÷ 8360.08, qingcheng 658.82, 277.24 and 381.58 rows all
    100%.  Then 青桐's 36% altered to 63% must be reported as 36%."""
    seed = seeds["jiangxia-2019"]
    t, row = seed.text, ("青桐”计划项目资金支出绩效自评表", "年度资金总额")
    budget = at(t, *row, "450", nth=2)  # 全年预算 (年初预算数 is the first 450)
    done = at(t, *row, "160.45")
    rate = at(t, *row, "36")
    assert (D("160.45") / D("450") * 100).quantize(D("1")) == D("36")
    none_anywhere(seeds, "ratio.execution")

    found = run("ratio.execution", altered(seed, rate, "63"), t)
    f = finding_with(found, {rate: "rate", done: "numerator", budget: "denominator"})
    assert f.expected == D("36")
    assert f.found == D("63")


@covers("ratio.control")
def test_ratio_control_holds_on_hengyang_and_fires_when_headcount_is_altered(seeds):
    """No seed states a wrong 控制率: hengyang 基础数据表 实有 40 ÷ 编制 42 = 95.24% → 95%;
    xiangxi 87 ÷ 91 = 95.60% → 95.6%.  Then hengyang's headcount altered to 38 makes
    38 ÷ 42 = 90.48% → 90%, not the 95% stated."""
    seed = seeds["hengyang-2021"]
    t, table = seed.text, "财政供养人员情况"
    quota = at(t, table, "42")
    headcount = at(t, table, "40")
    rate = at(t, table, "95")
    assert (D(40) / D(42) * 100).quantize(D("1")) == D("95")
    none_anywhere(seeds, "ratio.control")

    found = run("ratio.control", altered(seed, headcount, "38"), t)
    f = finding_with(found, {rate: "rate", headcount: "numerator", quota: "denominator"})
    assert (D(38) / D(42) * 100).quantize(D("1")) == D("90")
    assert f.expected == D("90")
    assert f.found == D("95")


# --- delta -------------------------------------------------------------------------------


@covers("delta.change")
def test_delta_change(seeds):
    """xiangxi: (1) 2019-2020年项目支出对比表, 对个人和家庭的补助: 367.99 − 132.65 = 235.34, but
    增减额 1235.34.  (2) 项目支出明细对比情况表, 物业管理费: 0 − 30.69 = −30.69, but 决算增减情况
    30.69 (wrong sign)."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    row = ("2019-2020年项目支出对比表", "对个人和家庭的补助")
    last, this, delta = at(t, *row, "132.65"), at(t, *row, "367.99"), at(t, *row, "1235.34")
    f = finding_with(
        seed.findings("delta.change"), {delta: "delta", this: "this_year", last: "last_year"}
    )
    assert f.expected == D("367.99") - D("132.65") == D("235.34")
    assert f.found == D("1235.34")

    row = ("2019年与2020项目支出明细对比情况表", "物业管理费")
    last, this, delta = at(t, *row, "30.69"), at(t, *row, "0"), at(t, *row, "30.69", nth=2)
    f = finding_with(
        seed.findings("delta.change"), {delta: "delta", this: "this_year", last: "last_year"}
    )
    assert f.expected == D("0") - D("30.69") == D("-30.69")
    assert f.found == D("30.69")
    assert "wrong sign" in f.message_en


# --- score -------------------------------------------------------------------------------


@covers("score.max")
def test_score_max(seeds):
    """qingcheng 自评表 总分 row: 分值 90, 得分 98.  (1) The total score 98 is above the stated
    maximum 90.  (2) 90 is the indicator weights alone (6+8+6+6+6+6+6+6+7+7+8+8+10 = 90) while 98
    counts the 预算执行率 score (10 + 88 indicator points): with the 预算执行率 weight 10 the
    maximum would be 100."""
    seed = seeds["qingcheng-2023"]
    t = seed.text
    maximum = at(t, "| 总分 |", "90")
    total = at(t, "| 总分 |", "98")
    f = finding_with(seed.findings("score.max"), {total: "score", maximum: "weight"}, exact=True)
    assert f.expected == D("90")
    assert f.found == D("98")

    table = "| 年度绩效指标完成情况 |"
    rows = [
        ("年度报告提交及时性", "6"),
        ("预算内支出", "8"),
        ("严格执行采购管理制度", "6"),
        ("需采购杜绝浪费", "6"),
        ("严格执行考勤制度", "6"),
        ("执行绩效工资考核制度", "6"),
        ("严格控制成本,合理配置资产", "6"),
        ("严格执行资产管理制度", "6"),
        ("单位职工工作协作性", "7"),
        ("工作效率提高性", "7"),
        ("单位职工满意度", "8"),
        ("服务企业满意度", "8"),
        ("档案分类,专人专管", "10"),
    ]
    weights = [at(t, table, f"| {name} |", w) for name, w in rows]
    funds_weight = at(t, "| 全年支出 |", "10")  # 分值 (得分 is the next 10)
    assert sum((D(w) for _, w in rows), D(0)) == D("90")
    f = finding_with(
        seed.findings("score.max"),
        {
            maximum: "weight",
            total: "score",
            funds_weight: "weight",
            **{w: "weight" for w in weights},
        },
    )
    assert f.expected == D("10") + D("90") == D("100")
    assert f.found == D("90")


@covers("score.total")
def test_score_total_holds_on_qingtong_and_fires_when_the_total_is_altered(seeds):
    """No seed's 总分 得分 breaks both readings.  Checked by hand: jiangxia 青桐 indicator scores
    20+8+20+15+9+8+9 = 89 = 总分 89 (the 预算执行率 10 outside it; the other twenty jiangxia
    cards alike); xiangxi 产出 5+5+4+3+3+3+2+5+3+5+3+3+2+3 = 49, 效益 8+8+6+8 = 30, 满意度
    3+3+4 = 10, with 预算执行率 10 make 99 = 总分 99; qingcheng 10 + 88 = 98; hengyang
    46 + 28 + 9 + 8 = 91; lingling 绩效指标1 15+15+10+10+10+10+10+10+9 = 99 (each group's
    scores add to its 99).
    Then 青桐's 总分 89 altered to 80 matches neither 89 nor 99 (further than the rounding
    tolerance of eight or nine whole-number figures, 4 and 4.5)."""
    seed = seeds["jiangxia-2019"]
    t = seed.text
    total = at(t, "青桐”计划项目资金支出绩效自评表", "总分", "89")
    assert sum([20, 8, 20, 15, 9, 8, 9]) == 89
    none_anywhere(seeds, "score.total")

    found = run("score.total", altered(seed, total, "80"), t)
    f = finding_with(found, {total: "total"})
    assert f.expected == D("89")  # the reading closest to 80: the indicators alone
    assert f.found == D("80")


@covers("score.within_weight")
def test_score_within_weight_holds_on_qingcheng_and_fires_when_a_score_is_altered(seeds):
    """No seed scores an indicator above its weight: read by hand on the qingcheng, xiangxi,
    hengyang and lingling 绩效指标1 tables (qingcheng: 13 indicators at or below their 分值,
    单位职工工作协作性 and 工作效率提高性 6 of 7, 预算执行率 10 of 10), and on jiangxia by
    scanning the 分值/得分 cells of its 147 indicator rows.  Then 单位职工工作协作性's 得分 6
    altered to 8 exceeds its 7."""
    seed = seeds["qingcheng-2023"]
    t, row = seed.text, "| 单位职工工作协作性 |"
    weight = at(t, row, "7")
    score = at(t, row, "6")
    none_anywhere(seeds, "score.within_weight")

    found = run("score.within_weight", altered(seed, score, "8"), t)
    f = finding_with(found, {score: "score", weight: "weight"})
    assert f.expected == D("7")
    assert f.found == D("8")


@covers("score.level_header")
def test_score_level_header_holds_on_xiangxi_and_fires_when_a_weight_is_altered(seeds):
    """No seed's level-1 header weight disagrees with its indicators.  Checked by hand on
    xiangxi's 自评表: 产出指标(50分) 5+5+4+3+3+3+3+5+3+5+3+3+2+3 = 50, 效益指标（30分）
    8+8+6+8 = 30, 满意度指标（10分） 3+3+4 = 10 (lingling's nine groups: 50 / 40 / 10 alike).
    Then the 分值 8 of 效益指标's first row (工业强劲回升…) altered to 18 makes its weights 40
    (beyond the rounding tolerance of five whole-number figures, 2.5)."""
    seed = seeds["xiangxi-2020"]
    t, table = seed.text, "[bookmark: _Hlk75400929]"
    header = at(t, table, "效益指标\n（30分）", "30")
    weight = at(t, "[bookmark: _Hlk75402459]", "较GDP增速高2.4个百分点", "8")
    assert sum([5, 5, 4, 3, 3, 3, 3, 5, 3, 5, 3, 3, 2, 3]) == 50
    assert sum([8, 8, 6, 8]) == 30
    none_anywhere(seeds, "score.level_header")

    found = run("score.level_header", altered(seed, weight, "18"), t)
    f = finding_with(found, {header: "total", weight: "part"})
    assert f.expected == D("18") + D("8") + D("6") + D("8") == D("40")
    assert f.found == D("30")


@covers("score.grade")
def test_score_grade_holds_on_xiangxi_and_fires_when_the_total_is_altered(seeds):
    """The only stated grade word on a scorecard is xiangxi's 评价等次 等级：优 for 评分：99, and
    99 is 优 under the document's note (90（含）—100分为优) and the national bands.  (hengyang's
    综合评定等级 cell holds the score 91, not a grade.)  Then the 评分 altered to 85 earns 良."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    score = at(t, "评分：99", "99")
    grade = at(t, "等级：优", "优")
    none_anywhere(seeds, "score.grade")

    found = run("score.grade", altered(seed, score, "85"), t)
    f = finding_with(found, {score: "score", grade: "grade"})
    assert "良" in f.message_zh


@covers("score.execution")
def test_score_execution(seeds):
    """jiangxia: (1) 青桐 年度资金总额: 执行率 36% × 分值 10 = 3.6, yet 得分 10.  (2) 众创空间:
    47% × 10 = 4.7, yet 得分 6.  (The document states no scoring rule of its own.)"""
    seed = seeds["jiangxia-2019"]
    t = seed.text
    row = ("青桐”计划项目资金支出绩效自评表", "年度资金总额")
    weight, rate, score = at(t, *row, "160.45", "10"), at(t, *row, "36"), at(t, *row, "36%", "10")
    f = finding_with(
        seed.findings("score.execution"), {score: "score", weight: "weight", rate: "rate"}
    )
    assert f.expected == D("10") * D("36") / 100 == D("3.6")
    assert f.found == D("10")

    row = ("众创空间专项资金项目资金支出绩效自评表", "年度资金总额")
    weight, rate, score = at(t, *row, "611.71", "10"), at(t, *row, "47"), at(t, *row, "47%", "6")
    f = finding_with(
        seed.findings("score.execution"), {score: "score", weight: "weight", rate: "rate"}
    )
    assert f.expected == D("10") * D("47") / 100 == D("4.7")
    assert f.found == D("6")


# --- target ------------------------------------------------------------------------------


@covers("target.missed_full_marks")
def test_target_missed_full_marks_holds_on_xiangxi_and_fires_when_the_actual_is_altered(seeds):
    """No seed gives full marks to a missed numeric target.  Checked by hand: xiangxi 新增入规
    企业 达50家 → 58家 5/5, 招商引资 30个 → 42个, 工业投资 57亿 → 79.6亿, the ≤100% rates 95.6%,
    53.7%, 26.2%, 满意度 95% → 96% / 97%; jiangxia 100 → 101 人, 40 → 47 家, 35 → 38 家,
    25 → 30 家, 400 → 476 家, 300 → 326 家, 投入成本 1300 → 611.71 (a cost cap, kept); lingling
    ≥2家 → 4家; qingcheng ≥90% → 100%.  Missed targets (hengyang 解决企业实际困难 ≥5 → 3,
    lingling 满意度 100% → 98%) did not keep full marks.  Then xiangxi 新增入规企业's 58 altered to
    45 misses 达50家 with 5/5."""
    seed = seeds["xiangxi-2020"]
    t, row = seed.text, ("[bookmark: _Hlk75400929]", "新增入规企业")
    target, actual = at(t, *row, "达50家"), at(t, *row, "58家")
    weight, score = at(t, *row, "5"), at(t, *row, "5", nth=2)
    none_anywhere(seeds, "target.missed_full_marks")

    found = run("target.missed_full_marks", altered(seed, actual, "45"), t)
    f = finding_with(found, {target: "target", actual: "actual", score: "score", weight: "weight"})
    assert f.expected == D("50")
    assert f.found == D("45")


# --- unit --------------------------------------------------------------------------------


@covers("unit.scale")
def test_unit_scale(seeds):
    """(1) qingcheng: 当年财政拨款 381.58 万元，全年支出 381.58 元，执行率 100%: the same figure in
    元.  (2) jiangxia: “三公”经费实际支付金额1.29元，其中公务用车0万元，公务接待费1.29万元."""
    seed = seeds["qingcheng-2023"]
    t = seed.text
    odd = at(t, "全年支出 381.58 元", "381.58")
    same = at(t, "当年财政拨款 381.58 万元", "381.58")
    f = finding_with(seed.findings("unit.scale"), {odd: "odd_unit", same: "statement"})
    assert (value_at(f, odd).unit, value_at(f, same).unit) == ("元", "万元")
    # same digits; in the neighbours' unit (万元) the odd figure is 381.58 元 = 0.038158 万元
    assert (f.expected, f.found) == (D("381.58"), D("381.58") / 10000)

    seed = seeds["jiangxia-2019"]
    t = seed.text
    odd = at(t, "“三公”经费实际支付金额1.29元", "1.29")
    same = at(t, "公务接待费1.29万元", "1.29")
    f = finding_with(seed.findings("unit.scale"), {odd: "odd_unit", same: "statement"})
    assert (value_at(f, odd).unit, value_at(f, same).unit) == ("元", "万元")
    assert (f.expected, f.found) == (D("1.29"), D("1.29") / 10000)


# --- xref --------------------------------------------------------------------------------


@covers("xref.same_quantity")
def test_xref_same_quantity(seeds):
    """(1) qingcheng 人员经费 executed, stated three times: 人员经费执行254.03万元, 其中人员 254.04
    万元, 其中人员 254.03 万元.  (2) xiangxi 收入合计: 9712.53 in 年度收入情况, 9712.54 in
    调整预算总收入金额合计9712.54万元."""
    seed = seeds["qingcheng-2023"]
    t = seed.text
    spans = [
        at(t, "人员经费执行254.03万元", "254.03"),
        at(t, "其中人员 254.04 万元", "254.04"),
        at(t, "其中人员 254.03 万元", "254.03"),
    ]
    f = finding_with(seed.findings("xref.same_quantity"), dict.fromkeys(spans, "statement"))
    assert {f.expected, f.found} == {D("254.03"), D("254.04")}

    seed = seeds["xiangxi-2020"]
    t = seed.text
    spans = [
        at(t, "年度收入情况（万元）", "局机关及二级机构汇总", "9712.53"),
        at(t, "调整预算总收入金额合计9712.54万元", "9712.54"),
    ]
    f = finding_with(seed.findings("xref.same_quantity"), dict.fromkeys(spans, "statement"))
    assert {f.expected, f.found} == {D("9712.53"), D("9712.54")}


def test_xref_same_quantity_keeps_budget_and_execution_apart(seeds):
    """xiangxi 2020 公用经费 budget: 373.72 (附件2 2020年预算数) vs 373.15 (2020年公用经费预算
    373.15万元).  The executed statements (373.32 支出表, 373.5 实际支出) are another quantity."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    table = at(t, "三、公用经费", "373.72")  # 2020年预算数 (the 决算数 cell reads 373.72（248.45）)
    prose = at(t, "2020年公用经费预算373.15万元", "373.15")
    f = finding_with(seed.findings("xref.same_quantity"), {table: None, prose: None})
    assert {f.expected, f.found} == {D("373.72"), D("373.15")}


@covers("xref.executed_vs_spending")
def test_xref_executed_vs_spending(seeds):
    """xiangxi 附件3 自评表 年度资金总额 全年执行数 8360.08 (= its 全年预算数), but the department's
    支出合计 is 7886.36 (年度支出和结余情况 汇总; = 基本支出 2450.81 + 项目支出 5435.55 of the same
    自评表)."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    executed = at(t, "[bookmark: _Hlk74777063]年度资金总额", "8360.08", nth=2)
    spending = at(t, "部门（单位）年度支出和结余情况", "局机关及二级机构汇总", "7886.36")
    f = finding_with(
        seed.findings("xref.executed_vs_spending"), {executed: "statement", spending: "statement"}
    )
    assert D("2450.81") + D("5435.55") == D("7886.36")
    assert f.expected == D("7886.36")
    assert f.found == D("8360.08")


@covers("xref.indicator_prose")
def test_xref_indicator_prose(seeds):
    """xiangxi 自评情况 table, 指标2：预算完成率 实际完成值 100%, but the prose says 预算完成率94.33%
    (7886.36 ÷ 8360.08 = 94.33%)."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    actual = at(t, "指标2：预算完成率", "100%", nth=2)  # the 实际完成值 cell (指标值 is first)
    prose = at(t, "预算完成率94.33%", "94.33")
    assert (D("7886.36") / D("8360.08") * 100).quantize(D("0.01")) == D("94.33")
    f = finding_with(seed.findings("xref.indicator_prose"), {actual: "actual", prose: "statement"})
    assert f.expected == D("94.33")
    assert f.found == D("100")


def test_xref_indicator_prose_names_every_prose_statement(seeds):
    """The same rate is stated again in 7.1: 本部门预算完成率只有94.33%，预算完成率未达标."""
    seed = seeds["xiangxi-2020"]
    t = seed.text
    actual = at(t, "指标2：预算完成率", "100%", nth=2)
    first = at(t, "预算完成率94.33%", "94.33")
    second = at(t, "本部门预算完成率只有94.33%", "94.33")
    finding_with(
        seed.findings("xref.indicator_prose"),
        {actual: "actual", first: "statement", second: "statement"},
    )


@covers("xref.cost_vs_funds")
def test_xref_cost_vs_funds(seeds):
    """jiangxia 瞪羚 project: 投入成本 指标值 500 万 and 实际完成值 500 万, but the funds block's
    全年预算 and 全年执行数 are 480 (as is 整体资金实际完成成本 480 万元)."""
    seed = seeds["jiangxia-2019"]
    t = seed.text
    card = "瞪羚计划项目资金支出绩效自评表"
    target, actual = at(t, card, "投入成本", "500 万"), at(t, card, "投入成本", "500 万", nth=2)
    budget = at(t, card, "年度资金总额", "480", nth=2)  # 全年预算
    executed = at(t, card, "年度资金总额", "480", nth=3)  # 全年执行数
    findings = seed.findings("xref.cost_vs_funds")
    f = finding_with(findings, {target: "target", budget: "statement"})
    assert (f.expected, f.found) == (D("480"), D("500"))
    f = finding_with(findings, {actual: "actual", executed: "statement"})
    assert (f.expected, f.found) == (D("480"), D("500"))


@covers("xref.goal_target")
def test_xref_goal_target(seeds):
    """hengyang 自评表: 年度总体目标 新增规模工业企业15家以上 vs indicator 完成新增规模企业
    不低于20家; 新增国家高新技术企业5个以上 vs 完成新增高新技术企业 不低于10家."""
    seed = seeds["hengyang-2021"]
    t = seed.text
    findings = seed.findings("xref.goal_target")
    goal = at(t, "新增规模工业企业15家以上", "15")
    target = at(t, "完成新增规模企业", "不低于20家")  # the 年度指标值 cell
    f = finding_with(findings, {goal: "goal", target: "target"})
    assert (f.expected, f.found) == (D("15"), D("20"))

    goal = at(t, "新增国家高新技术企业5个以上", "5")
    target = at(t, "完成新增高新技术企业", "不低于10家")
    f = finding_with(findings, {goal: "goal", target: "target"})
    assert (f.expected, f.found) == (D("5"), D("10"))
