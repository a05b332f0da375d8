"""Table and heading reconstruction.  Every expected grid below was written by reading the
source lines (cited per test), not from the code's output; grids compare cell texts with
whitespace removed (cells break words over lines freely)."""

from __future__ import annotations

import pytest

from pipeline.layout import analyze
from pipeline.normalize import normalize


def _table_with_row(layout, first_cells):
    for t in layout.tables:
        for k, row in enumerate(t.grid()):
            if row[: len(first_cells)] == first_cells:
                return t, k
    raise AssertionError(f"no table has a row starting {first_cells}")


def _rows_from(layout, first_cells, n):
    t, k = _table_with_row(layout, first_cells)
    return t.grid()[k : k + n]


# --- seed 000 (lingling-2020): Word export, one cell per tab line --------------------------


def test_lingling_funds_block(seed_layouts):  # source lines 9-44
    _, layout = seed_layouts["lingling-2020"]
    assert _rows_from(layout, ["年度预算申请（万元）"], 5) == [
        [
            "年度预算申请（万元）",
            "",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        ["", "年度资金总额", "1613.46", "1585.32", "1585.32", "10", "100%", "10"],
        ["", "按收入性质分：", "按支出性质分："],
        ["", "其中：一般公共预算：1139.35", "其中：基本支出：511.66"],
        ["", "政府性基金拨款：445.97", "项目支出：1073.66"],
    ]


def test_lingling_indicator_group_2(seed_layouts):  # source lines 293-395
    _, layout = seed_layouts["lingling-2020"]
    header = [
        "绩效指标2",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    assert _rows_from(layout, ["绩效指标2"], 5) == [
        header,
        [
            "",
            "产出指标(50分)",
            "数量指标",
            "管理国有企业的遗留问题处理工作",
            "57家",
            "57家",
            "15",
            "15",
            "",
        ],
        ["", "", "质量指标", "本系统国企改革扫尾及企业维稳情况", "良好", "良好", "15", "15", ""],
        ["", "", "时效指标", "及时处理遗留问题", "及时", "及时", "10", "10", ""],
        ["", "", "成本指标", "经费控制在预算经费之内", "5万", "5万", "10", "10", ""],
    ]


def test_lingling_total_rows(seed_layouts):  # source lines 292-296: 总分 / 100 / 99 / (empty)
    _, layout = seed_layouts["lingling-2020"]
    totals = [row for t in layout.tables for row in t.grid() if row and row[0] == "总分"]
    assert len(totals) == 9
    assert totals[0] == ["总分", "100", "99", ""]


# --- seed 001 (hengyang-2021) -------------------------------------------------------------


def test_hengyang_basic_data_table(seed_layouts):  # source lines 65-93
    _, layout = seed_layouts["hengyang-2021"]
    assert _rows_from(layout, ["财政供养人员情况"], 6) == [
        ["财政供养人员情况", "编制数", "年末实际在职人数", "控制率"],
        ["", "42", "40", "95%"],
        ["经费控制情况", "当年决算数", "当年预算数", "上年决算数"],
        ["一、部门基本支出", "564.62", "393.01", "723.01"],
        ["其中：1、压缩一般性支出", "", "", ""],
        ["2、三公经费", "2.85", "1.08", "4.92"],
    ]


def test_hengyang_self_evaluation_funds(seed_layouts):  # source lines 154-190
    _, layout = seed_layouts["hengyang-2021"]
    assert _rows_from(layout, ["部门资金（万元）"], 6) == [
        ["部门资金（万元）", "", "全年预算数", "全年执行数", "预算执行率", "分值", "得分"],
        ["", "年度资金总额", "999.38", "961.44", "96%", "10", "8"],
        ["", "按收入性质分类", "按支出性质分类"],
        ["", "一般公共预算拨款", "629.82", "基本支出", "564.62"],
        ["", "政府性基金拨款", "", "1.人员经费", "467.52"],
        ["", "纳入管理的非税收入拨款", "", "2.公用经费", "97.11"],
    ]


def test_hengyang_row_broken_by_blank_line_is_joined(seed_layouts):
    # Source: `→数量指标2` then a blank line, then `→完成新增规模企业` … in the same row.
    _, layout = seed_layouts["hengyang-2021"]
    t, k = _table_with_row(layout, ["", "", "数量指标2", "完成新增规模企业"])
    assert t.grid()[k] == ["", "", "数量指标2", "完成新增规模企业", "不低于20家", "24家", "", ""]
    assert any("joined" in note for note in t.uncertain)


# --- seed 002 (xiangxi-2020): bookmark artifacts inside cells ------------------------------


def test_xiangxi_income_table(seed_layouts):  # source lines 39-98
    _, layout = seed_layouts["xiangxi-2020"]
    t, k = _table_with_row(layout, ["机构名称", "收入合计"])
    assert t.title == "年度收入情况（万元）"
    assert t.grid()[k : k + 5] == [
        ["机构名称", "收入合计", "其中："],
        ["", "", "上年结转", "公共财政拨款", "政府基金拨款", "事业收入", "其他收入"],
        ["局机关及二级机构汇总", "9712.53", "1352.45", "8054.46", "5.00", "0", "300.62"],
        ["1、本级机构", "8785.53", "1162.46", "7591.95", "5.00", "0", "26.12"],
        ["2、州企业服务中心", "533.64", "118.84", "140.30", "", "", "274.50"],
    ]


def test_xiangxi_expenditure_table(seed_layouts):  # source lines 100-140
    _, layout = seed_layouts["xiangxi-2020"]
    assert _rows_from(layout, ["机构名称", "支出合计"], 5) == [
        ["机构名称", "支出合计", "其中：", "结余"],
        ["", "", "基本支出", "其中：", "项目支出", "当年结余", "累计结余"],
        ["", "", "", "人员支出", "公用支出", "", "", ""],
        [
            "局机关及二级机构汇总",
            "7886.36",
            "2450.42",
            "2077.10",
            "373.32",
            "5435.95",
            "473.72",
            "1826.17",
        ],
        ["1、本级机构", "7038.79", "2020.71", "1717.26", "303.45", "5018.08", "584.28", "1746.74"],
    ]


def test_xiangxi_cell_span_maps_back_past_bookmark(seed_layouts):
    doc, layout = seed_layouts["xiangxi-2020"]
    t, k = _table_with_row(layout, ["局机关及二级机构汇总", "7886.36"])
    for cell, bookmark in zip(
        t.rows[k][1:4], ["_Hlk74343970", "_Hlk74344481", "_Hlk74344541"], strict=True
    ):
        s, e = doc.original_span(cell.start, cell.end)
        assert doc.original[s:e] == cell.text
        assert doc.original[s - len(f"[bookmark: {bookmark}]") : s] == f"[bookmark: {bookmark}]"


# --- seed 003 (qingcheng-2023): pipe tables split by a page break ------------------------


def test_qingcheng_scorecard_joined_across_page_break(seed_layouts):  # source lines 293-318
    _, layout = seed_layouts["qingcheng-2023"]
    t, k = _table_with_row(layout, ["年度绩效指标完成情况"])
    grid = t.grid()
    assert grid[k] == [
        "年度绩效指标完成情况",
        "一级指标",
        "二级指标",
        "三级指标",
        "预期指标值",
        "实际完成指标值",
        "分值",
        "得分",
        "未完成原因分析",
    ]
    # Line 306 is the last row before the break, line 310 the first after it.
    names = [row[3] for row in grid[k + 1 :] if len(row) > 3]
    assert names[4:6] == ["严格执行考勤制度", "执行绩效工资考核制度"]
    assert grid[k + 1] == [
        "",
        "部门管理",
        "财务管理",
        "年度报告提交及时性",
        "及时提交年度报告",
        "及时",
        "6",
        "6",
        "",
    ]
    assert grid[k + 2] == [
        "",
        "部门管理",
        "财务管理",
        "预算内支出",
        "预算内支出",
        "658.82万元",
        "8",
        "8",
        "",
    ]
    assert grid[-1] == ["总分", "", "", "", "", "", "90", "98", ""]
    assert not any(all(c == "" for c in row) for row in grid[k:]), (
        "the empty header of the continuation is dropped"
    )


def test_qingcheng_funds_rows_and_toc(seed_layouts):  # source lines 293-298, 13-33
    _, layout = seed_layouts["qingcheng-2023"]
    assert _rows_from(layout, ["部门（单位）整体支出（万元）"], 4) == [
        [
            "部门（单位）整体支出（万元）",
            "",
            "年初预算数",
            "全年预算数",
            "实际支出数",
            "执行率",
            "分值",
            "得分",
            "",
        ],
        ["", "全年支出", "658.82", "658.82", "658.82", "100%", "10", "10", ""],
        ["", "其中：基本支出", "277.24", "277.24", "277.24", "100%", "-", "-", ""],
        ["", "项目支出", "381.58", "381.58", "381.58", "100%", "-", "-", ""],
    ]
    toc = layout.tables[0]
    assert toc.grid()[1:4] == [
        ["一、基本情况.....", "1"],
        ["(一)部门主要职能", "1"],
        ["(二)内设机构及所属单位概况", "1"],
    ]


# --- seed 004 (jiangxia-2019): tab-separated ragged rows ---------------------------------


def test_jiangxia_first_project_scorecard(seed_layouts):  # source lines 238-255
    _, layout = seed_layouts["jiangxia-2019"]
    t, k = _table_with_row(layout, ["项目名称", "", "2019江夏区“青桐”计划项目"])
    assert "青桐" in (t.title or "")
    grid = t.grid()
    assert grid[k : k + 5] == [
        ["项目名称", "", "2019江夏区“青桐”计划项目"],
        [
            "主管部门",
            "",
            "江夏区科学技术和经济信息化局",
            "",
            "实施单位",
            "江夏区科学技术和经济信息化局",
        ],
        ["项目资金(万元)", "", "年初预算数", "全年预算", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额", "450", "450", "160.45", "10", "36%", "10"],
        ["", "其中：当年财政拨款", "450", "450", "160.45", "-", "36%", "10"],
    ]
    h = grid.index(
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    )
    assert grid[h + 1] == [
        "",
        "产出指标",
        "数量指标",
        "申报青桐计划项目的大学生人数",
        "100人",
        "101人",
        "20",
        "20",
    ]
    assert grid[h + 3] == [
        "",
        "",
        "时效指标",
        "资金到位时效",
        "当年度",
        "2019.1.1-2019.12.31",
        "20",
        "20",
    ]
    assert grid[-1] == ["总分", "", "", "", "", "100", "89"]


def test_jiangxia_goal_table_and_count(seed_layouts):  # source lines 93-98
    _, layout = seed_layouts["jiangxia-2019"]
    t, k = _table_with_row(
        layout, ["产出指标", "数量指标", "工业企业首次进规奖励专项补助资金的企业数"]
    )
    assert t.grid()[k - 1 : k + 3] == [
        ["一级指标", "二级指标", "指标名称", "指标解释", "指标值"],
        [
            "产出指标",
            "数量指标",
            "工业企业首次进规奖励专项补助资金的企业数",
            "工业企业首次进规奖励专项补助资金的企业数",
            "25家",
        ],
        [
            "",
            "",
            "申报技改项目的企业数",
            "江夏区工业经济结构调整和产业优化升级，不断提高产品市场竞争能力和经济效益，技改企业增加",
            "56家",
        ],
        ["", "时效指标", "项目审批及时性", "及时完成企业申报项目的审批", "及时"],
    ]
    scorecards = [t for t in layout.tables if any(r and r[0] == "项目名称" for r in t.grid())]
    assert len(scorecards) == 21


# --- formats from the wild, built from the seeds' tables ---------------------------------

# Seed 004's 青桐 scorecard indicator block (lines 247-255) flattened into one line.
FLAT = (
    "绩效指标 一级指标 二级指标 三级指标 指标值 实际完成值 分值 得分 "
    "产出指标 数量指标 申报青桐计划项目的大学生人数 100人 101人 20 20 "
    "质量指标 符合补贴条件的大学生人数 100人 65人 10 8 "
    "时效指标 资金到位时效 当年度 2019.1.1-2019.12.31 20 20 "
    "成本指标 投入成本 450万 160.45万 20 15\n"
)


def test_flattened_table_is_reconstructed_and_marked_uncertain():
    text, _ = normalize("说明如下。\n" + FLAT)
    layout = analyze(text)
    assert len(layout.tables) == 1
    t = layout.tables[0]
    assert t.format == "flat" and t.uncertain
    grid = t.grid()
    assert grid[0] == [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "实际完成值",
        "分值",
        "得分",
    ]
    assert grid[1] == [
        "产出指标",
        "数量指标",
        "申报青桐计划项目的大学生人数",
        "100人",
        "101人",
        "20",
        "20",
    ]
    assert grid[2] == ["质量指标", "符合补贴条件的大学生人数", "100人", "65人", "10", "8"]
    assert grid[4] == ["成本指标", "投入成本", "450万", "160.45万", "20", "15"]
    # Rows that start below the level-1 column are aligned to the right, under their headers.
    assert t.rows[2][-1].col == 7 and t.rows[2][0].col == 2


def test_flattened_table_after_other_text_keeps_its_cells_spans():
    """Issue 11's crash: a flat table on the second line got every offset shifted by the
    line's start (``finditer(text, pos)`` already gives whole-text offsets), so its spans ran
    past the text and writing the document's JSON raised."""
    text, _ = normalize(
        "说明.\n2020 年得分表 一级指标 二级指标 三级指标 得分 决策(25 分) 目标(15 分) 相关性(5 分)\n"
    )
    layout = analyze(text)
    assert layout.tables and layout.tables[0].format == "flat"
    for t in layout.tables:
        assert 0 <= t.start <= t.end <= len(text)
        for row in t.rows:
            for c in row:
                assert text[c.start : c.end] == c.text


# Seed 000's 绩效指标2 rows (lines 293-360) written one cell per line ending in " |".
BAR = """一级指标 |
二级指标 |
三级指标 |
年度指标值 |
实际完成值 |
分值 |
得分 |

产出指标 |
数量指标 |
管理国有企业的遗留
问题处理工作 |
57家 |
57家 |
15 |
15 |

质量指标 |
本系统国企改革扫尾及企业维稳情况 |
良好 |
良好 |
15 |
15 |
"""


def test_bar_cells_table():
    text, _ = normalize("二、绩效指标\n\n" + BAR + "\n以上。\n")
    layout = analyze(text)
    assert len(layout.tables) == 1
    assert layout.tables[0].format == "bar-cells"
    assert layout.tables[0].grid() == [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "管理国有企业的遗留问题处理工作", "57家", "57家", "15", "15"],
        ["质量指标", "本系统国企改革扫尾及企业维稳情况", "良好", "良好", "15", "15"],
    ]
    assert [h.text for h in layout.headings] == ["二、绩效指标"]


# --- headings ----------------------------------------------------------------------------


def test_heading_tree_qingcheng(seed_layouts):
    _, layout = seed_layouts["qingcheng-2023"]
    texts = [h.text for h in layout.headings]
    # Source lines 35-37, 129-139: numbered headings at three levels; the table of contents
    # (a pipe table) gives none.
    assert texts.count("一、基本情况") == 1
    k = texts.index("三、部门整体支出绩效自评情况分析")
    assert texts[k + 1 : k + 4] == [
        "(一) 部门决算情况",
        "(二) 总体绩效目标完成情况分析",
        "(三) 各项指标完成情况分析",
    ]
    h = layout.headings
    assert [h[k].level, h[k + 1].level] == [1, 2]
    assert h[k + 1].parent == k
    sub = texts.index("1. 预算执行率（分值）（扣分）")
    assert h[sub].level == 3 and h[h[sub].parent].text == "(三) 各项指标完成情况分析"


def test_numbered_paragraphs_are_not_headings(seed_layouts):
    _, layout = seed_layouts["qingcheng-2023"]
    # Line 37: a duty paragraph numbered like a heading, but a long sentence.
    assert not any(h.text.startswith("1. 贯彻落实国家和省市县") for h in layout.headings)


def test_markdown_headings_jiangxia(seed_layouts):
    _, layout = seed_layouts["jiangxia-2019"]
    by_text = {h.text: h for h in layout.headings}
    assert by_text["一、 部门概况"].level == 3  # `### 一、 部门概况`
    assert by_text["2019 江夏区“青桐”计划项目资金支出绩效自评表"].level == 2


@pytest.mark.parametrize(
    "doc_id", ["lingling-2020", "hengyang-2021", "xiangxi-2020", "qingcheng-2023", "jiangxia-2019"]
)
def test_every_cell_span_maps_to_its_original_characters(seed_layouts, doc_id):
    doc, layout = seed_layouts[doc_id]
    for t in layout.tables:
        for row in t.rows:
            for c in row:
                assert doc.normalized[c.start : c.end] == c.text
                s, e = doc.original_span(c.start, c.end)
                assert normalize(doc.original[s:e], fragment=True)[0] == c.text
