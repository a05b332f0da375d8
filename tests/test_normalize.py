"""Normalization keeps an exact map back to the original characters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEED_IDS, raw_path
from pipeline.normalize import normalize


def test_examples():
    text, _ = normalize("[bookmark: _Hlk74343970]7886.36\n　15\n１２０．００\n９５％\r\n- 3 -\nend")
    assert text == "7886.36\n 15\n120.00\n95%\nend"


def test_page_furniture_lines_removed_but_not_prose():
    text, _ = normalize("a\n第 3 页 共 10 页\nb\n本报告第 3 页\n- 12 -\nc")
    assert text == "a\nb\n本报告第 3 页\nc"


def test_offsets_point_at_original_characters():
    original = "x[bookmark: a]１２０．００y"
    text, omap = normalize(original)
    assert text == "x120.00y"
    s, e = omap.to_original(1, 7)
    assert original[s:e] == "１２０．００"
    assert omap.to_normalized(s, e) == (1, 7)


# Characters that exercise every rule: artifacts, odd spaces, full-width digits, CR/LF,
# furniture lines, tabs and ordinary CJK text.
_ALPHABET = st.sampled_from(
    [
        "[bookmark: _Hlk1]",
        "　",
        "\u00a0",
        "\u200b",
        "１",
        "．",
        "％",
        "\r\n",
        "\r",
        "\n",
        "\t",
        "- 3 -",
        "第 2 页",
        "3/10",
        "万元",
        "1",
        ".",
        "5",
        "%",
        "a",
        " ",
        "|",
        "目标",
        "\f",
    ]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_ALPHABET, max_size=40), data=st.data())
def test_property_span_roundtrip_generated(parts, data):
    original = "".join(parts)
    _roundtrip(original, data)


@pytest.mark.parametrize("doc_id", SEED_IDS)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_property_span_roundtrip_seeds(doc_id, data):
    _roundtrip(raw_path(doc_id).read_text(encoding="utf-8"), data)


def _roundtrip(original: str, data) -> None:
    text, omap = normalize(original)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 400)))
    s, e = omap.to_original(start, end)
    again, _ = normalize(original[s:e], fragment=True)
    assert again == text[start:end]
