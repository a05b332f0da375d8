"""A scripted OpenAI-compatible server for tests: real HTTP on 127.0.0.1, an ephemeral port.

It plays a script, one step per ``POST /v1/chat/completions``: a chat completion whose content
(or, when the request offers tools, whose tool-call arguments) the test chose, or a fault — a
status code with headers (429 with ``Retry-After``, 500, 400 …), a hang past the client's
timeout, a body that is not JSON, a dropped connection, a ``finish_reason: "length"`` answer.
``GET /v1/models`` lists the one model.  Every request is recorded (method, path, headers,
parsed body, arrival time) so tests assert on what the client really sent and how often.

Use ``scripted_servers()`` as a fixture factory: it yields a function that starts a server
for a script and stops every server it started on exit::

    @pytest.fixture
    def scripted():
        with scripted_servers() as start:
            yield start

    def test_x(scripted):
        server = scripted([reply({"a": 1})])
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"


@dataclass(frozen=True)
class Step:
    """One scripted answer.  Build steps with the helpers below rather than by hand.

    kind: "reply" (a chat completion), "status" (an error status with a JSON body),
    "hang" (sleep ``hang_s`` before answering, so the client times out first),
    "malformed" (200 with a body that is not JSON), "disconnect" (close without answering).
    """

    kind: str
    content: Any = None
    finish_reason: str | None = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = None
    hang_s: float = 0.0
    latency_s: float = 0.0
    usage: tuple[int, int] | None = None
    echo_authorization: bool = False


def reply(
    content: Any,
    *,
    finish_reason: str | None = None,
    latency_s: float = 0.0,
    usage: tuple[int, int] | None = None,
) -> Step:
    """A chat completion.  ``content`` (a dict/list is sent as JSON text) becomes the message
    content, or the arguments of a call to the first offered tool when the request has tools.
    ``finish_reason`` defaults to "stop" ("tool_calls" for a tool call); ``usage`` is
    (prompt_tokens, completion_tokens), estimated from the sizes when not given."""
    return Step(
        "reply", content=content, finish_reason=finish_reason, latency_s=latency_s, usage=usage
    )


def schema_invalid(content: Any, **kwargs: Any) -> Step:
    """A well-formed completion whose content does not match the caller's schema (same as
    ``reply``; the name says what the test means)."""
    return reply(content, **kwargs)


def truncated(partial: str = '{"label": "预算', **kwargs: Any) -> Step:
    """A completion cut off by the token limit: ``finish_reason: "length"``."""
    return reply(partial, finish_reason="length", **kwargs)


def status(
    code: int,
    message: str = "scripted error",
    *,
    headers: dict[str, str] | None = None,
    latency_s: float = 0.0,
    echo_authorization: bool = False,
) -> Step:
    """An error status with an OpenAI-style JSON error body.  ``echo_authorization`` copies the
    request's Authorization header into the message, like a careless proxy would."""
    body = {"error": {"message": message, "type": "scripted", "code": str(code)}}
    return Step(
        "status",
        status=code,
        headers=tuple((headers or {}).items()),
        body=body,
        latency_s=latency_s,
        echo_authorization=echo_authorization,
    )


def rate_limited(retry_after: float | str | None = 0.2, **kwargs: Any) -> Step:
    """429, with ``Retry-After: <seconds>`` unless ``retry_after`` is None."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return status(429, "rate limited (scripted)", headers=headers, **kwargs)


def server_error(code: int = 500, **kwargs: Any) -> Step:
    return status(code, "internal error (scripted)", **kwargs)


def hang(seconds: float = 5.0) -> Step:
    """Say nothing for ``seconds`` (longer than the client's timeout), then close.  The sleep
    ends early when the server stops, so a test never waits for it."""
    return Step("hang", hang_s=seconds)


def malformed(body: str = '{"id": "chatcmpl-broken", "choices": [', **kwargs: Any) -> Step:
    """200 with ``Content-Type: application/json`` and a body that is not JSON."""
    return Step("malformed", body=body, **kwargs)


def disconnect() -> Step:
    """Read the request, then close the connection without a response."""
    return Step("disconnect")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any
    raw: bytes
    received_at: float  # time.monotonic()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])


@dataclass
class ScriptedServer:
    """The server, its script and its request log.  ``start()``/``stop()``, or use
    ``scripted_servers()``."""

    script: list[Step]
    model: str = "scripted-model"
    requests: list[RecordedRequest] = field(default_factory=list)
    max_in_flight: int = 0
    exhausted: int = 0  # chat requests that arrived after the script ran out
    responder: Callable[[dict[str, Any]], Step] | None = None
    """Answers every request once the script has run out (oracle servers use it)."""
    latency_s: float = 0.0
    """Added before every answer (benchmarks inject model latency with it)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> ScriptedServer:
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- what the tests read --------------------------------------------------------------------

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == CHAT_PATH]

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self.script)

    # -- used by the handler --------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_step(self, body: dict[str, Any]) -> Step | None:
        with self._lock:
            if self.script:
                return self.script.pop(0)
            if self.responder is None:
                self.exhausted += 1
                return None
        return self.responder(body)

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _completion(step: Step, request_body: dict[str, Any], model: str, n: int) -> dict[str, Any]:
    content = step.content
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    tools = request_body.get("tools") or []
    message: dict[str, Any] = {"role": "assistant", "content": text}
    finish = step.finish_reason or "stop"
    if tools:
        name = tools[0].get("function", {}).get("name", "tool")
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_scripted_{n}",
                    "type": "function",
                    "function": {"name": name, "arguments": text},
                }
            ],
        }
        finish = step.finish_reason or "tool_calls"
    if step.usage is not None:
        prompt_tokens, completion_tokens = step.usage
    else:
        prompt_tokens = max(1, len(json.dumps(request_body.get("messages", []))) // 4)
        completion_tokens = max(1, len(text) // 4)
    return {
        "id": f"chatcmpl-scripted-{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request_body.get("model") or model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY: the headers and the body go out as separate writes, and with Nagle's
        # algorithm the body waits for the client's delayed ACK (~40 ms a call on loopback),
        # which the model-path benchmark would count as the pipeline's
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # quiet: the request log is the record

        def _read(self) -> tuple[bytes, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            server._record(
                RecordedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    raw=raw,
                    received_at=time.monotonic(),
                )
            )
            return raw, body

        def _send(
            self,
            code: int,
            payload: bytes,
            headers: Sequence[tuple[str, str]] = (),
            content_type: str = "application/json",
        ) -> None:
            try:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                self.close_connection = True  # the client gave up (timed out); nothing to do

        def _json(self, code: int, obj: Any, headers: Sequence[tuple[str, str]] = ()) -> None:
            self._send(code, json.dumps(obj, ensure_ascii=False).encode("utf-8"), headers)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._read()
            if self.path.rstrip("/") == MODELS_PATH:
                self._json(
                    200,
                    {
                        "object": "list",
                        "data": [{"id": server.model, "object": "model", "owned_by": "scripted"}],
                    },
                )
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            _, body = self._read()
            if self.path != CHAT_PATH:
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            server._enter()
            try:
                self._play(body if isinstance(body, dict) else {})
            finally:
                server._leave()

        def _play(self, body: dict[str, Any]) -> None:
            step = server._next_step(body)
            if step is None:
                self._json(500, {"error": {"message": "scripted server: script exhausted"}})
                return
            server._sleep(server.latency_s + step.latency_s)
            n = len(server.chat_requests)
            if step.kind == "reply":
                self._json(200, _completion(step, body, server.model, n))
            elif step.kind == "status":
                payload = step.body
                if step.echo_authorization:
                    payload = json.loads(json.dumps(payload))
                    payload["error"]["message"] += (
                        f" (you sent Authorization: {self.headers.get('Authorization')})"
                    )
                self._json(step.status, payload, step.headers)
            elif step.kind == "malformed":
                self._send(200, str(step.body).encode("utf-8"))
            elif step.kind == "hang":
                server._sleep(step.hang_s)
                self.close_connection = True
            elif step.kind == "disconnect":
                self.close_connection = True
            else:  # pragma: no cover - a mistake in a test's script
                self._json(500, {"error": {"message": f"unknown step kind {step.kind!r}"}})

    return Handler


@contextmanager
def scripted_servers() -> Iterator[Callable[..., ScriptedServer]]:
    """Fixture factory: yields ``start(script, **options) -> ScriptedServer`` (started), and
    stops every server it started when the block ends."""
    started: list[ScriptedServer] = []

    def start(script: Sequence[Step] = (), **options: Any) -> ScriptedServer:
        server = ScriptedServer(list(script), **options).start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
