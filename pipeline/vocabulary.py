"""The wording of these reports, mapped to schema meanings.  One place, so the scorecard,
funds and meta readers agree on what a header or a label says."""

from __future__ import annotations

import re

from pipeline.schema import FundsCategory, FundsMeasure

# Column headers of a funds block, most specific first.
MEASURE_WORDS: list[tuple[str, FundsMeasure]] = [
    ("上年决算", FundsMeasure.prior_executed),
    ("年初预算", FundsMeasure.initial_budget),
    ("全年预算", FundsMeasure.adjusted_budget),
    ("调整后预算", FundsMeasure.adjusted_budget),
    ("当年预算", FundsMeasure.adjusted_budget),
    ("预算数", FundsMeasure.adjusted_budget),
    ("执行率", FundsMeasure.execution_rate),
    ("全年执行", FundsMeasure.executed),
    ("实际支出", FundsMeasure.executed),
    ("执行数", FundsMeasure.executed),
    ("决算数", FundsMeasure.executed),
    ("分值", FundsMeasure.weight),
    ("权重", FundsMeasure.weight),
    ("得分", FundsMeasure.score),
]

CATEGORY_WORDS: list[tuple[str, FundsCategory]] = [
    ("三公", FundsCategory.three_public),
    ("公务接待", FundsCategory.official_reception),
    ("公车购置", FundsCategory.vehicle_purchase),
    ("公务用车购置费", FundsCategory.vehicle_purchase),
    ("公车运行", FundsCategory.vehicle_operation),
    ("运行维护费", FundsCategory.vehicle_operation),
    ("公务用车", FundsCategory.vehicle),
    ("出国", FundsCategory.overseas_travel),
    ("压缩一般性支出", FundsCategory.general_expenditure_cut),
    ("累计结余", FundsCategory.accumulated_balance),
    ("年初结转", FundsCategory.carry_over),
    ("上年结转", FundsCategory.carry_over),
    ("结余", FundsCategory.balance),
    ("一般公共预算", FundsCategory.general_public_budget),
    ("财政拨款", FundsCategory.general_public_budget),
    ("政府性基金", FundsCategory.government_fund),
    ("政府基金", FundsCategory.government_fund),
    ("非税收入", FundsCategory.special_account_non_tax),
    ("事业收入", FundsCategory.operating_income),
    ("人员经费", FundsCategory.personnel),
    ("人员支出", FundsCategory.personnel),
    ("公用经费", FundsCategory.public_operating),
    ("公用支出", FundsCategory.public_operating),
    ("基本支出", FundsCategory.basic_expenditure),
    ("项目支出", FundsCategory.project_expenditure),
    ("其他", FundsCategory.other),
    ("资金总额", FundsCategory.total),
    ("全年支出", FundsCategory.total),
    ("合计", FundsCategory.total),
    ("总计", FundsCategory.total),
    ("汇总", FundsCategory.total),
    ("总收入", FundsCategory.total),
    ("总支出", FundsCategory.total),
    ("人员", FundsCategory.personnel),  # a bare 人员 (绩效自评资金 人员 254.04万元)
]


def measure_of(header: str) -> FundsMeasure | None:
    for word, measure in MEASURE_WORDS:
        if word in header:
            return measure
    return None


def category_of(label: str) -> FundsCategory:
    for word, category in CATEGORY_WORDS:
        if word in label:
            return category
    return FundsCategory.unknown


# Indicator table headers.
LEVEL1_HEADERS = ("一级指标",)
LEVEL2_HEADERS = ("二级指标",)
NAME_HEADERS = ("三级指标", "指标名称")
TARGET_HEADERS = ("年度指标值", "预期指标值", "指标值", "年度目标值", "目标值", "绩效目标")
ACTUAL_HEADERS = ("实际完成值", "实际完成指标值", "实际完成", "完成值", "完成情况")
WEIGHT_HEADERS = ("分值", "权重")
SCORE_HEADERS = ("得分",)
NOTE_HEADERS = ("偏差原因", "未完成原因", "原因分析", "改进措施")

# Whole cells that open a scorecard row in a table flattened to one cell per line (the
# layout stage reads them; the extractor's LEVEL1/LEVEL2 words below match inside cells).
LEVEL_CELLS = frozenset(
    {
        "产出指标",
        "效益指标",
        "满意度指标",
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
        "经济效益指标",
        "社会效益指标",
        "生态效益指标",
        "可持续影响指标",
        "服务对象满意度指标",
        "部门管理",
        "履职效果",
        "能力建设",
        "投入",
        "过程",
        "总分",
    }
)

LEVEL1_WORDS = (
    "产出",
    "效益指标",
    "满意度指标",
    "部门管理",
    "履职效果",
    "能力建设",
    "投入",
    "过程",
    "效果",
)
LEVEL2_WORDS = (
    "数量",
    "质量",
    "时效",
    "成本",
    "经济效益",
    "社会效益",
    "生态效益",
    "可持续",
    "服务对象满意度",
    "财务管理",
    "采购管理",
    "人员管理",
    "资产管理",
    "档案管理",
    "部门履职",
    "部门效果",
)

GOAL_HEADER = re.compile(r"总体目标|绩效目标|定性目标")
EXPECTED_HEADER = re.compile(r"预期|预算目标|年初|计划")
ACTUAL_GOAL_HEADER = re.compile(r"实际完成|完成情况")
TOTAL_LABEL = re.compile(r"^(总分|合计得分|综合得分)")
GRADE_WORDS = "优秀|良好|优|良|中等|中|合格|及格|较差|差"
GRADE_IN_CELL = re.compile(rf"(?:等级|等次)\s*[:：]?\s*({GRADE_WORDS})")
WEIGHT_IN_LABEL = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[）)]")
