"""Tables flattened into one line of space-separated tokens (a copy-paste from a PDF viewer).

Nothing in the line marks where cells or rows end, so the reconstruction leans on what the
domain fixes: the header is a run of known column words (一级指标 二级指标 … 得分), level
words (产出指标, 数量指标 …) open rows, and an indicator row ends at its two numbers (weight,
score).  The result is always marked uncertain: it is a reading, not a parse.
"""

from __future__ import annotations

import re

from pipeline.layout.model import Cell
from pipeline.vocabulary import LEVEL_CELLS as LEVEL_WORDS

HEADER_WORDS = {
    "绩效指标",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标名称",
    "指标值",
    "年度指标值",
    "预期指标值",
    "实际完成值",
    "实际完成指标值",
    "分值",
    "得分",
    "权重",
    "偏差原因分析及改进措施",
    "未完成原因分析",
    "年初预算数",
    "全年预算数",
    "全年执行数",
    "执行率",
    "实际支出数",
    "指标解释",
}
_TOKEN = re.compile(r"\S+")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
MIN_TOKENS = 12


def looks_flat(line: str) -> bool:
    tokens = line.split()
    return len(tokens) >= MIN_TOKENS and sum(t in HEADER_WORDS for t in tokens) >= 3


def read_flat(text: str, start: int, end: int) -> tuple[list[list[Cell]], list[str]]:
    """Rows of a flattened table occupying text[start:end]."""
    # finditer with pos/endpos gives offsets into the whole text already
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]
    # The header: the longest run of known column words.
    best = (0, 0)
    run_start = None
    for k, (_, _, t) in enumerate(tokens + [(0, 0, "")]):
        if t in HEADER_WORDS:
            run_start = k if run_start is None else run_start
        elif run_start is not None:
            if k - run_start > best[1] - best[0]:
                best = (run_start, k)
            run_start = None
    h0, h1 = best
    header = tokens[h0:h1]
    width = len(header)
    rows: list[list[tuple[int, int, str]]] = []
    if h0 > 0:
        rows.append(tokens[:h0])
    h_row = len(rows)
    rows.append(header)
    current: list[tuple[int, int, str]] = []
    numbers_seen = 0
    for tok in tokens[h1:]:
        t = tok[2]
        opens_row = t in LEVEL_WORDS and (
            numbers_seen >= 2 or not current or current[-1][2] not in LEVEL_WORDS
        )
        if current and (opens_row and numbers_seen >= 2 or len(current) >= width):
            rows.append(current)
            current, numbers_seen = [], 0
        current.append(tok)
        numbers_seen = (
            numbers_seen + 1 if _NUMBER.match(t) else (0 if numbers_seen < 2 else numbers_seen)
        )
    if current:
        rows.append(current)
    out = []
    for r, row in enumerate(rows):
        # Body rows end with the weight and score columns: align them right, under the header.
        pad = max(0, width - len(row)) if r > h_row else 0
        cells = [
            Cell(row=r, col=pad + c, text=t, start=s, end=e) for c, (s, e, t) in enumerate(row)
        ]
        out.append(cells)
    notes = [
        "flattened table: cell and row boundaries inferred from header words, level words and "
        "the numeric weight/score pair; cells containing spaces are split"
    ]
    return out, notes
