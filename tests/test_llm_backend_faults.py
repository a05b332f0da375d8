"""Faults on the model path, end to end: each ends in a correct Report or in a failed span the
Report names, within a bounded time, with the number of requests asserted from the server's
log.  The document is one narrative chunk, so the backend asks two questions in order
(narrative, then meta) at concurrency 1, and the script answers them step by step.
"""

from __future__ import annotations

import time

import pytest
from servers.scripted import (
    disconnect,
    hang,
    malformed,
    rate_limited,
    reply,
    schema_invalid,
    scripted_servers,
    server_error,
    truncated,
)

from pipeline.document import Document
from pipeline.layout import analyze
from pipeline.llm.backend import MAX_SPLITS, ModelExtractor, ModelOptions
from pipeline.llm.prompts import chunk_from_message
from pipeline.llm.settings import LLMSettings

TEXT = (
    "一、部门收支情况\n"
    "本年收入总计999.38万元，其中财政拨款900.00万元。\n"
    "二、预算执行情况\n"
    "全年执行数961.44万元，预算执行率96.2%。\n"
)
NARRATIVE = {
    "facts": [
        {"label": "本年收入总计", "raw": "999.38", "unit": "万元"},
        {"label": "财政拨款", "raw": "900.00", "unit": "万元"},
        {"label": "全年执行数", "raw": "961.44", "unit": "万元"},
    ],
    "sections": [{"heading": "一、部门收支情况", "level": 1, "kind": "budget_overview"}],
}
META = {"unit_name": None, "fiscal_year": None}


@pytest.fixture
def doc() -> Document:
    return Document.from_text(
        TEXT, path="faults.txt", format="txt", encoding="utf-8", raw_bytes=TEXT.encode()
    )


@pytest.fixture
def scripted():
    with scripted_servers() as start:
        yield start


def extract(server, doc, **settings):
    base = dict(
        base_url=server.base_url,
        model="scripted",
        concurrency=1,
        max_attempts=3,
        timeout_s=1.0,
        deadline_s=20.0,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
    )
    base.update(settings)
    options = ModelOptions(use_cache=False, examples=False)
    started = time.monotonic()
    with ModelExtractor(LLMSettings(**base), options) as model:
        report = model.extract(doc, analyze(doc.normalized))
    return report, time.monotonic() - started


def raws(report) -> list[str]:
    return [f.quantity.raw for f in report.facts]


def test_a_clean_run(scripted, doc):
    server = scripted([reply(NARRATIVE), reply(META)])
    report, _ = extract(server, doc)
    assert raws(report) == ["999.38", "900.00", "961.44"]
    assert [s.heading.raw for s in report.sections] == ["一、部门收支情况"]
    assert report.provenance.failed == [] and report.provenance.ungrounded == []
    assert report.provenance.usage.calls == 2 == len(server.chat_requests)
    for f in report.facts:  # spans into the original text, raw as written there
        assert TEXT[f.quantity.span.start : f.quantity.span.end] == f.quantity.raw


def test_rate_limit_waits_what_retry_after_says(scripted, doc):
    server = scripted([rate_limited(retry_after=0.4), reply(NARRATIVE), reply(META)])
    report, seconds = extract(server, doc)
    assert raws(report) == ["999.38", "900.00", "961.44"]
    assert len(server.chat_requests) == 3 and report.provenance.usage.calls == 3
    gap = server.chat_requests[1].received_at - server.chat_requests[0].received_at
    assert gap >= 0.4
    assert seconds < 10


def test_server_errors_until_the_attempts_run_out_name_the_span(scripted, doc):
    server = scripted([server_error(500)] * 3 + [reply(META)])
    report, seconds = extract(server, doc)
    (failed,) = report.provenance.failed
    assert failed.kind == "server_error" and failed.attempts == 3
    # the chunk's own part of the source: the whole text but its final newline
    assert (failed.span.start, failed.span.end) == (0, len(TEXT.rstrip("\n")))
    assert report.facts == [] and report.sections == []
    assert len(server.chat_requests) == 4
    assert seconds < 10


def test_a_hang_past_the_timeout_is_retried_then_reported(scripted, doc):
    server = scripted([hang(3.0)] * 2 + [reply(META)])
    report, seconds = extract(server, doc, timeout_s=0.3, max_attempts=2)
    (failed,) = report.provenance.failed
    assert failed.kind == "timeout" and failed.attempts == 2
    assert len(server.chat_requests) == 3
    assert seconds < 5  # two timeouts of 0.3 s and the meta answer, not two hangs of 3 s


def test_malformed_body_and_dropped_connection_are_retried(scripted, doc):
    server = scripted([malformed(), disconnect(), reply(NARRATIVE), reply(META)])
    report, _ = extract(server, doc)
    assert raws(report) == ["999.38", "900.00", "961.44"]
    assert len(server.chat_requests) == 4 and report.provenance.failed == []


def test_schema_invalid_answer_is_asked_again_with_the_error(scripted, doc):
    bad = {"facts": [{"label": "本年收入总计", "raw": "九百九十九", "unit": "万元"}]}
    server = scripted([schema_invalid(bad), reply(NARRATIVE), reply(META)])
    report, _ = extract(server, doc)
    assert raws(report) == ["999.38", "900.00", "961.44"]
    assert len(server.chat_requests) == 3
    reask = str(server.chat_requests[1].messages)
    assert "must be a number copied from the text" in reask


def test_a_truncated_answer_splits_the_chunk(scripted, doc):
    first = {"facts": [NARRATIVE["facts"][0], NARRATIVE["facts"][1]], "sections": []}
    second = {"facts": [NARRATIVE["facts"][2]], "sections": []}
    server = scripted([truncated(), reply(first), reply(second), reply(META)])
    report, _ = extract(server, doc)
    assert raws(report) == ["999.38", "900.00", "961.44"]
    assert report.provenance.failed == []
    whole, a, b = (chunk_from_message(r.messages[-1]["content"]) for r in server.chat_requests[:3])
    assert a and b and a + b == whole  # two halves of the chunk, in order, nothing repeated
    assert report.provenance.usage.calls == 4


def test_a_chunk_truncated_at_every_size_is_reported_piece_by_piece(scripted, doc):
    server = scripted([truncated()] * 40)  # the meta question is cut as well
    report, seconds = extract(server, doc)
    assert all(f.kind == "truncated" and f.attempts == 1 for f in report.provenance.failed)
    failed = [f for f in report.provenance.failed if f.message.startswith("narrative:")]
    covered = sorted((f.span.start, f.span.end) for f in failed)
    assert covered[0][0] == 0 and covered[-1][1] == len(TEXT.rstrip("\n"))
    for (_, e), (s, _) in zip(covered, covered[1:], strict=False):
        assert e == s  # the failed pieces tile the chunk
    assert len(failed) <= 2**MAX_SPLITS
    assert seconds < 10


def test_what_the_model_invents_is_listed_not_kept(scripted, doc):
    invented = {
        "facts": [
            NARRATIVE["facts"][0],
            {"label": "本年支出合计", "raw": "12345.67", "unit": "万元"},
            {"label": "财政拨款", "raw": "900.01", "unit": "万元"},  # one digit off
        ]
    }
    server = scripted([reply(invented), reply({**META, "fiscal_year": "2031"})])
    report, _ = extract(server, doc)
    assert raws(report) == ["999.38"]
    dropped = {u.raw: u for u in report.provenance.ungrounded}
    assert set(dropped) == {"12345.67", "900.01", "2031"}
    assert dropped["900.01"].anchor == "财政拨款"
    assert report.meta.fiscal_year is None
