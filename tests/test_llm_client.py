"""ModelClient against a scripted OpenAI-compatible server over real HTTP on 127.0.0.1.

Each fault ends in the right answer or the right typed error, within a bounded time, after the
number of requests the server's log shows.  Backoffs and timeouts are made small so the file
runs in a few seconds.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import pairwise

import httpx2
import pytest
from pydantic import BaseModel
from servers.scripted import (
    disconnect,
    hang,
    malformed,
    rate_limited,
    reply,
    schema_invalid,
    scripted_servers,
    server_error,
    status,
    truncated,
)

from pipeline.errors import PipelineError
from pipeline.llm.client import ModelCallError, ModelClient, Usage, _retry_after
from pipeline.llm.settings import LLMSettings, ModelConfigError

KEY = "sk-test-DO-NOT-LEAK-7f3a9c1e5b"
MESSAGES = [
    {"role": "system", "content": "Extract the figure."},
    {"role": "user", "content": "项目资金 120 万元"},
]


class Figure(BaseModel):
    label: str
    amount: int


GOOD = {"label": "项目资金", "amount": 120}


@pytest.fixture
def scripted():
    with scripted_servers() as start:
        yield start


@pytest.fixture
def client_for():
    """``client_for(server, **settings)``: a ModelClient on the server with small limits."""
    clients: list[ModelClient] = []

    def make(server, *, environ=None, **overrides) -> ModelClient:
        values = dict(
            base_url=server.base_url,
            model="scripted-model",
            timeout_s=0.5,
            deadline_s=5.0,
            max_attempts=3,
            backoff_initial_s=0.02,
            backoff_max_s=0.1,
        )
        values.update(overrides)
        client = ModelClient(
            LLMSettings(**values), environ={"OPENAI_API_KEY": KEY} if environ is None else environ
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def call(client: ModelClient, **kwargs):
    """(result or error, elapsed seconds)."""
    started = time.monotonic()
    try:
        outcome = client.complete(MESSAGES, Figure, **kwargs)
    except ModelCallError as exc:
        outcome = exc
    return outcome, time.monotonic() - started


# -- the happy path and what is sent ----------------------------------------------------------


def test_answer_parsed_and_request_carries_the_settings(scripted, client_for):
    server = scripted([reply(GOOD, usage=(31, 7))])
    client = client_for(server, max_tokens=256)
    (figure, usage), elapsed = call(client)
    assert figure == Figure(**GOOD)
    assert usage == Usage(
        calls=1,
        attempts=1,
        prompt_tokens=31,
        completion_tokens=7,
        seconds=usage.seconds,
        transport_retries=0,
        validation_retries=0,
    )
    assert 0 < usage.seconds < 2 and elapsed < 2
    (request,) = server.chat_requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["model"] == "scripted-model"
    assert body["temperature"] == 0
    assert body["max_tokens"] == 256
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Figure"
    assert set(body["response_format"]["json_schema"]["schema"]["properties"]) == {
        "label",
        "amount",
    }
    assert body["messages"] == MESSAGES


def test_unset_optional_parameters_are_not_sent(scripted):
    server = scripted([reply(GOOD)])
    env = {
        "OPENAI_BASE_URL": server.base_url,
        "PIPELINE_LLM_MODEL": "m",
        "PIPELINE_LLM_TEMPERATURE": "none",
        "PIPELINE_LLM_MAX_TOKENS": "None",
    }
    settings = LLMSettings.from_env(env)
    assert (settings.temperature, settings.max_tokens) == (None, None)
    with ModelClient(settings, environ=env) as client:
        client.complete(MESSAGES, Figure)
    body = server.chat_requests[0].body
    assert "temperature" not in body and "max_tokens" not in body
    with pytest.raises(RuntimeError, match="closed"):
        client.complete(MESSAGES, Figure)


def test_tools_mode_reads_the_tool_call_arguments(scripted, client_for):
    server = scripted([reply(GOOD)])
    (figure, usage), _ = call(client_for(server, mode="tools"))
    assert figure == Figure(**GOOD) and usage.attempts == 1
    body = server.chat_requests[0].body
    assert body["tools"][0]["function"]["name"] == "Figure"
    assert body["tool_choice"]["function"]["name"] == "Figure"
    assert "response_format" not in body


def test_md_json_mode_reads_a_fenced_answer(scripted, client_for):
    server = scripted([reply('Here it is:\n```json\n{"label": "项目资金", "amount": 120}\n```')])
    (figure, _), _ = call(client_for(server, mode="md_json"))
    assert figure == Figure(**GOOD)
    body = server.chat_requests[0].body
    assert "response_format" not in body and "tools" not in body
    assert "json_schema" in body["messages"][0]["content"]  # the schema travels in the prompt


def test_usage_adds_up():
    a = Usage(calls=1, attempts=2, prompt_tokens=10, completion_tokens=3, seconds=0.5)
    b = Usage(calls=1, attempts=1, prompt_tokens=5, completion_tokens=2, seconds=0.25)
    assert a + b == Usage(calls=2, attempts=3, prompt_tokens=15, completion_tokens=5, seconds=0.75)


# -- transport faults ---------------------------------------------------------------------------


def test_429_waits_what_retry_after_says_then_succeeds(scripted, client_for):
    server = scripted([rate_limited(0.2), reply(GOOD)])
    (figure, usage), elapsed = call(client_for(server))
    assert figure == Figure(**GOOD)
    first, second = server.chat_requests
    assert second.received_at - first.received_at >= 0.2  # the header, not the 0.02 s backoff
    assert elapsed < 1.5
    assert (usage.attempts, usage.transport_retries) == (2, 1)


def test_429_without_retry_after_backs_off_then_gives_up(scripted, client_for):
    server = scripted([rate_limited(None)] * 3 + [reply(GOOD)])
    error, elapsed = call(client_for(server, max_attempts=3))
    assert isinstance(error, ModelCallError) and isinstance(error, PipelineError)
    assert (error.kind, error.attempts, error.status) == ("rate_limited", 3, 429)
    assert len(server.chat_requests) == 3 and server.remaining == 1
    gaps = [b.received_at - a.received_at for a, b in pairwise(server.chat_requests)]
    assert all(gap >= 0.01 for gap in gaps)  # at least half the backoff ceiling (equal jitter)
    assert elapsed < 1.5


def test_retry_after_beyond_the_deadline_is_not_waited(scripted, client_for):
    server = scripted([rate_limited(30), reply(GOOD)])
    error, elapsed = call(client_for(server, deadline_s=1.0))
    assert (error.kind, error.attempts) == ("rate_limited", 1)
    assert "deadline" in error.detail
    assert elapsed < 0.5


@pytest.mark.parametrize("code", [408, 500, 502, 503])
def test_retryable_status_then_success(scripted, client_for, code):
    server = scripted([status(code), reply(GOOD)])
    (figure, usage), elapsed = call(client_for(server))
    assert figure == Figure(**GOOD)
    assert len(server.chat_requests) == usage.attempts == 2
    assert elapsed < 1.5


def test_server_errors_until_max_attempts(scripted, client_for):
    server = scripted([server_error(500)] * 4 + [reply(GOOD)])
    error, elapsed = call(client_for(server, max_attempts=4))
    assert (error.kind, error.attempts, error.status) == ("server_error", 4, 500)
    assert len(server.chat_requests) == 4
    assert error.usage is not None and error.usage.transport_retries == 3
    assert elapsed < 1.5


def test_hang_times_out_then_the_retry_succeeds(scripted, client_for):
    server = scripted([hang(5), reply(GOOD)])
    (figure, usage), elapsed = call(client_for(server, timeout_s=0.3))
    assert figure == Figure(**GOOD)
    assert len(server.chat_requests) == usage.attempts == 2
    assert 0.3 <= elapsed < 1.5


def test_hangs_stop_at_the_total_deadline(scripted, client_for):
    server = scripted([hang(5)] * 10)
    error, elapsed = call(client_for(server, timeout_s=0.4, deadline_s=1.0, max_attempts=10))
    assert error.kind == "timeout"
    assert "deadline of 1 s" in error.detail
    assert 2 <= error.attempts <= 3 and error.attempts == len(server.chat_requests)
    assert 0.9 <= elapsed < 1.5  # each request's timeout is cut to the time left


def test_malformed_json_body_then_good_succeeds_in_two_attempts(scripted, client_for):
    server = scripted([malformed(), reply(GOOD)])
    (figure, usage), elapsed = call(client_for(server))
    assert figure == Figure(**GOOD)
    assert len(server.chat_requests) == usage.attempts == 2
    # a broken body is a transport fault: the same request again, no re-ask
    assert (usage.transport_retries, usage.validation_retries) == (1, 0)
    assert server.chat_requests[1].messages == MESSAGES
    assert elapsed < 1.5


def test_dropped_connection_then_good(scripted, client_for):
    server = scripted([disconnect(), reply(GOOD)])
    (figure, usage), elapsed = call(client_for(server))
    assert figure == Figure(**GOOD)
    assert len(server.chat_requests) == usage.attempts == 2
    assert elapsed < 1.5


def test_connection_refused_is_a_connection_error(scripted, client_for):
    server = scripted([])
    client = client_for(server)
    server.stop()
    error, elapsed = call(client)
    assert (error.kind, error.attempts) == ("connection", 3)
    assert elapsed < 1.5


# -- answers that do not fit ------------------------------------------------------------------


def test_schema_invalid_then_valid_feeds_the_error_back(scripted, client_for):
    server = scripted([schema_invalid({"label": "项目资金", "amount": "一百二十"}), reply(GOOD)])
    (figure, usage), elapsed = call(client_for(server))
    assert figure == Figure(**GOOD)
    first, second = server.chat_requests
    assert (usage.attempts, usage.validation_retries, usage.transport_retries) == (2, 1, 0)
    assert first.messages == MESSAGES
    reask = second.messages[len(MESSAGES) :]
    assert reask[0]["role"] == "assistant" and "一百二十" in reask[0]["content"]
    assert reask[-1]["role"] == "user"
    assert "amount" in reask[-1]["content"]
    assert "Input should be a valid integer" in reask[-1]["content"]
    assert elapsed < 1.5


@pytest.mark.parametrize("mode", ["json_schema", "tools", "md_json"])
@pytest.mark.parametrize("retries", [0, 2])
def test_always_invalid_ends_in_invalid_output(scripted, client_for, mode, retries):
    server = scripted([schema_invalid({"label": "项目资金"})] * 4)
    error, elapsed = call(client_for(server, mode=mode), max_validation_retries=retries)
    assert error.kind == "invalid_output"
    assert error.attempts == len(server.chat_requests) == 1 + retries
    assert "amount" in error.detail and "Field required" in error.detail
    assert elapsed < 1.5


@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_finish_reason_length_is_truncated_without_retry(scripted, client_for, mode):
    server = scripted([truncated(), reply(GOOD)])
    error, elapsed = call(client_for(server, mode=mode))
    assert (error.kind, error.attempts) == ("truncated", 1)
    assert len(server.chat_requests) == 1 and server.remaining == 1
    assert error.usage is not None and error.usage.completion_tokens > 0
    assert elapsed < 1.0


@pytest.mark.parametrize("code", [400, 401, 404, 422])
def test_client_errors_are_not_retried(scripted, client_for, code):
    server = scripted([status(code, "model does not support response_format"), reply(GOOD)])
    error, elapsed = call(client_for(server))
    assert (error.kind, error.attempts, error.status) == ("bad_request", 1, code)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.attempts, copy.status, str(copy)) == (
        "bad_request",
        1,
        code,
        str(error),
    )
    assert "response_format" in error.detail
    assert len(server.chat_requests) == 1
    assert elapsed < 1.0


# -- the key -------------------------------------------------------------------------------------


def test_key_is_read_from_the_named_variable_when_the_client_is_built(
    scripted, client_for, monkeypatch
):
    settings = LLMSettings.from_env({"PIPELINE_LLM_API_KEY_ENV": "DEEPSEEK_KEY"})
    assert settings.api_key_env == "DEEPSEEK_KEY"
    monkeypatch.setenv("DEEPSEEK_KEY", "sk-deepseek-123")  # set after the settings exist
    server = scripted([reply(GOOD), reply(GOOD)])
    client = ModelClient(settings.model_copy(update={"base_url": server.base_url, "model": "m"}))
    try:
        client.complete(MESSAGES, Figure)
    finally:
        client.close()
    assert server.chat_requests[0].headers["authorization"] == "Bearer sk-deepseek-123"
    call(client_for(server, environ={}))  # no key at all: a placeholder, for local servers
    assert server.chat_requests[1].headers["authorization"] == "Bearer no-key"


def test_key_never_appears_in_settings_errors_or_logs(scripted, client_for, caplog, monkeypatch):
    # `pipeline.cli.main`, run in process by the CLI tests, quiets instructor's logger
    monkeypatch.setattr(logging.getLogger("instructor"), "level", logging.NOTSET)
    caplog.set_level(logging.DEBUG)  # after: this clears the loggers' cached levels
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = LLMSettings.from_env(
        {
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
            "PIPELINE_LLM_MODEL": "m",
        }
    )
    for text in (
        repr(settings),
        str(settings),
        str(settings.model_dump()),
        settings.model_dump_json(),
    ):
        assert KEY not in text

    # a careless server that echoes the Authorization header in its error bodies
    server = scripted(
        [
            rate_limited(0.01, echo_authorization=True),
            status(401, "invalid key", echo_authorization=True),
        ]
    )
    client = client_for(server, environ=None)
    assert KEY not in repr(client)
    error, _ = call(client)
    assert error.kind == "bad_request" and error.attempts == 2
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    rendered = [str(error), repr(error), error.detail, "".join(traceback.format_exception(error))]
    for text in rendered:
        assert KEY not in text
    assert "[redacted]" in error.detail  # the echo was there, and was cut out

    records = caplog.records
    assert any("[redacted]" in record.getMessage() for record in records)  # instructor logs bodies
    for record in records:
        assert KEY not in record.getMessage()
        assert KEY not in (record.exc_text or "")
    assert KEY not in caplog.text


def test_settings_refuse_a_key_where_a_variable_name_belongs():
    with pytest.raises(ModelConfigError) as info:
        LLMSettings.from_env({"PIPELINE_LLM_API_KEY_ENV": KEY})
    assert "PIPELINE_LLM_API_KEY_ENV" in str(info.value)
    assert KEY not in str(info.value)


# -- settings ----------------------------------------------------------------------------------


def test_settings_from_env(caplog):
    env = {
        "OPENAI_BASE_URL": "https://api.example.com/v1/",
        "OPENAI_API_KEY": KEY,
        "PIPELINE_LLM_MODEL": "qwen-plus",
        "PIPELINE_LLM_MODE": "TOOLS",
        "PIPELINE_LLM_TIMEOUT_S": "2.5",
        "PIPELINE_LLM_MAX_ATTEMPTS": "7",
        "PIPELINE_LLM_API_KEY": KEY,  # not a setting: ignored, named in a warning
    }
    with caplog.at_level(logging.WARNING):
        settings = LLMSettings.from_env(env)
    assert settings.base_url == "https://api.example.com/v1"
    assert (settings.model, settings.mode, settings.timeout_s, settings.max_attempts) == (
        "qwen-plus",
        "tools",
        2.5,
        7,
    )
    assert (settings.temperature, settings.api_key_env) == (0.0, "OPENAI_API_KEY")
    assert settings.configured
    assert settings.api_key(env) == KEY
    assert "PIPELINE_LLM_API_KEY" in caplog.text and KEY not in caplog.text

    override = LLMSettings.from_env(
        {**env, "PIPELINE_LLM_BASE_URL": "http://127.0.0.1:8080/v1"}, deadline_s=9
    )
    assert override.base_url == "http://127.0.0.1:8080/v1" and override.deadline_s == 9

    bare = LLMSettings.from_env({})
    assert not bare.configured and bare.mode == "json_schema"
    assert not LLMSettings.from_env({"OPENAI_BASE_URL": "http://x/v1"}).configured
    with pytest.raises(ModelConfigError, match="no model configured"):
        ModelClient(bare)


def test_bad_setting_names_the_variable():
    with pytest.raises(ModelConfigError) as info:
        LLMSettings.from_env({"PIPELINE_LLM_TIMEOUT_S": "soon", "PIPELINE_LLM_MODE": "json"})
    message = str(info.value)
    assert "PIPELINE_LLM_TIMEOUT_S" in message and "PIPELINE_LLM_MODE" in message


def test_retry_after_header_forms():
    assert _retry_after(httpx2.Headers({"retry-after-ms": "150"})) == pytest.approx(0.15)
    assert _retry_after(httpx2.Headers({"Retry-After": "2"})) == 2.0
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < _retry_after(httpx2.Headers({"Retry-After": when})) <= 30
    assert _retry_after(httpx2.Headers({})) is None


# -- concurrency and the server itself ---------------------------------------------------------


def test_concurrency_bounds_calls_in_flight(scripted, client_for):
    server = scripted([reply(GOOD, latency_s=0.15) for _ in range(4)])
    client = client_for(server, concurrency=2)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(call(client))) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(results) == 4 and all(isinstance(r[0], tuple) for r in results)
    assert server.max_in_flight == 2
    assert 0.3 <= time.monotonic() - started < 2


def test_scripted_server_lists_its_model_and_reports_an_exhausted_script(scripted):
    server = scripted([], model="gemma-3-270m")
    with httpx2.Client(base_url=server.base_url, timeout=2) as http:
        models = http.get("/models").json()
        assert [m["id"] for m in models["data"]] == ["gemma-3-270m"]
        response = http.post("/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 500 and "exhausted" in response.text
    assert server.exhausted == 1
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
    ]


def test_the_scripted_server_sends_without_nagle_delay():
    """Headers and body are two writes; without TCP_NODELAY the second waits for a delayed
    ACK (~40 ms a call), which benchmarks would count as the client's."""
    from servers.scripted import ScriptedServer, _make_handler

    assert _make_handler(ScriptedServer([])).disable_nagle_algorithm is True
