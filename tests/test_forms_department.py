"""The department forms read by the form reader, whatever their shape: the 基础数据表 (its
personnel block and its 经费控制情况 block), the 按收入 / 按支出性质 breakdown of the
department 自评表, dated columns, and personnel stated in prose.  Every text here is written
for this test in the shapes real exports take, and every expected value is read off the text
by hand."""

from __future__ import annotations

import pytest
from textreport import read_text

_read = read_text


def _funds(report) -> dict[tuple[str, str], tuple[str, str]]:
    """(label, measure) → (raw, column) over the department tables."""
    return {(f.label, f.measure.value): (f.amount.raw, f.column) for f in report.funds}


def _personnel(report) -> tuple:
    p = report.personnel
    return tuple(
        None if q is None else q.raw for q in (p.staffing_quota, p.headcount, p.control_rate)
    )


BASIC_ROWS = (
    "经费控制情况 上年决算数 当年预算数 当年决算数 "
    "一、部门基本支出 301.20 318.00 309.45 "
    "其中：人员经费 250.10 262.00 258.33 "
    "公用经费 51.10 56.00 51.12 "
    "二、“三公”经费 5.40 5.00 4.61 "
    "其中：公务接待费 1.30 1.20 1.05 "
    "三、部门项目支出 96.00 110.00 104.80"
)
BASIC_PERSONNEL = "财政供养人员情况 编制数 实有人数 控制率 24 22 91.67%"


def _shaped(shape: str) -> str:
    cells = f"{BASIC_PERSONNEL} {BASIC_ROWS}".split(" ")
    if shape == "oneline":
        body = " ".join(cells)
    elif shape == "cellbar":
        body = "\n".join(f"{c} |" for c in cells)
    else:  # one cell per paragraph
        body = "\n\n".join(cells)
    return (
        "某县农业农村局2022年度部门整体支出绩效自评报告\n一、部门概况\n本局主要负责农业农村工作。\n"
        f"部门整体支出绩效评价基础数据表\n单位：万元\n{body}\n"
    )


@pytest.mark.parametrize("shape", ["oneline", "cellbar", "cellpara"])
def test_the_basic_data_table_reads_in_every_shape(shape):
    r = _read(_shaped(shape))
    assert _personnel(r) == ("24", "22", "91.67")
    funds = _funds(r)
    assert funds[("一、部门基本支出", "prior_executed")] == ("301.20", "上年决算数")
    assert funds[("一、部门基本支出", "adjusted_budget")] == ("318.00", "当年预算数")
    assert funds[("一、部门基本支出", "executed")] == ("309.45", "当年决算数")
    assert funds[("其中：人员经费", "executed")][0] == "258.33"
    assert funds[("二、“三公”经费", "prior_executed")][0] == "5.40"
    assert funds[("其中：公务接待费", "adjusted_budget")][0] == "1.20"
    assert funds[("三、部门项目支出", "executed")][0] == "104.80"
    assert len(r.funds) == 18  # six rows of three, nothing else
    assert {f.table for f in r.funds} == {"部门整体支出绩效评价基础数据表"}
    categories = {f.label: f.category.value for f in r.funds}
    assert categories["一、部门基本支出"] == "basic_expenditure"
    assert categories["其中：公务接待费"] == "official_reception"
    # the table's cells are not statements of the prose
    assert not [f for f in r.facts if f.quantity.raw in ("309.45", "22")]


def test_dated_columns_the_earlier_year_is_last_years():
    text = (
        "部门整体支出绩效评价基础数据表\n单位：万元\n"
        "经费控制情况 2021 年决算数 2022年预算数 2022 年决算数\n"
        "三公经费 8.10 7.60 7.05\n1.公务接待经费 2.20 2.00 1.84\n"
    )
    funds = _funds(_read(text))
    # (a column is named as written, its whitespace removed)
    assert funds[("三公经费", "prior_executed")] == ("8.10", "2021年决算数")
    assert funds[("三公经费", "adjusted_budget")] == ("7.60", "2022年预算数")
    assert funds[("三公经费", "executed")] == ("7.05", "2022年决算数")
    assert funds[("1.公务接待经费", "prior_executed")][0] == "2.20"


def test_a_block_of_one_row_headed_by_its_own_label():
    text = (
        "部门整体支出绩效评价基础数据表\n"
        "项目支出（万元） 全年预算数 全年执行数 执行率\n"
        "188.00 180.48 96.00%\n"
    )
    funds = _funds(_read(text))
    assert funds[("项目支出", "adjusted_budget")][0] == "188.00"
    assert funds[("项目支出", "executed")][0] == "180.48"
    assert funds[("项目支出", "execution_rate")][0] == "96.00"


def test_ocr_glued_counts_are_cut_where_the_rate_agrees():
    text = "部门整体支出绩效评价基础数据表\n财政供养人员情况 编制数 实有人数 控制率\n4642 91.30%\n"
    p = _read(text).personnel
    assert (p.staffing_quota.raw, p.headcount.raw, p.control_rate.raw) == ("46", "42", "91.30")
    assert p.staffing_quota.repaired and p.headcount.repaired
    assert p.staffing_quota.span.end == p.headcount.span.start


def test_glued_counts_no_cut_agrees_with_are_not_read():
    # 4642 with 80%: no cut gives 80% (42/46 = 91.3%, 642/4 and 2/464 are far off)
    text = "部门整体支出绩效评价基础数据表\n财政供养人员情况 编制数 实有人数 控制率\n4642 80.00%\n"
    p = _read(text).personnel
    assert p.staffing_quota is None and p.headcount is None


def test_a_personnel_header_run_never_reads_a_count_as_the_rate():
    text = "部门整体支出绩效评价基础数据表\n编制数 实有人数 控制率\n30\n"
    p = _read(text).personnel
    assert p.control_rate is None


def test_the_nature_breakdown_pairs_each_label_with_its_column():
    text = (
        "部门整体支出绩效自评表\n"
        "部门资金（万元） 全年预算数 全年执行数 预算执行率 分值 得分 "
        "年度资金总额 900.00 873.00 97.00% 10 9.7 "
        "按收入性质分类 按支出性质分类 一般公共预算拨款 820.00 基本支出 600.00 "
        "政府性基金拨款 1.人员经费 520.00 年初结转结余 50.00 2.公用经费 80.00 "
        "其他收入 30.00 项目支出 300.00\n"
    )
    r = _read(text)
    lines = {f.label: (f.amount.raw, f.column, f.measure.value) for f in r.scorecards[0].funds}
    assert lines["一般公共预算拨款"] == ("820.00", "按收入性质分类", "amount")
    assert lines["基本支出"] == ("600.00", "按支出性质分类", "amount")
    # a blank amount vanished: the label is kept out, and the next label keeps its meaning
    assert "政府性基金拨款" not in lines
    assert lines["1.人员经费"] == ("520.00", "按支出性质分类", "amount")
    assert lines["年初结转结余"] == ("50.00", "按收入性质分类", "amount")
    assert lines["2.公用经费"][0] == "80.00"
    assert lines["其他收入"] == ("30.00", "按收入性质分类", "amount")
    assert lines["项目支出"] == ("300.00", "按支出性质分类", "amount")
    totals = {
        f.measure.value: f.amount.raw for f in r.scorecards[0].funds if f.label == "年度资金总额"
    }
    assert totals == {
        "adjusted_budget": "900.00",
        "executed": "873.00",
        "execution_rate": "97.00",
        "weight": "10",
        "score": "9.7",
    }


def test_personnel_stated_in_prose():
    text = (
        "某县档案馆2022年度部门整体支出绩效自评报告\n一、部门概况\n"
        "本馆核定事业编制15名，年末实有在职人员14名，人员控制率93.33%。\n"
    )
    assert _personnel(_read(text)) == ("15", "14", "93.33")


def test_a_grid_level2_label_with_its_weight_is_split():
    text = (
        "部门整体支出绩效评价得分表\n\n"
        "| 一级指标 | 二级指标 | 三级指标 | 分值 | 得分 |\n|---|---|---|---|---|\n"
        "| 决策(20分) | 目标设定(8分) | 绩效目标合理性 | 4 | 4 |\n"
        "| | | 绩效指标明确性 | 4 | 3 |\n"
        "| | 预算配置(12分) | 在职人员控制率 | 12 | 12 |\n"
        "| 合计 | | | 20 | 19 |\n"
    )
    card = _read(text).scorecards[0]
    assert [i.level2.raw for i in card.indicators] == ["目标设定", "目标设定", "预算配置"]
    heads = {(h.name.raw, h.level): h.weight.raw for h in card.level_headers}
    assert heads[("目标设定", 2)] == "8" and heads[("预算配置", 2)] == "12"
    assert heads[("决策", 1)] == "20"


# --------------------------------------------------------------------------- the checker

from pipeline.check import check_report  # noqa: E402

EXECUTION = (
    "部门整体支出绩效评价基础数据表\n单位：万元\n"
    "经费控制情况 当年预算数 当年决算数\n"
    "基本支出 468.00 455.30\n其中：人员经费 392.00 384.90\n公用经费 76.00 70.40\n"
    "“三公”经费 4.80 4.26\n其中：公务接待费 1.20 0.98\n公务用车运行维护费 3.60 3.28\n"
    "项目支出 215.00 203.18\n"
    "预算执行情况 全年预算数 全年执行数 执行率\n"
    "基本支出 468.00 455.30 97.29%\n其中：人员经费 392.00 384.90 98.19%\n"
    "公用经费 76.00 70.40 92.63%\n项目支出 215.00 203.18 94.50%\n"
)


def _sums(text: str) -> list[str]:
    report = _read(text)
    return [
        f"{f.rule}: {f.message_zh}" for f in check_report(report, text) if f.rule.startswith("sum.")
    ]


def test_unnumbered_rows_after_a_qizhong_list_return_to_the_level_they_name():
    # 公用经费 continues 基本支出's parts; “三公”经费 and 项目支出 stand beside 基本支出; the
    # rates of the last block are not summed
    assert _sums(EXECUTION) == []


def test_a_part_too_large_under_an_unnumbered_outline_is_still_found():
    text = EXECUTION.replace("公用经费 76.00 70.40\n", "公用经费 76.00 80.40\n", 1)
    found = _sums(text)
    assert any("455.30" in f and "465.30" in f for f in found), found  # 384.90 + 80.40
    assert not any("项目支出" in f or "4.26" in f for f in found), found


def test_a_three_public_sum_that_does_not_add_up_is_found():
    text = EXECUTION.replace("公务用车运行维护费 3.60 3.28", "公务用车运行维护费 3.60 3.38", 1)
    found = _sums(text)
    assert any("4.26" in f and "4.36" in f for f in found), found  # 0.98 + 3.38


def test_a_table_in_yuan_with_its_total_in_wan_yuan_adds_up():
    text = (
        "部门预算执行情况表\n"
        "                                        单位：元\n"
        "项目          全年预算数          全年执行数      执行率\n"
        "基本支出      1850400.00          1826310.00      98.70%\n"
        "项目支出      640000.00           611250.00       95.51%\n"
        "合计（万元）  249.04              243.76          97.88%\n"
    )
    report = _read(text)
    units = {(f.label, f.measure.value): f.amount.unit for f in report.funds}
    assert units[("基本支出", "adjusted_budget")] == "元"
    assert units[("合计（万元）", "executed")] == "万元"
    assert _sums(text) == []
    wrong = text.replace("243.76", "244.76")
    assert any("244.76" in f for f in _sums(wrong))


def test_a_row_in_yuan_among_rows_in_wan_yuan():
    text = (
        "部门整体支出绩效评价基础数据表\n单位：万元\n"
        "经费控制情况 当年预算数 当年决算数\n"
        "三公经费 3.00 2.66\n其中：公务接待经费（元） 8000 6600\n公务用车运行维护费 2.20 2.00\n"
    )
    report = _read(text)
    units = {f.label: f.amount.unit for f in report.funds}
    assert units["其中：公务接待经费（元）"] == "元" and units["三公经费"] == "万元"
    assert _sums(text) == []  # 0.66 + 2.00 = 2.66 in 万元
