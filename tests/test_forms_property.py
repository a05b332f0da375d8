"""Issue 11 item 6: random texts built from the national forms' vocabulary, numbers and
separators never make the rules pipeline raise, and every span of the Report they give lies
inside the text with its raw characters (the form reader works on exactly such token runs)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import Document
from pipeline.layout import analyze
from pipeline.stages import build_report

VOCABULARY = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
    "年初预算数",
    "全年预算数",
    "全年执行数",
    "执行率",
    "年度资金总额",
    "其中:本年财政拨款",
    "上年结转资金",
    "其他资金",
    "总分",
    "自评等级",
    "项目名称",
    "主管部门",
    "实施单位",
    "项目资金(万元)",
    "绩效评价得分表",
    "项目支出绩效自评表",
    "决策(20分)",
    "过程(20 分)",
    "产出(40分)",
    "效益(20分)",
    "产出指标(50分)",
    "效益指标",
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "满意度指标",
    "指标1:",
    "……",
    "优",
    "良",
    "预算执行率",
    "万元",
    "元",
    "个",
    "%",
    "≥",
    "≤",
    "＞",
    "分",
    "说明.",
    "20xx",
    "**",
]
NUMBERS = st.one_of(
    st.integers(0, 100_000).map(str),
    st.decimals(0, 10_000, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(0, 120).map(lambda n: f"{n}%"),
    st.integers(0, 100).map(lambda n: f"≥{n}%"),
    st.integers(0, 100).map(lambda n: f"{n}分"),
    st.integers(2017, 2025).map(lambda n: f"{n}年"),
)
TOKENS = st.one_of(st.sampled_from(VOCABULARY), NUMBERS)
SEPARATORS = st.sampled_from([" ", " ", "\n", " | ", "|", "\t", "\n\n", "  "])


@st.composite
def form_texts(draw) -> str:
    tokens = draw(st.lists(TOKENS, min_size=1, max_size=60))
    out = []
    for token in tokens:
        out.append(token)
        out.append(draw(SEPARATORS))
    return "".join(out)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(form_texts())
def test_form_vocabulary_never_crashes_and_every_span_is_inside_the_text(text):
    data = text.encode("utf-8")
    doc = Document.from_text(
        text, path="random.txt", format="txt", encoding="utf-8", raw_bytes=data
    )
    report = build_report(doc, analyze(doc.normalized), "rules")
    assert report.check_spans(doc.original) == []
