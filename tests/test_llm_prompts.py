"""Prompts of the model path: front matter parsing, the real prompt files, the messages sent
(the chunk between its markers, recoverable exactly), few-shot examples from another
document's gold, and ``answer_from_gold`` on seed chunks."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import GOLD, SEED_IDS, raw_path
from pipeline.errors import PipelineError
from pipeline.llm.answers import ANSWERS, MetaAnswer, NarrativeAnswer, TablesAnswer
from pipeline.llm.examples import EXAMPLES_DIR_ENV, Example, answer_from_gold, few_shot
from pipeline.llm.grounding import squeeze
from pipeline.llm.prompts import (
    CHUNK_CLOSE,
    CHUNK_OPEN,
    PROMPTS_DIR_ENV,
    Prompt,
    chunk_from_message,
    load_prompts,
    messages,
    parse_prompt,
    prompts_dir,
)

WHERE = "prompts/some-task.md"


@pytest.fixture(autouse=True)
def _default_folders(monkeypatch):
    """The checkout's prompts/ and fixtures/, whatever the environment says."""
    monkeypatch.delenv(PROMPTS_DIR_ENV, raising=False)
    monkeypatch.delenv(EXAMPLES_DIR_ENV, raising=False)


# ----------------------------------------------------------------------------- parse_prompt


def test_parse_prompt_reads_front_matter_and_keeps_the_rest():
    source = "---\ntask: tables\nversion: \"7\"\nabout: '表格'\n---\n你是录入员。\n\n规则。\n"
    p = parse_prompt(source, WHERE)
    assert p == Prompt(task="tables", version="7", about="表格", text="你是录入员。\n\n规则。\n")


def test_parse_prompt_about_is_optional_and_blank_lines_are_skipped():
    p = parse_prompt("---\n\ntask: meta\n\nversion: 2b\n---\n正文", WHERE)
    assert (p.task, p.version, p.about, p.text) == ("meta", "2b", "", "正文")


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("你是录入员。\n", "front matter"),  # none at all
        ("\n---\ntask: tables\nversion: 1\n---\n正文\n", "front matter"),  # not at the start
        ("---\ntask: tables\nversion: 1\n正文\n", "front matter"),  # never closed
        ("---\nversion: 1\n---\n正文\n", "task"),
        ("---\ntask: tables\n---\n正文\n", "version"),
        ("---\ntask: tables\nversion:\n---\n正文\n", "version"),  # empty
        ("---\ntask: tables\nversion: ''\n---\n正文\n", "version"),  # empty once unquoted
        ("---\ntask: summary\nversion: 1\n---\n正文\n", "summary"),  # unknown task
        ("---\ntask: tables\nversion 1\n---\n正文\n", "version 1"),  # not key: value
    ],
)
def test_parse_prompt_refuses_bad_front_matter_naming_the_file(source, says):
    with pytest.raises(PipelineError) as err:
        parse_prompt(source, WHERE)
    assert WHERE in str(err.value)
    assert says in str(err.value)


def test_fingerprint_follows_the_text_not_the_version():
    a = parse_prompt("---\ntask: meta\nversion: 1\n---\n正文\n", WHERE)
    b = parse_prompt("---\ntask: meta\nversion: 2\n---\n正文\n", WHERE)
    c = parse_prompt("---\ntask: meta\nversion: 1\n---\n正文。\n", WHERE)
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint


# ----------------------------------------------------------------------------- load_prompts


def test_load_prompts_reads_the_three_real_prompt_files():
    prompts = load_prompts()
    assert set(prompts) == {"tables", "narrative", "meta"}
    for task, p in prompts.items():
        source = (prompts_dir() / f"{task}.md").read_text(encoding="utf-8")
        head = source.split("\n---\n", 1)[0]
        assert p.task == task
        assert p.version and (f"version: {p.version}" in head or f'"{p.version}"' in head)
        assert p.text.strip() and not p.text.startswith("---")
        assert source.endswith(p.text)


def _write_prompts(folder, tasks: dict[str, str]) -> None:
    for name, task in tasks.items():
        (folder / f"{name}.md").write_text(
            f"---\ntask: {task}\nversion: 1\n---\n正文\n", encoding="utf-8"
        )


def test_load_prompts_refuses_a_missing_file(tmp_path, monkeypatch):
    _write_prompts(tmp_path, {"tables": "tables", "meta": "meta"})
    monkeypatch.setenv(PROMPTS_DIR_ENV, str(tmp_path))
    with pytest.raises(PipelineError, match="narrative.md"):
        load_prompts()


def test_load_prompts_refuses_a_file_of_another_task(tmp_path, monkeypatch):
    _write_prompts(tmp_path, {"tables": "tables", "narrative": "meta", "meta": "meta"})
    monkeypatch.setenv(PROMPTS_DIR_ENV, str(tmp_path))
    with pytest.raises(PipelineError, match="narrative.md"):
        load_prompts()


# ----------------------------------------------------------------------------- messages

PROMPT = Prompt(task="tables", version="1", about="", text="\n你是录入员。\n")
CHUNK_TEXTS = [
    "本年收入总计1613.46万元。",
    "部门整体支出绩效自评表\n\n（2020年度）\n\n\t区级预算单位名称\n\t零陵区科技和工业信息化局 \n",
    "\n\t开头是换行和制表符\t\n结尾也是\n\n",
    "项目\t预算数\t执行数\n工资福利\t15\t14\n",
    "",
]


@pytest.mark.parametrize("text", CHUNK_TEXTS)
def test_messages_put_the_chunk_between_markers_and_it_comes_back_exactly(text):
    out = messages(PROMPT, text, None)
    assert [m["role"] for m in out] == ["system", "user"]
    assert out[0]["content"] == "你是录入员。"
    content = out[1]["content"]
    assert content == CHUNK_OPEN + "\n" + text + "\n" + CHUNK_CLOSE
    assert chunk_from_message(content) == text


@pytest.mark.parametrize("text", CHUNK_TEXTS)
def test_messages_with_an_example_come_back_exactly_too(text):
    example = Example(doc_id="other", text="例子\t文本\n第二行", answer_json='{"facts": []}')
    out = messages(PROMPT, text, example)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert chunk_from_message(out[1]["content"]) == "例子\t文本\n第二行"
    assert out[2]["content"] == '{"facts": []}'
    assert chunk_from_message(out[3]["content"]) == text


def test_chunk_from_message_without_markers_is_none():
    assert chunk_from_message("只有文字") is None
    assert chunk_from_message(CHUNK_CLOSE + "\n" + CHUNK_OPEN) is None


# ----------------------------------------------------------------------------- few-shot


def _raw_values(answer) -> list[str]:
    """Every value of an answer that is copied from the text (labels, columns, tables and
    group names are the gold's words, not copies of the chunk)."""
    out: list[str | None] = []
    if isinstance(answer, MetaAnswer):
        return [v for v in (answer.unit_name, answer.fiscal_year, answer.report_date) if v]
    funds = list(answer.funds) if isinstance(answer, TablesAnswer) else []
    if isinstance(answer, TablesAnswer):
        for card in answer.scorecards:
            out += [card.title, card.project_name, card.supervisor, card.implementer]
            out += [card.total_score, card.max_score, card.grade]
            funds += card.funds
            for goal in card.goals:
                out += [goal.expected, goal.actual]
            for h in card.level_headers:
                out += [h.name, h.weight]
            for i in card.indicators:
                out += [i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score]
                out.append(i.deviation_note)
    out += [f.raw for f in funds]
    out += [f.raw for f in answer.facts]
    out += [s.heading for s in answer.sections]
    p = answer.personnel
    out += [p.staffing_quota, p.headcount, p.control_rate]
    return [v for v in out if v]


def _no_space(s: str) -> str:
    return "".join(s.split())


@pytest.fixture(scope="module")
def seed_docs():
    from pipeline.ingest import read_document

    return {doc_id: read_document(raw_path(doc_id)) for doc_id in SEED_IDS}


TASKS = ["tables", "narrative", "meta"]


@pytest.mark.parametrize(
    ("doc_id", "task"),
    [(d, t) for d in SEED_IDS for t in TASKS],
)
def test_few_shot_example_comes_from_another_document_and_copies_its_text(seed_docs, doc_id, task):
    doc = seed_docs[doc_id]
    example = few_shot(task, doc)
    assert example is not None
    assert example.doc_id != doc_id and example.doc_id in SEED_IDS
    answer = ANSWERS[task].model_validate_json(example.answer_json)
    values = _raw_values(answer)
    assert values, "an example shows at least one value"
    text = _no_space(example.text)
    missing = [v for v in values if _no_space(v) not in text]
    assert not missing, missing


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_few_shot_values_are_in_the_example_after_normalization(seed_docs, doc_id, task):
    """What grounding compares: both sides normalized, whitespace removed."""
    example = few_shot(task, seed_docs[doc_id])
    answer = ANSWERS[task].model_validate_json(example.answer_json)
    text = squeeze(example.text)
    assert [v for v in _raw_values(answer) if squeeze(v) not in text] == []


# ----------------------------------------------------------------------------- answer_from_gold


@pytest.fixture(scope="module")
def seed_plans(seed_docs):
    from pipeline.evaluation.gold import load_gold
    from pipeline.layout import analyze
    from pipeline.llm.chunking import plan_chunks

    out = {}
    for doc_id, doc in seed_docs.items():
        gold = load_gold(GOLD / f"{doc_id}.json")
        out[doc_id] = (doc, gold, plan_chunks(doc, analyze(doc.normalized)))
    return out


def _inside(doc, chunk, span) -> bool:
    """Whether an original span lies in one of the chunk's source ranges."""
    if span is None:
        return False
    for a, b in chunk.spans:
        s, e = doc.offsets.to_original(a, b)
        if s <= span.start and span.end <= e:
            return True
    return False


def _funds_key(f) -> tuple:
    return (
        f.label,
        f.column,
        f.category,
        f.measure,
        f.amount.raw if hasattr(f, "amount") else f.raw,
    )


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_answer_from_gold_holds_only_values_of_the_chunk(seed_plans, doc_id):
    doc, gold, chunks = seed_plans[doc_id]
    seen = 0
    for chunk in chunks:
        text = squeeze(chunk.text)
        for task in TASKS:
            answer = answer_from_gold(gold, doc, chunk, task)
            assert isinstance(answer, ANSWERS[task])
            values = _raw_values(answer)
            seen += len(values)
            assert [v for v in values if squeeze(v) not in text] == [], (chunk.index, task)
    assert seen > 0


@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_answer_from_gold_holds_every_funds_figure_of_the_chunk(seed_plans, doc_id):
    doc, gold, chunks = seed_plans[doc_id]
    total = 0
    for chunk in chunks:
        answer = answer_from_gold(gold, doc, chunk, "tables")
        want = Counter(_funds_key(f) for f in gold.funds if _inside(doc, chunk, f.amount.span))
        assert Counter(_funds_key(f) for f in answer.funds) == want, chunk.index
        want_cards = Counter(
            _funds_key(f)
            for card in gold.scorecards
            for f in card.funds
            if _inside(doc, chunk, f.amount.span)
        )
        got_cards = Counter(_funds_key(f) for card in answer.scorecards for f in card.funds)
        assert got_cards == want_cards, chunk.index
        total += sum(want.values()) + sum(want_cards.values())
    n_gold = len(gold.funds) + sum(len(c.funds) for c in gold.scorecards)
    assert total >= n_gold  # every gold figure lies in at least one chunk


def test_answer_from_gold_of_a_narrative_chunk_has_the_narrative_shape(seed_plans):
    doc, gold, chunks = seed_plans["xiangxi-2020"]
    sentence = "本年“三公经费”预算64.65万元，实际执行16.94万元。"
    chunk = next(c for c in chunks if c.kind == "narrative" and sentence in c.text)
    answer = answer_from_gold(gold, doc, chunk, "narrative")
    assert isinstance(answer, NarrativeAnswer)
    raws = [f.raw for f in answer.facts]
    assert "64.65" in raws and "16.94" in raws  # the two figures of that sentence
    with pytest.raises(ValueError):
        answer_from_gold(gold, doc, chunk, "summary")
    json.loads(answer.model_dump_json())
