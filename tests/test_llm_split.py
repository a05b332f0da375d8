"""``split_chunk``: the two halves of a chunk whose answer was truncated, on seed chunks
(tables and narrative) and on small hand-written tables."""

from __future__ import annotations

import pytest

from conftest import raw_path
from pipeline.document import Document
from pipeline.layout import Layout, analyze
from pipeline.llm.chunking import Chunk, plan_chunks, split_chunk

SPLIT_SEEDS = ["lingling-2020", "xiangxi-2020", "jiangxia-2019"]


def _doc(text: str) -> Document:
    return Document.from_text(
        text, path="t.txt", format="txt", encoding="utf-8", raw_bytes=text.encode()
    )


def _plan(doc: Document) -> tuple[Layout, list[Chunk]]:
    layout = analyze(doc.normalized)
    return layout, plan_chunks(doc, layout)


@pytest.fixture(scope="module")
def seeds():
    """doc, layout and (chunk, halves or None) for every chunk of each seed."""
    from pipeline.ingest import read_document

    out = {}
    for doc_id in SPLIT_SEEDS:
        doc = read_document(raw_path(doc_id))
        layout, chunks = _plan(doc)
        out[doc_id] = (doc, layout, [(c, split_chunk(c, doc.normalized, layout)) for c in chunks])
    return out


def _split(seeds, doc_id, kind=None):
    doc, layout, pairs = seeds[doc_id]
    done = [(c, h) for c, h in pairs if h is not None and (kind is None or c.kind == kind)]
    return doc, layout, done


def _rows(layout: Layout, table_index: int) -> list[tuple[int, int]]:
    return [
        (min(c.start for c in r), max(c.end for c in r))
        for r in layout.tables[table_index].rows
        if r
    ]


def _far_title_first_piece(chunk: Chunk, chunks: list[Chunk]) -> bool:
    """The first piece of a table whose title stands away from it (repeated from before)."""
    first = next(c for c in chunks if c.table_index == chunk.table_index)
    return chunk is first and chunk.spans[0][1] <= chunk.start


# ----------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("doc_id", SPLIT_SEEDS)
def test_seeds_have_table_and_narrative_chunks_to_split(seeds, doc_id):
    _, _, done = _split(seeds, doc_id)
    kinds = {c.kind for c, _ in done}
    assert "table" in kinds
    if doc_id != "lingling-2020":  # lingling's only narrative chunk is '附件1'
        assert "narrative" in kinds


@pytest.mark.parametrize("doc_id", SPLIT_SEEDS)
def test_halves_are_made_of_source_ranges(seeds, doc_id):
    doc, _, done = _split(seeds, doc_id)
    text = doc.normalized
    for chunk, halves in done:
        for h in halves:
            assert h.text == "".join(text[a:b] for a, b in h.spans), chunk.index
            assert all(text[h.to_source(i)] == ch for i, ch in enumerate(h.text)), chunk.index
            with pytest.raises(IndexError):
                h.to_source(len(h.text))
            assert (h.kind, h.table_index, h.index) == (chunk.kind, chunk.table_index, chunk.index)


@pytest.mark.parametrize("doc_id", SPLIT_SEEDS)
def test_half_homes_are_adjacent_and_cover_the_parents(seeds, doc_id):
    doc, _, done = _split(seeds, doc_id)
    for chunk, (first, second) in done:
        assert first.start == chunk.start and second.end == chunk.end, chunk.index
        assert first.end == second.start, chunk.index
        assert first.start < first.end and second.start < second.end
        # each half's own part is its home, at the end of its text
        assert first.spans[-1][1] == first.end and second.spans[-1][1] == second.end
        assert doc.normalized[first.start : first.end].strip()
        assert doc.normalized[second.start : second.end].strip()


@pytest.mark.parametrize("doc_id", SPLIT_SEEDS)
def test_narrative_halves_are_cut_at_a_line_or_sentence_end(seeds, doc_id):
    doc, _, done = _split(seeds, doc_id, "narrative")
    for chunk, (first, second) in done:
        assert first.spans == ((first.start, first.end),)
        assert second.spans == ((second.start, second.end),)
        assert first.text + second.text == chunk.text
        assert doc.normalized[first.end - 1] in "\n。；", chunk.index


@pytest.mark.parametrize("doc_id", SPLIT_SEEDS)
def test_table_halves_never_cut_inside_a_row(seeds, doc_id):
    _, layout, done = _split(seeds, doc_id, "table")
    assert done
    for chunk, halves in done:
        rows = _rows(layout, chunk.table_index)
        for rs, re in rows:
            if re <= chunk.start or rs >= chunk.end:
                continue  # another chunk's row
            assert any(h.start <= rs and re <= h.end for h in halves), (chunk.index, rs, re)
        # nor does any range a half is made of (its repeated header included)
        for h in halves:
            for a, b in h.spans:
                for rs, re in rows:
                    assert re <= a or b <= rs or (a <= rs and re <= b), (chunk.index, (a, b))


@pytest.mark.parametrize("doc_id", SPLIT_SEEDS)
def test_table_halves_start_with_the_parents_title_and_header(seeds, doc_id):
    _, _, done = _split(seeds, doc_id, "table")
    checked = 0
    for chunk, (first, second) in done:
        if not chunk.header_chars:
            continue
        header = chunk.text[: chunk.header_chars]
        for h in (first, second):
            assert h.text.startswith(header), (chunk.index, h.text[:80])
            assert h.text[: h.header_chars] == header, chunk.index
            assert h.header_rows == chunk.header_rows
        checked += 1
    assert checked


def test_lingling_halves_repeat_the_scorecard_header(seeds):
    _, _, done = _split(seeds, "lingling-2020", "table")
    assert len(done) >= 5
    for _, (first, second) in done:
        for h in (first, second):
            assert h.text.startswith("部门整体支出绩效自评表\n\n（2020年度）\n\n\t区级预算单位名称")
            assert "\t全年\n执行数\n\t分值" in h.text[: h.header_chars]


def test_seed_table_with_a_far_title_repeats_its_header_in_the_second_half(seeds):
    _, _, pairs = seeds["xiangxi-2020"]
    ((chunk, halves),) = [(c, h) for c, h in pairs if c.text.startswith("（二）基本支出情况\n")]
    assert halves is not None
    header = "（二）基本支出情况\n\t序号\n\t支出项目\n\t2020年基本支出（万元）\n"
    assert chunk.text.startswith(header)
    assert halves[1].text.startswith(header), halves[1].text[:40]


# ----------------------------------------------------------------------------- hand-written

# 资金表 0..2, \n 3 | 项目\t预算数\t执行数\n 4..14 | 工资福利\t15\t14\n 15..25 |
# 商品服务\t13\t12\n 26..36 | 对个人补助\t11\t10\n 37..48 | 资本性支出\t9\t8\n 49..58
TITLED = (
    "资金表\n项目\t预算数\t执行数\n工资福利\t15\t14\n商品服务\t13\t12\n"
    "对个人补助\t11\t10\n资本性支出\t9\t8\n"
)


def test_a_table_is_cut_between_rows_near_the_middle_and_the_header_repeated():
    doc = _doc(TITLED)
    layout, chunks = _plan(doc)
    (chunk,) = chunks
    assert (chunk.kind, chunk.start, chunk.end, chunk.header_chars) == ("table", 0, 59, 15)
    first, second = split_chunk(chunk, doc.normalized, layout)
    # the rows after the header run 15..59; its middle is 37, where 对个人补助's row starts
    assert (first.start, first.end, second.start, second.end) == (0, 37, 37, 59)
    assert first.text == "资金表\n项目\t预算数\t执行数\n工资福利\t15\t14\n商品服务\t13\t12\n"
    assert second.text == "资金表\n项目\t预算数\t执行数\n对个人补助\t11\t10\n资本性支出\t9\t8\n"
    assert second.spans == ((0, 15), (37, 59))
    assert first.header_chars == second.header_chars == 15
    assert first.note and "part of chunk" in first.note


# 基本支出情况表 0..6, \n 7 | a 64-character paragraph 8..71, \n 72 | 项目\t预算数\t执行数\n
# 73..83 | 工资福利\t15\t14\n 84..94 | 商品服务\t13\t12\n 95..105 | 对个人补助\t11\t10\n
# 106..117 | 资本性支出\t9\t8\n 118..127
FAR_TITLE = (
    "基本支出情况表\n"
    "本部门基本支出主要用于保障机构正常运转和完成日常工作任务，"
    "包括人员经费和日常公用经费两大部分，具体情况详见下表所列各项内容说明。\n"
    "项目\t预算数\t执行数\n工资福利\t15\t14\n商品服务\t13\t12\n对个人补助\t11\t10\n资本性支出\t9\t8\n"
)


def _far_title_table() -> tuple[Chunk, tuple[Chunk, Chunk]]:
    doc = _doc(FAR_TITLE)
    layout, chunks = _plan(doc)
    (chunk,) = [c for c in chunks if c.kind == "table"]
    # the title line is repeated from the narrative above, the header is the chunk's own
    assert chunk.spans == ((0, 8), (73, 128))
    assert chunk.text.startswith("基本支出情况表\n项目\t预算数\t执行数\n工资福利")
    halves = split_chunk(chunk, doc.normalized, layout)
    assert halves is not None
    return chunk, halves


def test_a_far_title_table_is_split_between_rows():
    chunk, (first, second) = _far_title_table()
    assert first.start == 73 and second.end == 128 and first.end == second.start
    assert second.start in (84, 95, 106, 118)  # a row's start
    assert first.text.startswith("基本支出情况表\n项目\t预算数\t执行数\n")
    assert second.text.startswith("基本支出情况表\n")


def test_a_far_title_table_repeats_its_header_in_the_second_half():
    _, (_, second) = _far_title_table()
    assert second.text.startswith("基本支出情况表\n项目\t预算数\t执行数\n")


# ----------------------------------------------------------------------------- nothing to cut


@pytest.mark.parametrize(
    "text",
    [
        "资金表\n项目\t预算数\t执行数\n工资福利\t15\t14\n",  # a header and a single row
        "\t项目\n\t预算数\n\n\t工资福利\n\t15\n",  # the same as one cell per line
        "只有一句话没有句号也没有换行",
        "只有一句话。",
        "短。\n",
    ],
)
def test_a_chunk_with_no_place_to_cut_is_not_split(text):
    doc = _doc(text)
    layout, chunks = _plan(doc)
    (chunk,) = chunks
    assert split_chunk(chunk, doc.normalized, layout) is None


def test_a_seed_row_that_stands_alone_is_not_split(seeds):
    _, _, pairs = seeds["xiangxi-2020"]
    over = [(c, h) for c, h in pairs if c.oversize]
    assert over
    assert all(h is None for _, h in over)


def test_two_sentences_are_split_after_the_first():
    # 第一句话。 0..4 | 第二句话。 5..9
    doc = _doc("第一句话。第二句话。")
    layout, chunks = _plan(doc)
    (chunk,) = chunks
    first, second = split_chunk(chunk, doc.normalized, layout)
    assert (first.text, second.text) == ("第一句话。", "第二句话。")
    assert (first.start, first.end, second.start, second.end) == (0, 5, 5, 10)
