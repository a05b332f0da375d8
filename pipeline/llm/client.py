"""One structured call to an OpenAI-compatible model, with the retries each fault deserves.

``ModelClient(settings).complete(messages, ResponseModel)`` returns the validated pydantic object
and the call's ``Usage``, or raises ``ModelCallError`` with a ``kind`` the caller can act on:

- transport faults are retried with exponential backoff and jitter (429 waits what its
  ``Retry-After`` says instead), up to ``settings.max_attempts`` tries of the request:
  ``rate_limited`` (429), ``timeout`` (no answer within ``timeout_s``, or 408),
  ``server_error`` (5xx, or a body that is not JSON), ``connection`` (refused, reset);
- ``bad_request``: any other 4xx (401, 404, 400, 422 …), not retried: asking again will not help;
- ``invalid_output``: the answer did not validate against the schema after instructor fed the
  validation errors back ``max_validation_retries`` times;
- ``truncated``: ``finish_reason == "length"``, not retried: the caller splits the chunk.

The whole call, retries and waits included, stops at ``settings.deadline_s``: a wait that would
end past it is not started, and each request's timeout is cut to the time left.

How the parts fit: the ``openai`` client has ``max_retries=0``; ``instructor`` runs the loop
because its ``max_retries`` accepts a tenacity ``Retrying``; ours retries transport faults as
well as validation errors, each with its own count and wait.  A transport retry resends the
same request; a validation retry sends instructor's re-ask (the invalid answer and its errors).
The key is read from the environment variable the settings name when the client is built, and
is redacted from every error this module raises and from the log records of the libraries
involved.
"""

from __future__ import annotations

import contextvars
import email.utils
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx2
import instructor
import openai
from instructor.core import (
    Hooks,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception

from pipeline.errors import PipelineError
from pipeline.llm.settings import LLMSettings, ModelConfigError

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

ErrorKind = Literal[
    "rate_limited",
    "server_error",
    "timeout",
    "connection",
    "bad_request",
    "invalid_output",
    "truncated",
]
KINDS: tuple[str, ...] = ErrorKind.__args__  # type: ignore[attr-defined]

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "md_json": instructor.Mode.MD_JSON,
}
_NO_KEY = "no-key"  # sent when the key variable is unset: local servers ignore it
_REDACTED = "[redacted]"
_DETAIL_LIMIT = 500


class ModelCallError(PipelineError):
    """A model call that did not produce a valid answer.  ``kind`` says why (one of ``KINDS``),
    ``attempts`` how many HTTP requests were sent, ``detail`` the last fault (key redacted)."""

    def __init__(
        self,
        kind: ErrorKind,
        attempts: int,
        detail: str,
        *,
        status: int | None = None,
        usage: Usage | None = None,
    ):
        self.kind = kind
        self.attempts = attempts
        self.detail = detail
        self.status = status
        self.usage = usage
        super().__init__(f"model call failed ({kind}) after {attempts} attempt(s): {detail}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across worker processes
        return (
            type(self),
            (self.kind, self.attempts, self.detail),
            {"status": self.status, "usage": self.usage},
        )


@dataclass(frozen=True)
class Usage:
    """What calls cost.  Add them up per document: ``total = a + b``.

    calls: ``complete()`` calls; attempts: HTTP requests sent (first tries, transport retries
    and validation re-asks); tokens as the server reported them, failed answers included;
    seconds of wall time."""

    calls: int = 0
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    transport_retries: int = 0
    validation_retries: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            attempts=self.attempts + other.attempts,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            seconds=self.seconds + other.seconds,
            transport_retries=self.transport_retries + other.transport_retries,
            validation_retries=self.validation_retries + other.validation_retries,
        )


# -- keeping the key out of logs --------------------------------------------------------------


class _KeyRedactor(logging.Filter):
    """Rewrites log records that contain a live key.  A filter acts only on records created on
    the logger it is attached to, so it is attached to every existing logger of the libraries
    that can log request or error text (instructor logs each failed attempt's error message,
    which is the server's error body)."""

    PREFIXES = ("pipeline", "instructor", "openai", "httpx", "httpx2", "httpcore", "httpcore2")

    def __init__(self) -> None:
        super().__init__()
        self._keys: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._attached: set[str] = set()

    def add(self, key: str) -> None:
        with self._lock:
            self._keys[key] += 1
            names = [
                name
                for name, logger in logging.root.manager.loggerDict.items()
                if isinstance(logger, logging.Logger)
                and name.split(".")[0] in self.PREFIXES
                and name not in self._attached
            ]
            for name in [*self.PREFIXES, *names]:
                if name not in self._attached:
                    logging.getLogger(name).addFilter(self)
                    self._attached.add(name)

    def discard(self, key: str) -> None:
        with self._lock:
            self._keys[key] -= 1
            if self._keys[key] <= 0:
                del self._keys[key]

    def redact(self, text: str) -> str:
        for key in list(self._keys):
            text = text.replace(key, _REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._keys:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


_REDACTOR = _KeyRedactor()

# The call in progress on this thread, for the HTTP hook that counts requests and enforces the
# deadline (the sync client sends from the calling thread).
_CURRENT: contextvars.ContextVar[_Call | None] = contextvars.ContextVar(
    "pipeline_llm_call", default=None
)


def _before_each_request(request: httpx2.Request) -> None:
    call = _CURRENT.get()
    if call is None:
        return
    remaining = call.deadline - time.monotonic()
    if remaining <= 0:
        # openai turns this into APITimeoutError; nothing is sent
        raise httpx2.TimeoutException(
            f"deadline of {call.settings.deadline_s:g} s reached", request=request
        )
    timeout = dict(request.extensions.get("timeout") or {})
    for part in ("connect", "read", "write", "pool"):
        current = timeout.get(part)
        timeout[part] = remaining if current is None else min(current, remaining)
    request.extensions = {**request.extensions, "timeout": timeout}
    call.requests += 1


# -- classifying faults ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fault:
    kind: ErrorKind
    retryable: bool
    detail: str
    status: int | None = None
    retry_after: float | None = None

    @property
    def transport(self) -> bool:
        return self.kind not in ("invalid_output", "truncated")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        if name == "retry-after":
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            return max(0.0, when.timestamp() - time.time())
    return None


def _classify(exc: BaseException, origin: str | None) -> _Fault:
    """What went wrong, from the exception and where it was raised (``origin``: "transport"
    when the HTTP call raised, "parse" when validating the answer did)."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, IncompleteOutputException):
        return _Fault("truncated", False, "finish_reason=length: the answer hit max_tokens")
    if isinstance(exc, openai.APITimeoutError):
        return _Fault("timeout", True, text)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        return _Fault(
            "connection", True, f"{text} ({type(cause).__name__}: {cause})" if cause else text
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        wait = _retry_after(exc.response.headers)
        if status == 429:
            return _Fault("rate_limited", True, text, status, wait)
        if status == 408:
            return _Fault("timeout", True, text, status, wait)
        if status >= 500:
            return _Fault("server_error", True, text, status, wait)
        return _Fault("bad_request", False, text, status)
    if origin == "transport":
        if isinstance(exc, json.JSONDecodeError):
            return _Fault("server_error", True, f"response body is not JSON ({exc})")
        return _Fault("server_error", False, text)
    retryable = isinstance(exc, ValidationError | json.JSONDecodeError | ResponseParsingError)
    return _Fault("invalid_output", retryable, text)


# -- one call ----------------------------------------------------------------------------------


class _Call:
    """State of one ``complete()``: counts, the last fault, and the tenacity policy."""

    def __init__(
        self, settings: LLMSettings, max_validation_retries: int, rng: random.Random
    ) -> None:
        self.settings = settings
        self.max_validation_retries = max_validation_retries
        self.rng = rng
        self.started = time.monotonic()
        self.deadline = self.started + settings.deadline_s
        self.requests = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.origin: str | None = None
        self.consecutive_transport_failures = 0
        self.transport_retries = 0
        self.validation_failures = 0
        self.validation_retries = 0
        self.last: _Fault | None = None
        self.deadline_hit = False
        self.cut = False

    # instructor hooks
    def on_attempt(self, *args: Any, **kwargs: Any) -> None:
        self.origin = None

    def on_response(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.consecutive_transport_failures = 0
        usage = getattr(response, "usage", None)
        completion = getattr(usage, "completion_tokens", 0) or 0
        self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.completion_tokens += completion
        # llama.cpp's server reports finish_reason "tool_calls" for tool arguments cut off at
        # max_tokens: an answer that used every token it was allowed is treated as cut
        limit = self.settings.max_tokens
        self.cut = limit is not None and completion >= limit

    def on_transport_error(self, *args: Any, **kwargs: Any) -> None:
        self.origin = "transport"

    def on_parse_error(self, *args: Any, **kwargs: Any) -> None:
        self.origin = "parse"

    # tenacity policy
    def should_retry(self, exc: BaseException) -> bool:
        fault = _classify(exc, self.origin)
        if fault.kind == "invalid_output" and self.cut:
            fault = _Fault(
                "truncated", False, f"the answer used all max_tokens and is cut ({fault.detail})"
            )
        self.last = fault
        if fault.retryable:
            if fault.transport:
                self.consecutive_transport_failures += 1
            else:
                self.validation_failures += 1
        return fault.retryable

    def wait(self, state: RetryCallState) -> float:
        fault = self.last
        if fault is None or not fault.transport:
            return 0.0  # a re-ask goes out at once
        if fault.retry_after is not None:
            return fault.retry_after
        s = self.settings
        ceiling = min(
            s.backoff_max_s, s.backoff_initial_s * 2 ** (self.consecutive_transport_failures - 1)
        )
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)  # "equal jitter"

    def stop(self, state: RetryCallState) -> bool:
        fault = self.last
        if fault is None:
            return True
        if fault.transport:
            if self.consecutive_transport_failures >= self.settings.max_attempts:
                return True
        elif self.validation_failures > self.max_validation_retries:
            return True
        if time.monotonic() + state.upcoming_sleep >= self.deadline:
            self.deadline_hit = True
            return True
        return False

    def before_sleep(self, state: RetryCallState) -> None:
        fault = self.last
        if fault is None:
            return
        if fault.transport:
            self.transport_retries += 1
            log.info(
                "model call: %s%s on request %d; retrying in %.2f s",
                fault.kind,
                f" (HTTP {fault.status})" if fault.status else "",
                self.requests,
                state.upcoming_sleep,
            )
        else:
            self.validation_retries += 1
            log.info(
                "model answer failed validation on request %d; asking again with the errors",
                self.requests,
            )

    def usage(self) -> Usage:
        return Usage(
            calls=1,
            attempts=self.requests,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            seconds=time.monotonic() - self.started,
            transport_retries=self.transport_retries,
            validation_retries=self.validation_retries,
        )


_INSTRUCTOR_ATTRIBUTES = ("_raw_response", "_total_usage")


def _plain_instance(parsed: Any, response_model: type[T]) -> T:
    """The answer as an instance of ``response_model`` itself.  instructor returns an instance
    of a subclass it derives from the model (with its ``ResponseSchema`` mixin) and stores the
    raw completion in it (``_raw_response``, ``_total_usage``): such an object is not ``==`` to
    an equal instance of the model and keeps every completion alive.  The validated state is
    moved over as pickling does (``__getstate__``/``__setstate__``), without validating again."""
    if not isinstance(parsed, BaseModel) or not isinstance(response_model, type):
        return parsed
    state = parsed.__getstate__()
    state["__dict__"] = {
        k: v for k, v in state["__dict__"].items() if k not in _INSTRUCTOR_ATTRIBUTES
    }
    private = state.get("__pydantic_private__")
    if private:
        state["__pydantic_private__"] = {
            k: v for k, v in private.items() if k not in _INSTRUCTOR_ATTRIBUTES
        }
    plain = response_model.__new__(response_model)
    plain.__setstate__(state)
    return plain


class ModelClient:
    """A configured model endpoint.  Thread-safe; at most ``settings.concurrency`` calls run at
    once (the others wait for a slot; a call's deadline starts when it has one)."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        if not settings.configured:
            raise ModelConfigError(
                "no model configured: set PIPELINE_LLM_MODEL and OPENAI_BASE_URL "
                "(or PIPELINE_LLM_BASE_URL)"
            )
        self.settings = settings
        self._sleep = sleep
        self._rng = rng or random.Random()
        key = settings.api_key(environ)
        self._key = key
        if key:
            _REDACTOR.add(key)
        self._http = openai.DefaultHttpxClient(event_hooks={"request": [_before_each_request]})
        self._openai = openai.OpenAI(
            api_key=key or _NO_KEY,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=0,  # retries are ours
            http_client=self._http,
        )
        self._instructor = instructor.from_openai(self._openai, mode=_MODES[settings.mode])
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._closed = False

    def __repr__(self) -> str:
        s = self.settings
        return f"ModelClient(base_url={s.base_url!r}, model={s.model!r}, mode={s.mode!r})"

    def __enter__(self) -> ModelClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._openai.close()
        if self._key:
            _REDACTOR.discard(self._key)

    def _redact(self, text: str) -> str:
        if self._key:
            text = text.replace(self._key, _REDACTED)
        text = _REDACTOR.redact(text)
        return text if len(text) <= _DETAIL_LIMIT else text[:_DETAIL_LIMIT] + " …"

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        response_model: type[T],
        *,
        max_validation_retries: int = 2,
    ) -> tuple[T, Usage]:
        """Ask the model and validate its answer as ``response_model``.  Returns the parsed
        object and the call's usage; raises ``ModelCallError`` (see the module docstring)."""
        if max_validation_retries < 0:
            raise ValueError("max_validation_retries must be >= 0")
        if self._closed:
            raise RuntimeError("ModelClient is closed")
        s = self.settings
        extra: dict[str, Any] = {"model": s.model}
        if s.temperature is not None:
            extra["temperature"] = s.temperature
        if s.max_tokens is not None:
            extra["max_tokens"] = s.max_tokens
        with self._slots:
            call = _Call(s, max_validation_retries, self._rng)
            hooks = Hooks()
            hooks.on("completion:kwargs", call.on_attempt)
            hooks.on("completion:response", call.on_response)
            hooks.on("completion:error", call.on_transport_error)
            hooks.on("parse:error", call.on_parse_error)
            retrying = Retrying(
                retry=retry_if_exception(call.should_retry),
                wait=call.wait,
                stop=call.stop,
                sleep=self._sleep,
                before_sleep=call.before_sleep,
                reraise=True,
            )
            token = _CURRENT.set(call)
            try:
                parsed = self._instructor.create(
                    messages=[dict(m) for m in messages],
                    response_model=response_model,
                    max_retries=retrying,
                    hooks=hooks,
                    **extra,
                )
            except IncompleteOutputException as exc:
                raise self._error(call, exc) from None
            except InstructorRetryException as exc:
                raise self._error(call, exc.__cause__ or exc) from None
            finally:
                _CURRENT.reset(token)
            return _plain_instance(parsed, response_model), call.usage()

    def _error(self, call: _Call, exc: BaseException) -> ModelCallError:
        fault = call.last or _classify(exc, call.origin)
        detail = fault.detail
        if call.deadline_hit and fault.retryable:
            detail = f"deadline of {call.settings.deadline_s:g} s reached; last fault: {detail}"
        elif fault.transport and fault.retryable:
            detail = (
                f"gave up after {call.consecutive_transport_failures} tries; last fault: {detail}"
            )
        return ModelCallError(
            fault.kind, call.requests, self._redact(detail), status=fault.status, usage=call.usage()
        )
