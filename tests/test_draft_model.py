"""Model drafts against the scripted server: a good draft is accepted at once; a draft with a
wrong number is sent back naming it, and the corrected one accepted; a draft that never
corrects itself is rejected, with its unverified numbers listed."""

from __future__ import annotations

import pytest
from servers.scripted import reply, scripted_servers

from pipeline.draft import draft_section
from pipeline.draft.figures import draft_facts
from pipeline.draft.model import RETRIES, payload, style_example
from pipeline.llm.client import ModelClient
from pipeline.llm.settings import LLMSettings
from pipeline.stages import process

SEED = "fixtures/raw/hengyang-2021.txt"
# from the source: 年度资金总额 全年预算数 999.38, 全年执行数 961.44, 执行率 96%, 总分 91 / 100
GOOD = "2021年度，本局全年预算数999.38万元，全年执行数961.44万元，预算执行率96%，自评得分91分。"
WRONG = "2021年度，本局全年预算数999.38万元，全年执行数961.45万元，预算执行率97%。"


@pytest.fixture(scope="module")
def report():
    return process(SEED).report


@pytest.fixture
def scripted():
    with scripted_servers() as start:
        yield start


def _client(server) -> ModelClient:
    return ModelClient(
        LLMSettings(base_url=server.base_url, model="scripted", max_attempts=1, timeout_s=5)
    )


def test_a_good_draft_is_accepted_at_once(scripted, report):
    server = scripted([reply({"text": GOOD})])
    with _client(server) as client:
        d = draft_section(report, "summary", backend="llm", client=client)
    assert d.status == "verified" and d.attempts == 1
    assert d.verification.share == 1.0 and d.verification.total == 5
    assert d.text.strip() == GOOD
    (request,) = server.chat_requests
    data = request.messages[-1]["content"]
    assert "999.38万元" in data and "961.44万元" in data  # the figures go as data


def test_a_wrong_number_is_named_and_the_corrected_draft_accepted(scripted, report):
    server = scripted([reply({"text": WRONG}), reply({"text": GOOD})])
    with _client(server) as client:
        d = draft_section(report, "summary", backend="llm", client=client)
    assert d.status == "verified" and d.attempts == 2
    assert len(server.chat_requests) == 2
    feedback = server.chat_requests[1].messages[-1]["content"]
    assert "961.45万元" in feedback and "97%" in feedback
    named = [line.split("（")[0] for line in feedback.splitlines() if line.startswith("- ")]
    assert named == ["- 961.45万元", "- 97%"]  # only the offending numbers are named
    assert any("961.45" in note for note in d.notes)


def test_a_draft_that_never_corrects_itself_is_rejected(scripted, report):
    server = scripted([reply({"text": WRONG})] * (RETRIES + 1))
    with _client(server) as client:
        d = draft_section(report, "summary", backend="llm", client=client)
    assert d.status == "rejected" and not d.ok
    assert d.attempts == RETRIES + 1 == len(server.chat_requests)
    assert {n.text for n in d.verification.unverified} == {"961.45万元", "97%"}
    assert d.verification.share == pytest.approx(2 / 4)
    for n in d.verification.unverified:
        assert n.sentence and n.text.rstrip("万元%") in n.sentence


def test_a_failed_call_is_a_failed_draft_not_an_exception(scripted, report):
    from servers.scripted import server_error

    server = scripted([server_error(500)])
    with _client(server) as client:
        d = draft_section(report, "budget", backend="llm", client=client)
    assert d.status == "failed" and d.text == "" and d.notes


def test_the_data_sent_holds_only_figures_the_verifier_knows(report):
    """Whatever the model copies from its data must verify: every number in the payload."""
    import json

    from pipeline.draft.verify import verify

    facts = draft_facts(report)
    for kind in ("budget", "indicators", "problems", "summary"):
        text = json.dumps(payload(facts, kind), ensure_ascii=False)
        v = verify(text, facts.figures())
        assert v.ok, (kind, [(n.text, n.sentence[:60]) for n in v.unverified])


def test_style_examples_come_from_other_documents(report):
    for kind in ("budget", "indicators", "problems", "summary"):
        example = style_example(kind, report.doc_id)
        if example is None:
            continue
        own = open(SEED, encoding="utf-8-sig").read()
        assert example[:40] not in " ".join(own.split())
