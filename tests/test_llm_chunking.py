"""Table-aware chunking for the model path: the invariants of a chunk plan, on every seed and on
synthetic texts of random paragraphs and tab-separated tables."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED_IDS, raw_path
from pipeline.document import Document
from pipeline.layout import Layout, analyze
from pipeline.llm.chunking import Chunk, estimate_tokens, plan_chunks, plan_totals

# ----------------------------------------------------------------------------- invariants


def _covered(chunk: Chunk) -> list[tuple[int, int]]:
    return list(chunk.spans)


def _overlap(span: tuple[int, int], spans: list[tuple[int, int]]) -> int:
    a, b = span
    return sum(max(0, min(b, y) - max(a, x)) for x, y in spans)


def _row_spans(layout: Layout) -> list[tuple[int, tuple[int, int]]]:
    return [
        (t.index, (min(c.start for c in r), max(c.end for c in r)))
        for t in layout.tables
        for r in t.rows
        if r
    ]


def assert_plan(
    doc: Document,
    layout: Layout,
    chunks: list[Chunk],
    max_tokens: int,
    count: Callable[[str], int] = estimate_tokens,
) -> None:
    """Every invariant of a chunk plan (see pipeline/llm/chunking.py)."""
    text = doc.normalized
    assert chunks, "a text with content gives at least one chunk"
    # document order
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)

    for c in chunks:
        # the text is assembled from source ranges only, so every character maps back
        assert c.text == "".join(text[a:b] for a, b in c.spans)
        assert all(text[c.to_source(i)] == ch for i, ch in enumerate(c.text))
        with pytest.raises(IndexError):
            c.to_source(len(c.text))
        assert c.tokens == count(c.text)
        assert c.start < c.end and _overlap((c.start, c.end), list(c.spans)) == c.end - c.start
        if c.kind == "narrative":
            assert c.spans == ((c.start, c.end),)
            assert c.text == text[c.start : c.end]
            assert c.table_index is None and c.header_rows == 0 and not c.oversize
        else:
            assert c.table_index is not None
            # repeated context (title, header) comes from before the chunk's own rows
            assert all(b <= c.end for _, b in c.spans)
        # within budget, except a single row that alone exceeds it, which stands alone
        assert c.oversize == (c.tokens > max_tokens), (c.index, c.tokens, c.note)
        if c.oversize:
            assert c.kind == "table" and c.note and "alone" in c.note
            assert c.header_chars == 0 and len(c.spans) == 1
            inside = [
                r for t, r in _row_spans(layout) if t == c.table_index and _overlap(r, [c.spans[0]])
            ]
            assert len(inside) <= 1, f"an over-budget chunk holds {len(inside)} rows"

    # homes of table chunks overlap nothing else; homes together cover all the text's content
    homes = sorted((c.start, c.end, c.kind) for c in chunks)
    for (_, b0, k0), (a1, _, k1) in zip(homes, homes[1:], strict=False):
        if "table" in (k0, k1):
            assert b0 <= a1, f"table home overlaps its neighbour at {a1}"
    covered = bytearray(len(text))
    for c in chunks:
        for a, b in c.spans:
            covered[a:b] = b"\x01" * (b - a)
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered: {[text[i] for i in missing[:20]]} at {missing[:5]}"

    # no row is split: wholly inside at least one chunk, never partly inside any
    for t, row in _row_spans(layout):
        whole = 0
        for c in chunks:
            got = _overlap(row, list(c.spans))
            assert got in (0, row[1] - row[0]), f"table {t} row {row} split by chunk {c.index}"
            whole += got > 0
        assert whole >= 1

    # table pieces repeat the title and header
    for t in layout.tables:
        pieces = [c for c in chunks if c.table_index == t.index]
        assert pieces, f"table {t.index} has no chunk"
        first, *rest = pieces
        rows = sorted((r for _, r in _row_spans(Layout(tables=[t]))), key=lambda r: r[0])
        for c in pieces:
            head = {c.to_source(i) for i in range(c.header_chars)}
            for r in rows[: c.header_rows]:  # the header rows lie in the header part
                assert all(k in head for k in range(*r)), (t.index, c.index)
            if c.header_chars and t.title_start is not None and t.title_start < rows[0][0]:
                assert all(k in head for k in range(t.title_start, t.title_end)), c.index
        # the pieces without a reason not to (``note``) all repeat the same title and header,
        # which the first piece starts with (it may hold more: title lines dropped from the
        # repeated header when they would take over a third of the budget)
        repeated = {(c.header_rows, c.text[: c.header_chars]) for c in rest if c.note is None}
        assert len(repeated) <= 1
        if first.note is None and repeated:
            ((header_rows, header),) = repeated
            assert first.header_rows == header_rows
            assert first.text[: first.header_chars].endswith(header)


def _plan(doc_id: str, **kw) -> tuple[Document, Layout, list[Chunk]]:
    from pipeline.ingest import read_document

    doc = read_document(raw_path(doc_id))
    layout = analyze(doc.normalized)
    return doc, layout, plan_chunks(doc, layout, **kw)


# ----------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_seed_plan_at_defaults(doc_id, capsys):
    doc, layout, chunks = _plan(doc_id)
    assert_plan(doc, layout, chunks, 1200)
    totals = plan_totals(doc, chunks)
    with capsys.disabled():
        print(
            f"\n  {doc_id}: {totals.chunks} chunks, {totals.tokens} tokens "
            f"of {totals.source_tokens}, amplification {totals.amplification:.3f}"
        )
    assert 1.0 <= totals.amplification < 2.0


@pytest.mark.parametrize("doc_id", SEED_IDS)
@pytest.mark.parametrize(("max_tokens", "overlap"), [(80, 0), (300, 30), (4000, 400)])
def test_seed_plan_at_other_budgets(doc_id, max_tokens, overlap):
    doc, layout, chunks = _plan(doc_id, max_tokens=max_tokens, overlap_tokens=overlap)
    assert_plan(doc, layout, chunks, max_tokens)


def test_long_tables_are_split_and_repeat_their_header():
    doc, layout, chunks = _plan("lingling-2020")
    pieces = [c for c in chunks if c.table_index == 0]
    assert len(pieces) >= 5
    assert all(c.header_rows == 2 for c in pieces)
    # title, year line and the two header rows (the first numbers are in 年度资金总额's row)
    assert all(
        c.text.startswith("部门整体支出绩效自评表\n\n（2020年度）\n\n\t区级预算单位名称")
        for c in pieces
    )
    assert all("\t全年\n执行数\n\t分值" in c.text[: c.header_chars] for c in pieces)


def test_a_row_over_the_budget_stands_alone_and_is_reported():
    # xiangxi's 总体运行情况 cell is one row of about 1,600 tokens
    _, _, chunks = _plan("xiangxi-2020")
    over = [c for c in chunks if c.oversize]
    assert len(over) == 1
    assert over[0].text.lstrip().startswith("年度部门（单位）总体运行情况及取得的成绩")
    assert "over the budget of 1200" in over[0].note


def test_title_far_from_its_table_is_repeated_from_where_it_is():
    # xiangxi table 5's title is a heading with a paragraph between it and the table
    doc, layout, chunks = _plan("xiangxi-2020")
    (piece,) = [c for c in chunks if c.table_index == 5]
    assert piece.text.startswith("（二）基本支出情况\n\t序号")
    assert piece.spans[0][1] < piece.start  # the title line, repeated from the narrative


def test_narrative_pieces_overlap_only_when_asked():
    _, _, chunks = _plan("xiangxi-2020")
    narrative = [c for c in chunks if c.kind == "narrative"]
    assert any(b.start < a.end for a, b in zip(narrative, narrative[1:], strict=False))
    _, _, chunks = _plan("xiangxi-2020", overlap_tokens=0)
    narrative = [c for c in chunks if c.kind == "narrative"]
    assert all(b.start >= a.end for a, b in zip(narrative, narrative[1:], strict=False))


def test_pluggable_counter_even_one_that_is_not_subadditive():
    # characters plus one token in ten, rounded down: merged splits can come out over budget,
    # and the planner must split them again
    def count(s: str) -> int:
        return len(s) + len(s) // 10

    for doc_id in ("hengyang-2021", "qingcheng-2023"):
        doc, layout, chunks = _plan(doc_id, max_tokens=200, overlap_tokens=20, count_tokens=count)
        assert_plan(doc, layout, chunks, 200, count)


def test_token_estimate():
    assert estimate_tokens("") == 0
    assert estimate_tokens("部门整体") == 4
    assert estimate_tokens("abcdefgh") == 2 and estimate_tokens("abcdefghi") == 3
    assert estimate_tokens("1613.46") == 3  # 1613 . 46
    assert estimate_tokens("执行率 100%") == 3 + 1 + 1 + 1
    assert estimate_tokens("\n\t\t") == 1
    parts = ["预算执行 12", "34.5%，\n", "\tabc", "def。"]
    assert estimate_tokens("".join(parts)) <= sum(map(estimate_tokens, parts))


def test_bad_budgets_are_refused():
    doc, layout, _ = _plan("qingcheng-2023")
    for kw in (
        {"max_tokens": 0},
        {"max_tokens": 100, "overlap_tokens": 100},
        {"overlap_tokens": -1},
    ):
        with pytest.raises(ValueError):
            plan_chunks(doc, layout, **kw)


# ----------------------------------------------------------------------------- synthetic

_HAN = "部门预算执行项目资金绩效目标完成情况工业信息化科技企业年度指标产出效益满意度管理财政拨款支出结余"
_words = st.text(alphabet=_HAN, min_size=1, max_size=6)
_ascii = st.sampled_from(["GDP", "2020", "5G", "ERP", "abc123", "12.5%", "1,234.56"])


@st.composite
def _sentence(draw) -> str:
    parts = draw(st.lists(st.one_of(_words, _words, _ascii), min_size=1, max_size=12))
    return "".join(parts) + draw(st.sampled_from(["。", "；", "，", "", "：", "！"]))


@st.composite
def _paragraph(draw) -> str:
    return "".join(draw(st.lists(_sentence(), min_size=1, max_size=15)))


_number = st.one_of(
    st.integers(0, 99999).map(str),
    st.floats(0, 9999, allow_nan=False).map(lambda f: f"{f:.2f}"),
    st.integers(0, 100).map(lambda n: f"{n}%"),
)


@st.composite
def _table(draw) -> str:
    width = draw(st.integers(2, 6))
    lines = []
    if draw(st.booleans()):
        lines += [draw(st.text(alphabet=_HAN, min_size=2, max_size=10)) + "表"]
        lines += draw(st.sampled_from([[], [""], ["单位：万元"], ["", "（2020年度）", ""]]))
    for _ in range(draw(st.integers(0, 3))):  # header rows
        lines.append("\t".join(draw(st.lists(_words, min_size=width, max_size=width))))
    for _ in range(draw(st.integers(2, 25))):  # data rows, some with a long text cell
        label = draw(st.one_of(_words, _paragraph()))
        cells = draw(st.lists(_number, min_size=width - 1, max_size=width - 1))
        lines.append("\t".join([label, *cells]))
    return "\n".join(lines)


@st.composite
def _document(draw) -> str:
    blocks = draw(st.lists(st.one_of(_paragraph(), _table()), min_size=1, max_size=8))
    return draw(st.sampled_from(["\n\n", "\n", "\n\n\n"])).join(blocks) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=_document(),
    max_tokens=st.integers(40, 600),
    overlap_share=st.floats(0, 0.3),
)
def test_synthetic_plans_keep_the_invariants(text, max_tokens, overlap_share):
    doc = Document.from_text(
        text, path="synthetic.txt", format="txt", encoding="utf-8", raw_bytes=text.encode()
    )
    layout = analyze(doc.normalized)
    chunks = plan_chunks(
        doc, layout, max_tokens=max_tokens, overlap_tokens=int(max_tokens * overlap_share)
    )
    assert_plan(doc, layout, chunks, max_tokens)


def test_synthetic_tables_are_found_and_split():
    """The generator above does make tables that the layout reads and the planner splits."""
    rows = ["项目\t预算数\t执行数"] + [f"项目{k}资金\t{k * 10}.5\t{k * 9}.25" for k in range(60)]
    text = "前言。\n\n资金明细表\n单位：万元\n" + "\n".join(rows) + "\n\n结语。\n"
    doc = Document.from_text(text, path="s.txt", format="txt", encoding="utf-8", raw_bytes=b"x")
    layout = analyze(doc.normalized)
    assert [t.format for t in layout.tables] == ["tsv"]
    chunks = plan_chunks(doc, layout, max_tokens=120, overlap_tokens=10)
    assert_plan(doc, layout, chunks, 120)
    pieces = [c for c in chunks if c.kind == "table"]
    assert len(pieces) >= 4
    assert all(c.text.startswith("资金明细表\n单位：万元\n项目\t预算数\t执行数\n") for c in pieces)
    assert all(c.header_rows == 1 for c in pieces)


# ----------------------------------------------------------------------------- CLI


def test_cli_chunks_runs_on_a_seed():
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "chunks", str(raw_path("xiangxi-2020"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "amplification=" in proc.stdout and "source tokens=" in proc.stdout
    assert "over the budget of 1200" in proc.stdout


def test_cli_chunks_refuses_a_bad_overlap():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "chunks",
            str(raw_path("qingcheng-2023")),
            "--max-tokens",
            "100",
            "--overlap",
            "100",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "overlap" in proc.stderr
