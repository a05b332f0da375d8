"""The stages made linear give what their former quadratic or cubic forms gave: each former
form is kept here, verbatim but for names, as the reference, and both are run on the seeds and
on generated documents (no timing here: the figures are in eval/bench_scaling.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED_IDS
from pipeline.check.rules import xref as X
from pipeline.document import Document
from pipeline.extract import sections as S
from pipeline.layout import analyze
from pipeline.layout.lines import Kind, split_lines

# --------------------------------------------------------------------------- sections


def _reference_paragraph_items(doc, layout, candidates) -> set[int]:
    text = doc.normalized
    table_spans = [(t.start, t.end) for t in layout.tables]

    def in_table(pos: int) -> bool:
        return any(s <= pos < e for s, e in table_spans)

    numbered_lines = []
    for line in split_lines(text):
        if line.kind is not Kind.TEXT or in_table(line.start) or S._RUN_IN.match(line.text):
            continue
        nb = S.numbering(line.text)
        if nb is not None and nb.family != "dotted":
            numbered_lines.append((line.start, nb))

    dropped: set[int] = set()
    changed = True
    while changed:
        changed = False
        kept = [k for k in range(len(candidates)) if k not in dropped]
        kept_lines = {S._line_start(text, candidates[k].heading.start) for k in kept}
        for pos_k, k in enumerate(kept):
            nb = candidates[k].numbering
            if nb is None or nb.family == "dotted":
                continue
            h = candidates[k].heading
            lo = candidates[kept[pos_k - 1]].heading.end if pos_k > 0 else 0
            hi = candidates[kept[pos_k + 1]].heading.start if pos_k + 1 < len(kept) else len(text)
            here = S._line_start(text, h.start)
            before = [(s, o) for s, o in numbered_lines if lo <= s < here and o.family == nb.family]
            after = [(s, o) for s, o in numbered_lines if h.end <= s < hi and o.family == nb.family]
            neighbours = []
            if before and before[-1][1].number == nb.number - 1:
                neighbours.append(before[-1][0])
            if after and after[0][1].number == nb.number + 1:
                neighbours.append(after[0][0])
            if any(s not in kept_lines for s in neighbours):
                dropped.add(k)
                changed = True
                break
    return dropped


def _doc(text: str) -> Document:
    return Document.from_text(
        text, path="x.txt", format="txt", encoding="utf-8", raw_bytes=text.encode()
    )


def _same_paragraph_items(doc: Document) -> set[int]:
    layout = analyze(doc.normalized)
    candidates = S._candidates(layout)
    got = S._paragraph_items(doc, layout, candidates)
    assert got == _reference_paragraph_items(doc, layout, candidates)
    return got


def test_paragraph_items_as_before_on_the_seeds(seed_layouts):
    dropped = 0
    for doc_id in SEED_IDS:
        doc, _ = seed_layouts[doc_id]
        dropped += len(_same_paragraph_items(doc))
    assert dropped > 0  # the seeds do have duty lists


_MARKERS = ["{n}、", "{n}. ", "（{n}）", "{cn}、", "（{cn}）", "### {n}、", "1.{n}", "①"]
_CN = "一二三四五六七八九十"
_SHORT = [
    "承担全县盐业行业管理职责。",
    "指导和联系行业协会工作。",
    "产出目标",
    "存在的问题",
    "项目支出",
]
_LONG = (
    "负责全州工业和信息化领域的日常经济运行调节，编制并组织实施近期工业和信息化领域的经济运行"
    "调控目标、政策和措施；监测分析近期工业信息化领域的经济运行态势，统计并发布相关信息。"
)
# a list: its marker, first number, and per item whether it is a short line or a paragraph
_LISTS = st.tuples(
    st.sampled_from(_MARKERS),
    st.integers(1, 4),
    st.lists(st.booleans(), min_size=1, max_size=7),
    st.sampled_from(_SHORT),
)


def _text(lists) -> str:
    lines = []
    for marker, first, items, short in lists:
        for n, is_short in enumerate(items, start=first):
            body = short if is_short else _LONG
            lines.append(marker.format(n=n, cn=_CN[(n - 1) % 10]) + body)
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LISTS, min_size=1, max_size=8))
def test_paragraph_items_as_before_on_generated_lists(lists):
    _same_paragraph_items(_doc(_text(lists)))


# --------------------------------------------------------------------------- xref


def _reference_resolve_stages(group):
    from dataclasses import replace

    out = []
    for s in group:
        if s.stage == "any" or s.scope is None:
            twin = next((t for t in group if t is not s and not t.prose and X._equal(s, t)), None)
            if twin is not None:
                s = replace(
                    s,
                    stage=twin.stage if s.stage == "any" else s.stage,
                    scope=s.scope or twin.scope,
                )
        out.append(s)
    return out


def _reference_linked(group):
    edges = [
        (i, j)
        for i, a in enumerate(group)
        for j in range(i + 1, len(group))
        if a.same_stage(group[j]) and a.same_scope(group[j]) and X._near(a, group[j])
    ]
    return X._components(len(group), edges)


def _same_links(group) -> list[list[int]]:
    resolved = X._resolve_stages(group)
    assert resolved == _reference_resolve_stages(group)
    linked = X._linked(resolved)
    assert linked == _reference_linked(resolved)
    return linked


def test_same_quantity_links_as_before_on_the_seeds_and_gold():
    from conftest import GOLD, raw_path
    from pipeline.backends import extract
    from pipeline.check.statements import statements
    from pipeline.ingest import read_document
    from pipeline.schema import Report

    reports = [
        Report.model_validate_json(p.read_text(encoding="utf-8")) for p in GOLD.glob("*.json")
    ]
    for doc_id in SEED_IDS:
        doc = read_document(raw_path(doc_id))
        reports.append(extract(doc, analyze(doc.normalized)))
    links = 0
    for report in reports:
        groups: dict = {}
        for s in statements(report):
            groups.setdefault(s.category, []).append(s)
        for group in groups.values():
            links += len(_same_links(group))
    assert links > 0


_VALUES = st.sampled_from(
    [
        "254.03",
        "254.04",
        "254",
        "254.0",
        "253.9",
        "256",
        "373.5",
        "373.52",
        "373.51",
        "1000",
        "1005",
        "1009.9",
        "1011",
        "0",
        "-5",
        "-5.02",
        "12.345",
        "2540300",
        "0.0254",
    ]
)
_STATEMENTS = st.lists(
    st.tuples(
        _VALUES,
        st.sampled_from(["万元", "元", "亿元"]),
        st.sampled_from(["any", "budget", "executed", "prior"]),
        st.sampled_from([None, "basic", "project"]),
        st.booleans(),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_STATEMENTS, st.sampled_from(["basic_expenditure", "total"]))
def test_same_quantity_links_as_before_on_generated_statements(rows, category):
    from decimal import Decimal

    from pipeline.check.statements import Statement
    from pipeline.schema import FundsCategory, Quantity

    group = [
        Statement(
            FundsCategory(category),
            stage,
            f"s{k}",
            Quantity(raw=v, value=Decimal(v), unit=u),
            prose,
            scope,
        )
        for k, (v, u, stage, scope, prose) in enumerate(rows)
    ]
    _same_links(group)


# --------------------------------------------------------------------------- sentences

_TEXTS = st.text(alphabet="文a1。；！？!?\n ", max_size=60)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_draft_sentences_as_before(text):
    import importlib

    V = importlib.import_module("pipeline.draft.verify")

    def reference(pos: int) -> str:
        for m in V._SENTENCE.finditer(text):
            if m.start() <= pos < max(m.end(), m.start() + 1):
                return m.group().strip()
        return ""

    sentence = V._sentences_at(text)
    for pos in range(len(text) + 2):
        assert sentence(pos) == reference(pos)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_fact_sentence_starts_as_before(text):
    from pipeline.extract import facts as F

    start = F._sentence_starts(text)
    for pos in range(len(text) + 2):
        assert start(pos) == max(text.rfind(ch, 0, pos) for ch in F._SENTENCE_END) + 1


# --------------------------------------------------------------------------- draft figures


def _seed_figures():
    from conftest import raw_path
    from pipeline.backends import extract
    from pipeline.draft.figures import draft_facts
    from pipeline.ingest import read_document

    out = {}
    for doc_id in SEED_IDS:
        doc = read_document(raw_path(doc_id))
        report = extract(doc, analyze(doc.normalized))
        out[doc_id] = (report, draft_facts(report).figures())
    return out


def test_draft_numbers_match_the_figures_they_matched_before():
    import importlib

    from pipeline.draft import draft_all
    from pipeline.draft.numbers import numbers

    V = importlib.import_module("pipeline.draft.verify")
    checked = 0
    for report, figures in _seed_figures().values():
        index = V._FigureIndex(figures)
        texts = [d.text for d in draft_all(report)] + [
            f"{f.text}{f.unit or ''}，{f.value}{f.unit or ''}" for f in figures
        ]
        for text in texts:
            for n in numbers(text):
                expected = next(
                    (f for f in figures if V._equal(n.value, n.decimals, n.unit, f)), None
                )
                assert index.first_equal(n.value, n.decimals, n.unit) is expected
                checked += expected is not None
    assert checked > 100


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=-1000, max_value=100000, places=3, allow_nan=False),
    st.integers(0, 4),
    st.sampled_from([None, "万元", "元", "亿元", "%", "分", "个", "人", "年", "万"]),
)
def test_draft_figure_index_as_before_on_generated_numbers(value, decimals, unit):
    import importlib
    from decimal import Decimal

    from pipeline.check.tolerance import rounded
    from pipeline.draft.figures import Figure

    V = importlib.import_module("pipeline.draft.verify")
    figures = [
        Figure(f"k{i}", "x", Decimal(v), u, d, how)
        for i, (v, u, d, how) in enumerate(
            [
                ("9712.53", "万元", 2, "stated"),
                ("97125300", "元", 0, "stated"),
                ("0.97", "亿元", 2, "stated"),
                ("96.5", "%", 1, "stated"),
                ("96", "分", 0, "stated"),
                ("12", "个", 0, "count: x"),
                ("12", "人", 0, "stated"),
                ("2020", "年", 0, "stated"),
                ("37", "万", 0, "stated"),
                ("9712.53", "万元", 2, "sum: x"),
            ]
        )
    ]
    figures.append(Figure("g", "x", rounded(value, decimals), unit, decimals, "stated"))
    index = V._FigureIndex(figures)
    for probe, places in ((value, decimals), (rounded(value, decimals), decimals), (value, 0)):
        expected = next((f for f in figures if V._equal(probe, places, unit, f)), None)
        assert index.first_equal(probe, places, unit) is expected


# --------------------------------------------------------------------------- offset map


def _reference_maps(original: str):
    """The former map, two tuples of one int per character, from the compact one's
    per-character offsets (which must rise and map each character to its original)."""
    from pipeline.normalize import normalize

    text, omap = normalize(original)
    starts = [omap.start_of(i) for i in range(len(text))]
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
    assert all(0 <= s < len(original) for s in starts)
    return text, omap, starts, [s + 1 for s in starts]


def _check_map(original: str, spans) -> None:
    from bisect import bisect_left, bisect_right

    text, omap, starts, ends = _reference_maps(original)
    n = len(text)
    for a, b in spans:
        a, b = sorted((min(a, n), min(b, n)))
        if a == b:
            pos = starts[a] if a < n else len(original)
            expected = (pos, pos)
        else:
            expected = (starts[a], ends[b - 1])
        assert omap.to_original(a, b) == expected
    for a, b in spans:
        a, b = sorted((min(a, len(original)), min(b, len(original))))
        s, e = bisect_left(starts, a), bisect_right(ends, b)
        assert omap.to_normalized(a, b) == (s, max(s, e))


_PIECES = st.sampled_from(
    [
        "[bookmark: _Hlk1]",
        "　",
        "\u200b",
        "１",
        "．",
        "\r\n",
        "\r",
        "\n- 3 -\n",
        "\n",
        "文",
        "a",
        "\ufeff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_PIECES, max_size=40),
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), max_size=20),
)
def test_offset_map_as_before_on_generated_text(parts, spans):
    _check_map("".join(parts), spans)


def test_offset_map_as_before_on_the_seeds():
    import random

    from conftest import raw_path

    rng = random.Random(16)
    for doc_id in SEED_IDS:
        original = raw_path(doc_id).read_text(encoding="utf-8")
        n = len(original)
        _check_map(original, [(rng.randrange(n + 1), rng.randrange(n + 1)) for _ in range(300)])
