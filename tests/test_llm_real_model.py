"""The model client against a real model server: llama-cpp-python serving Gemma 3 270M
(``make model`` installs both; see ``servers/llama.py``).

The 270M model gets most values wrong, so these tests check what the pipeline relies on
whatever the model: the request is accepted, the answer validates against the schema, and
the usage is counted.  One server serves the whole session (fixture ``llama``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel, Field
from servers.llama import LlamaServer, llama_server

from pipeline.llm.client import ModelClient, Usage
from pipeline.llm.settings import LLMSettings

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="session")
def llama() -> Iterator[LlamaServer]:
    with llama_server() as server:
        yield server


def real_settings(server: LlamaServer, **overrides) -> LLMSettings:
    """Settings for the real server: TOOLS mode (its tool arguments are grammar-constrained;
    ``json_schema`` gets HTTP 500 from llama-cpp-python's server)."""
    values = dict(
        base_url=server.base_url,
        model=server.model,
        mode="tools",
        max_tokens=256,
        timeout_s=120,
        deadline_s=300,
    )
    values.update(overrides)
    return LLMSettings(**values)


class Figure(BaseModel):
    label: str
    raw: str


class Figures(BaseModel):
    # maxItems bounds the grammar: unbounded, the 270M model repeats items until max_tokens
    # and the cut JSON comes back with finish_reason "tool_calls", not "length"
    figures: list[Figure] = Field(max_length=4)


def test_tools_mode_returns_schema_valid_answer_and_usage(llama):
    messages = [
        {
            "role": "system",
            "content": "从用户给出的句子中抽取每个金额：label 是金额的名称，raw 是原文中的金额。",
        },
        {"role": "user", "content": "本年收入总计999.38万元，其中财政拨款900.00万元。"},
    ]
    with ModelClient(real_settings(llama)) as client:
        answer, usage = client.complete(messages, Figures)

    assert type(answer) is Figures
    assert Figures.model_validate(answer.model_dump()) == answer
    assert len(answer.figures) <= 4
    assert all(isinstance(f, Figure) for f in answer.figures)
    assert isinstance(usage, Usage)
    assert usage.calls >= 1
    assert usage.attempts >= 1
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0


# --------------------------------------------------------------------------- the whole path


def _seed_chunk(doc_id: str, needle: str, max_tokens: int):
    from pipeline.ingest import read_document
    from pipeline.layout import analyze
    from pipeline.llm.chunking import plan_chunks

    doc = read_document(f"fixtures/raw/{doc_id}.txt")
    layout = analyze(doc.normalized)
    chunks = plan_chunks(doc, layout, max_tokens=max_tokens, overlap_tokens=20)
    chunk = next(c for c in chunks if c.kind == "narrative" and needle in c.text)
    return doc, layout, chunk


def test_the_real_model_through_the_pipeline_keeps_only_what_it_can_ground(llama, tmp_path):
    """A seed chunk through the llm backend's ask → ground → merge path with the real model:
    the Report validates, every value it keeps stands at its span, and every figure or
    heading the model returned is either kept or listed as ungrounded with a reason."""
    from pipeline.llm.backend import ModelExtractor, ModelOptions, Request, ground
    from pipeline.llm.merge import merge_pieces
    from pipeline.schema import Report, grounded_share, iter_grounded

    doc, layout, chunk = _seed_chunk("hengyang-2021", "999.38", max_tokens=160)
    settings = real_settings(llama, max_tokens=768, max_attempts=2)
    options = ModelOptions(cache_dir=tmp_path, examples=False)
    with ModelExtractor(settings, options) as model:
        outcome = model.ask(doc, layout, Request("narrative", chunk))
    assert outcome.calls >= 1 and outcome.prompt_tokens > 0
    if outcome.failed:  # a typed failure naming the span is an acceptable end, not a crash
        (failed,) = outcome.failed
        assert (
            failed.kind in ("invalid_output", "truncated") and failed.span.end > failed.span.start
        )
        pytest.skip(f"the 270M model gave no valid answer: {failed.kind}")
    ((req, answer),) = outcome.answers
    piece = ground(doc, layout, req, answer)
    returned = len(answer.facts) + len(answer.sections)
    dropped = [u for u in piece.ungrounded if u.path.startswith(("facts", "sections"))]
    assert len(piece.facts) + len(piece.sections) + len(dropped) == returned
    assert all(u.reason for u in piece.ungrounded)

    report, _ = merge_pieces([piece])
    report = Report.model_validate(report.model_dump(mode="json"))  # schema-valid
    assert report.check_spans(doc.original) == []
    assert grounded_share(report, doc.original) == 1.0
    for _, value in iter_grounded(report):
        assert value.span is not None
        lo, hi = doc.original_span(chunk.start, chunk.end)
        assert lo <= value.span.start and value.span.end <= hi  # inside the chunk it was sent


def test_the_real_model_drafts_a_section_and_the_verifier_judges_it(llama):
    """A 总体评价 drafted by the real model: whatever it writes, each number is either matched
    to a figure of the data or listed as unverified with its sentence, and a draft with an
    unverified number is rejected, not returned as good."""
    from pipeline.draft import draft_section
    from pipeline.draft.figures import draft_facts
    from pipeline.stages import process

    report = process("fixtures/raw/hengyang-2021.txt").report
    facts = draft_facts(report)
    with ModelClient(real_settings(llama, max_tokens=600, max_attempts=2)) as client:
        d = draft_section(report, "summary", backend="llm", client=client, facts=facts)
    assert d.status in ("verified", "rejected", "failed"), d.status
    if d.status == "failed":
        pytest.skip(f"the 270M model gave no valid answer: {d.notes}")
    v = d.verification
    assert d.text.strip()
    assert v.verified + len(v.unverified) == v.total
    assert (d.status == "verified") == (not v.unverified)
    known = {id(f) for f in facts.figures()}
    for n in v.numbers:
        if n.verified:
            assert id(n.figure) in known
        else:
            assert n.sentence and n.text in d.text
