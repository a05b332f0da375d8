"""The form reader on small texts written here in the shapes real exports take; every
expected value below is read off the text by hand."""

from __future__ import annotations

from textreport import read_text

_read = read_text


def _rows(report, card=0):
    return [
        tuple(
            getattr(i, c).raw if getattr(i, c) is not None else None
            for c in ("level1", "level2", "name", "target", "actual", "weight", "score")
        )
        for i in report.scorecards[card].indicators
    ]


ONELINE = (
    "项目支出绩效自评表\n"
    "项目名称 乡村道路养护 主管部门 某县交通运输局 实施单位 某县公路站 "
    "项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分 "
    "年度资金总额 120.00 150.00 147.00 10 98% 9.8 其中：财政拨款 120.00 150.00 147.00 98% "
    "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施 "
    "产出指标 数量指标 养护里程 ≥80公里 86公里 20 20 "
    "获评示范路段 1 家 1 家 "
    "质量指标 路面完好率 ≥90% 93% 20 20 "
    "效益指标 社会效益指标 群众出行条件 明显改善 较好改善 20 18 "
    "满意度指标 服务对象满意度 沿线群众满意度 ≥90% 95% 20 20 "
    "总分 100 97.8\n"
)


def test_a_project_form_flattened_onto_one_line():
    r = _read(ONELINE)
    card = r.scorecards[0]
    assert card.project_name.raw == "乡村道路养护"
    funds = {(f.label, f.column): f.amount.raw for f in card.funds}
    assert funds[("年度资金总额", "全年执行数")] == "147.00"
    assert funds[("年度资金总额", "执行率")] == "98"
    assert funds[("其中：财政拨款", "执行率")] == "98"
    assert ("其中：财政拨款", "得分") not in funds
    assert _rows(r) == [
        ("产出指标", "数量指标", "养护里程", "≥80公里", "86公里", "20", "20"),
        # a row with no weight and score: ``1 家`` is one quantity, not a score and a unit
        ("产出指标", "数量指标", "获评示范路段", "1 家", "1 家", None, None),
        ("产出指标", "质量指标", "路面完好率", "≥90%", "93%", "20", "20"),
        ("效益指标", "社会效益指标", "群众出行条件", "明显改善", "较好改善", "20", "18"),
        ("满意度指标", "服务对象满意度", "沿线群众满意度", "≥90%", "95%", "20", "20"),
    ]
    assert card.total_score.raw == "97.8" and card.max_score.raw == "100"
    assert r.facts == []  # the cells of a flattened table are not prose figures


def test_the_same_form_one_cell_per_line_reads_the_same():
    cells = ONELINE.split("\n", 1)[1].split()
    # 1 家 is one cell; rejoin the number and its unit word
    joined: list[str] = []
    for c in cells:
        if c in ("家",) and joined:
            joined[-1] += " " + c
        else:
            joined.append(c)
    text = "项目支出绩效自评表\n" + "".join(f"{c} |\n" for c in joined)
    assert _rows(_read(text)) == _rows(_read(ONELINE))


def test_a_level_word_of_both_levels_is_read_by_its_neighbours():
    """成本指标 is a level 2 under 产出指标 in the older forms (a name follows it) and a level 1
    in the newer ones (a level-2 word follows it)."""
    head = "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分\n"
    old = (
        head
        + "产出指标 数量指标 培训人数 ≥200人 230人 20 20\n成本指标 人均成本 ≤500元 480元 10 10\n"
    )
    new = (
        head
        + "产出指标 数量指标 培训人数 ≥200人 230人 20 20\n成本指标 经济成本指标 人均成本 ≤500元 480元 10 10\n"
    )
    assert _rows(_read("项目支出绩效自评表\n" + old))[1][:3] == ("产出指标", "成本指标", "人均成本")
    assert _rows(_read("项目支出绩效自评表\n" + new))[1][:3] == (
        "成本指标",
        "经济成本指标",
        "人均成本",
    )


def test_a_funds_header_broken_over_lines_and_rows_named_by_the_unit():
    text = (
        "部门（单位）整体支出绩效自评表\n"
        "  部门（单位）     年初预算数    全年预算数    全年执行数    分值    执行率    得分\n"
        "  整体支出\n"
        "  （万元）\n"
        "        年度资金总额   486.30   512.80   503.66   10   98.22%   9.82\n"
        "        其中：基本支出 386.30   394.10   392.75        99.66%\n"
        "              项目支出 100.00   118.70   110.91        93.44%\n"
    )
    card = _read(text).scorecards[0]
    funds = {(f.label, f.measure.value): f.amount.raw for f in card.funds}
    assert funds[("年度资金总额", "initial_budget")] == "486.30"
    assert funds[("年度资金总额", "score")] == "9.82"
    assert funds[("其中：基本支出", "executed")] == "392.75"
    assert funds[("项目支出", "execution_rate")] == "93.44"


def test_ocr_glued_weight_and_score_are_cut_only_where_one_cut_fits():
    text = (
        "项目支出绩效自评表\n"
        "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分\n"
        "产出指标 数量指标 新建泵站 ≥3座 3座 1010\n"
        "质量指标 验收合格率 100% 100% 2020\n"
    )
    rows = _rows(_read(text))
    assert [(w, s) for *_, w, s in rows] == [("10", "10"), ("20", "20")]


def _scoring_rows(report, card=0):
    return [
        (
            i.level1.raw if i.level1 else None,
            i.level2.raw if i.level2 else None,
            i.name.raw,
            i.weight.raw if i.weight else None,
            i.score.raw if i.score else None,
        )
        for i in report.scorecards[card].indicators
    ]


def test_a_scoring_table_that_stops_at_the_second_level():
    # one cell per paragraph; no 三级指标 column: the level-2 cells are the rows scored
    cells = (
        "一级指标 二级指标 得分 决策(15分) 目标设定(6分) 6 预算配置(9分) 8.5 "
        "过程(25分) 预算执行(15分) 14 预算管理(10分) 9 合计(40分) 37.5"
    ).split()
    r = _read("部门整体支出绩效评价得分表\n\n" + "\n\n".join(cells) + "\n")
    assert _scoring_rows(r) == [
        ("决策", None, "目标设定", "6", "6"),
        ("决策", None, "预算配置", "9", "8.5"),
        ("过程", None, "预算执行", "15", "14"),
        ("过程", None, "预算管理", "10", "9"),
    ]
    card = r.scorecards[0]
    assert (card.total_score.raw, card.max_score.raw) == ("37.5", "40")


PDF_SCORING = (
    "部门整体支出绩效评价得分表\n"
    "一级指标 二级指标 三级指标 评分标准 得分\n"
    "决策\n(15 分)\n目标管理\n(15 分)\n目标明确性(8\n分)\n目标清晰可考核得满分 7.5\n"
    "目标合理性(7 分) 与职责相符得满分，每有一项不符扣 1 分 6\n"
    "过程\n(10 分)\n制度执行\n(10 分)\n内控制度执行率\n(10 分)\n健全得 5 分，执行有效得 5 分 9\n"
    "合计 25 22.5\n"
)


def test_pdf_labels_take_their_weights_from_the_next_line_and_rubric_figures_are_not_scores():
    r = _read(PDF_SCORING)
    assert _scoring_rows(r) == [
        ("决策", "目标管理", "目标明确性", "8", "7.5"),
        ("决策", "目标管理", "目标合理性", "7", "6"),
        ("过程", "制度执行", "内控制度执行率", "10", "9"),
    ]
    heads = {(h.name.raw, h.level): h.weight.raw for h in r.scorecards[0].level_headers}
    assert heads == {
        ("决策", 1): "15",
        ("目标管理", 2): "15",
        ("过程", 1): "10",
        ("制度执行", 2): "10",
    }


PIPE_PROJECT = (
    "项目支出绩效自评表\n"
    "| 项目名称 | 社区养老服务补助 | 主管部门 | 某区民政局 | 实施单位 | 某区养老服务中心 |\n\n"
    "| 项目资金（万元） | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n"
    "|---|---|---|---|---|---|---|\n"
    "| 年度资金总额 | 2450.81 | 2450.81 | 2401.79 | 10 | 98.00% | 9.8 |\n"
    "| 其中：财政拨款 | 30 | 30 | 30 |  | 100% | 10 |\n\n"
    "| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |\n"
    "|---|---|---|---|---|---|---|\n"
    "| 产出指标 | 数量指标 | 服务老人人次 | ≥3000人次 | 3120人次 | 40 | 40 |\n"
    "| 效益指标 | 社会效益指标 | 老人生活质量 | 有所提高 | 明显提高 | 40 | 38 |\n"
    "| 总分 | | | | | 90 | 87.8 |\n"
)


def test_a_pipe_form_is_one_card_and_whole_amounts_are_never_cut():
    r = _read(PIPE_PROJECT)
    assert len(r.scorecards) == 1  # its funds table is not a second form
    funds = {(f.label, f.measure.value): f.amount.raw for f in r.scorecards[0].funds}
    assert funds[("年度资金总额", "initial_budget")] == "2450.81"
    assert funds[("年度资金总额", "executed")] == "2401.79"
    # equal figures fill the amount columns from the left, not a weight
    assert funds[("其中：财政拨款", "initial_budget")] == "30"
    assert funds[("其中：财政拨款", "executed")] == "30"
    assert ("其中：财政拨款", "weight") not in funds
    assert not [f for f in r.scorecards[0].funds if f.amount.repaired]


def test_ocr_counts_with_units_and_within_targets():
    text = (
        "项目支出绩效自评表\n项目名称 健身路径更新 主管部门 某县体育局 实施单位 某县体育中心\n"
        "一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分\n"
        "产出指标 数量指标 更新健身器材 ≥150件 I62件 10 10\n"
        "时效指标 器材安装时限 验收后30天内 平均18天 10 10\n"
        "总分 20 20\n"
    )
    r = _read(text)
    first, second = r.scorecards[0].indicators
    assert (first.actual.raw, first.actual.value, first.actual.unit) == ("I62件", 162, "件")
    assert first.actual.repaired
    assert (second.target.comparator, second.target.value, second.target.unit) == ("<=", 30, "天")
    from pipeline.check import check_report

    assert not [f for f in check_report(r, text) if f.rule.startswith("target.")]
