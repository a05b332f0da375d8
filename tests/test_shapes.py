"""The shape generator: every gold scorecard renders in every shape with a gold whose every
span holds its raw text, the clean shapes differ only in their separators, and the noisy
ones really carry their damage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.evaluation.gold import load_gold
from pipeline.evaluation.shapes import CLEAN, NOISY, SHAPES, render
from pipeline.schema import iter_grounded

ROOT = Path(__file__).resolve().parents[1]
GOLDS = sorted((ROOT / "fixtures" / "gold").glob("*.json")) + sorted(
    (ROOT / "fixtures" / "wild" / "gold").glob("*.json")
)


@pytest.fixture(scope="module")
def golds():
    return [load_gold(p) for p in GOLDS]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_rendering_is_grounded(golds, shape):
    rendered = [r for g in golds if (r := render(g, shape)) is not None]
    assert len(rendered) >= 30
    for r in rendered:
        assert r.gold.check_spans(r.text) == [], r.doc_id
        values = iter_grounded(r.gold)
        assert values and all(v.span is not None for _, v in values), r.doc_id


def test_clean_shapes_hold_the_same_cells(golds):
    gold = next(g for g in golds if g.doc_id == "hengyang-2021")
    texts = {s: render(gold, s).text for s in CLEAN}

    def cells(t: str) -> list[str]:
        return [c for c in re.split(r"[\s|\-—]+", t) if c]

    base = cells(texts["oneline"])
    for shape in ("cellbar", "cellpara", "indented"):
        assert cells(texts[shape]) == base, shape
    assert "\n" not in texts["oneline"].split("\n")[1]  # the form is one line


def test_noisy_shapes_carry_their_noise(golds):
    ocr = "".join(render(g, "ocr").text for g in golds if render(g, "ocr"))
    assert re.search(r"\b\d{3,}\b", ocr)  # glued figures
    assert re.search(r"(?:^|\s)[2^]\d+[%$]", ocr, re.M)  # ≥90% misread
    assert re.search(r"\d\.\n\n\d", ocr)  # a number split over lines
    pdf = "".join(render(g, "pdf").text for g in golds if render(g, "pdf"))
    assert re.search(r"^\d+(?:\.\d+)? \d+(?:\.\d+)? \S", pdf, re.M)  # the pair pushed first
    broken = "".join(render(g, "broken").text for g in golds if render(g, "broken"))
    assert "指标2:" in broken or "……" in broken
    assert set(NOISY) <= set(SHAPES)


def test_unknown_shape_is_refused(golds):
    with pytest.raises(ValueError, match="unknown shape"):
        render(golds[0], "fax")
