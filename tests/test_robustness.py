"""Re-flowed tables extract the same values: the noise real exports add to cells (ideographic
padding, bookmark artifacts, extra blank lines between rows) must not change what is read."""

from __future__ import annotations

import re

import pytest

from conftest import SEED_IDS, raw_path
from pipeline.document import Document
from pipeline.extract.rules import extract_rules
from pipeline.layout import analyze

_TAB_CELL = re.compile(r"(?<=\t)(?=[^\t\n])")  # the start of a cell in tab-separated rows
_PIPE_CELL = re.compile(r"(?<=\| )(?=[^|\s])")  # the start of a pipe-table cell
_ROW_BREAK = re.compile(r"\n\n(?=\t)")  # a blank line before a row


def reflow(text: str) -> str:
    """Pad every table cell with an ideographic space and a bookmark artifact, and double the
    blank lines between rows, in each of the three table layouts of the seeds."""
    out = []
    for line in _ROW_BREAK.sub("\n\n\n", text).split("\n"):
        if line.count("\t") >= 2:  # tab-separated row
            line = _TAB_CELL.sub("　[bookmark: _Hlk9]", line)
        elif line.startswith("\t") and line[1:].strip():  # one cell per line (Word export)
            line = "\t　[bookmark: _Hlk9]" + line[1:]
        elif line.lstrip().startswith("|"):  # pipe table
            line = _PIPE_CELL.sub("[bookmark: _Toc1]　", line)
        out.append(line)
    return "\n".join(out)


def _values(report):
    funds = sorted(
        (f.label, f.measure.value, str(f.amount.value)) for c in report.scorecards for f in c.funds
    )
    funds += sorted((f.label, f.measure.value, str(f.amount.value)) for f in report.funds)
    indicators = [
        (
            i.name.text,
            i.target and i.target.raw.strip("　"),
            i.actual and i.actual.raw.strip("　"),
            i.weight and str(i.weight.value),
            i.score and str(i.score.value),
            i.level1 and i.level1.text,
        )
        for c in report.scorecards
        for i in c.indicators
    ]
    totals = [
        (c.total_score and str(c.total_score.value), c.grade and c.grade.raw)
        for c in report.scorecards
    ]
    goals = [
        (g.expected and g.expected.text, g.actual and g.actual.text)
        for c in report.scorecards
        for g in c.goals
    ]
    return funds, indicators, totals, goals, [str(f.quantity.value) for f in report.facts]


def _extract(text: str, name: str):
    doc = Document.from_text(
        text, path=name, format="txt", encoding="utf-8", raw_bytes=text.encode()
    )
    return extract_rules(doc, analyze(doc.normalized)), doc


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_reflowed_cells_extract_the_same_values(doc_id):
    original = raw_path(doc_id).read_text(encoding="utf-8")
    noisy = reflow(original)
    assert noisy != original
    before, _ = _extract(original, f"{doc_id}.txt")
    after, doc = _extract(noisy, f"{doc_id}.txt")
    assert _values(after) == _values(before)
    assert doc.original and not after.check_spans(doc.original)
