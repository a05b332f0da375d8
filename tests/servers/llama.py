"""A real OpenAI-compatible model server for tests: llama-cpp-python's server on 127.0.0.1.
(Run as a script, this file is that server, with a Gemma 3 chat format: see the end.)

It serves the small Gemma 3 270M GGUF that ``make model`` assembles into the checkout
(``.models/gemma3-270m-q4_k_m.gguf``; ``PIPELINE_TEST_GGUF`` names another file).  The server
runs as a subprocess of the test's own Python (the project venv, where ``make model`` installed
``llama-cpp-python[server]``), on a free port, CPU only; nothing leaves the machine.

What works with this server (llama-cpp-python 0.3.x): instructor's TOOLS mode, where the
server constrains the tool-call arguments with a grammar made from the JSON schema, so answers
are schema-valid.  ``response_format: json_schema`` gets HTTP 500.  The 270M model's *values*
are mostly wrong: assert on shapes, not on contents.

Use it as a context manager (a session fixture, so one server serves every test)::

    @pytest.fixture(scope="session")
    def llama():
        with llama_server() as server:
            yield server

    def test_x(llama):
        settings = LLMSettings(base_url=llama.base_url, model=llama.model, mode="tools")
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GGUF_ENV = "PIPELINE_TEST_GGUF"
DEFAULT_GGUF = ROOT / ".models" / "gemma3-270m-q4_k_m.gguf"
MODEL_ALIAS = "gemma3-270m"
CHAT_FORMAT = "gemma3-system"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
_STDERR_TAIL = 4000


class LlamaServerError(RuntimeError):
    """The model server is not installed, or did not start."""


@dataclass(frozen=True)
class LlamaServer:
    base_url: str
    """``http://127.0.0.1:<port>/v1``: what ``LLMSettings.base_url`` takes."""
    model: str
    """The model id the server reports in ``GET /v1/models``."""
    gguf: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    """The server's stdout and stderr (llama.cpp's load log, one timing line per request)."""
    start_seconds: float
    """Wall time from launch until ``GET /v1/models`` answered."""

    def log_tail(self, limit: int = _STDERR_TAIL) -> str:
        return _tail(self.log_path, limit)


def gguf_path() -> Path:
    """The model file: ``$PIPELINE_TEST_GGUF``, else the file ``make model`` writes."""
    configured = os.environ.get(GGUF_ENV, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_GGUF


def check_installed() -> Path:
    """The GGUF path, after checking that it and the server package are there; raises
    ``LlamaServerError`` telling to run ``make model`` otherwise (never a skip: CI runs these)."""
    path = gguf_path()
    problems = []
    if not path.is_file():
        source = f"${GGUF_ENV}" if os.environ.get(GGUF_ENV, "").strip() else "the default path"
        problems.append(f"no model file at {path} ({source})")
    if find_spec("llama_cpp") is None:
        problems.append(f"llama_cpp is not importable from {sys.executable}")
    elif find_spec("uvicorn") is None or find_spec("fastapi") is None:
        problems.append("llama-cpp-python's [server] extra is not installed")
    if problems:
        raise LlamaServerError(
            "; ".join(problems)
            + ". Run `make model` in the checkout (it builds llama-cpp-python[server] into .venv"
            " and assembles the GGUF), then run the tests with .venv/bin/pytest."
        )
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, limit: int) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", errors="replace")


def _models(base_url: str) -> list[str] | None:
    """The model ids the server lists, or None while it does not answer yet."""
    try:
        with urllib.request.urlopen(base_url + "/models", timeout=2) as response:
            body = json.load(response)
    except (OSError, ValueError):  # refused, reset, timed out, not JSON yet
        return None
    return [m["id"] for m in body.get("data", []) if isinstance(m, dict) and "id" in m]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def llama_server(
    *,
    n_ctx: int = 4096,
    n_threads: int = 2,
    start_timeout_s: float = START_TIMEOUT_S,
    chat_format: str = CHAT_FORMAT,
    extra_args: tuple[str, ...] = (),
) -> Iterator[LlamaServer]:
    """Start ``python -m llama_cpp.server`` on a free port of 127.0.0.1, wait until it lists
    its model, yield a ``LlamaServer``, and stop the process on exit (terminate, then kill).

    The chat format is ``CHAT_FORMAT`` (see ``format_gemma3``); tool calls with a named
    ``tool_choice`` are grammar-constrained by the server whatever the format."""
    gguf = check_installed()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),  # python -m llama_cpp.server, plus CHAT_FORMAT
        "--model",
        str(gguf),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(n_threads),
        "--n_threads_batch",
        str(n_threads),
        "--chat_format",
        chat_format,
        *extra_args,
    ]
    log_file = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)
    log_path = Path(log_file.name)
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
    )
    log_file.close()  # the child has its own descriptor
    failed = True
    try:
        while True:
            models = _models(base_url)
            if models:
                break
            code = process.poll()
            if code is not None:
                raise LlamaServerError(
                    f"llama_cpp.server exited with code {code} before answering "
                    f"GET {base_url}/models; command: {' '.join(command)}\n"
                    f"--- server output (tail, full log {log_path}) ---\n"
                    + _tail(log_path, _STDERR_TAIL)
                )
            if time.monotonic() - started > start_timeout_s:
                raise LlamaServerError(
                    f"llama_cpp.server did not answer GET {base_url}/models within "
                    f"{start_timeout_s:g} s; command: {' '.join(command)}\n"
                    f"--- server output (tail, full log {log_path}) ---\n"
                    + _tail(log_path, _STDERR_TAIL)
                )
            time.sleep(0.2)
        yield LlamaServer(
            base_url=base_url,
            model=models[0],
            gguf=gguf,
            process=process,
            log_path=log_path,
            start_seconds=time.monotonic() - started,
        )
        failed = False
    finally:
        _stop(process)
        if not failed:  # a failure's message names the log: keep it
            log_path.unlink(missing_ok=True)


# -- the server process -------------------------------------------------------------------------
#
# The GGUF carries no chat template, so llama-cpp-python would fall back to Llama 2's format,
# and its own "gemma" format drops system messages (the pipeline's instructions).  This one
# is Gemma 3's template: the system text opens the first user turn, as Gemma 3's own template
# does; an assistant turn that called a tool shows the call's arguments, and a tool result
# (instructor's re-ask after a validation error) is a user turn.


def _text(content: object) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: keep the text ones
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def format_gemma3(messages: list[dict], **kwargs: object) -> object:
    from llama_cpp.llama_chat_format import ChatFormatterResponse

    system = "\n\n".join(_text(m.get("content")) for m in messages if m["role"] == "system")
    turns: list[list[str]] = []
    for message in messages:
        role = message["role"]
        if role == "system":
            continue
        content = _text(message.get("content"))
        if role == "assistant":
            role = "model"
            calls = message.get("tool_calls") or []
            if not content and calls:
                content = "\n".join(call["function"]["arguments"] for call in calls)
        else:  # user, tool, function
            role = "user"
        if turns and turns[-1][0] == role:
            turns[-1][1] += "\n\n" + content
        else:
            turns.append([role, content])
    if system:
        if turns and turns[0][0] == "user":
            turns[0][1] = system + "\n\n" + turns[0][1]
        else:
            turns.insert(0, ["user", system])
    prompt = "".join(f"<start_of_turn>{role}\n{content}<end_of_turn>\n" for role, content in turns)
    prompt += "<start_of_turn>model\n"
    return ChatFormatterResponse(prompt=prompt, stop="<end_of_turn>")


def _serve() -> None:
    """``python -m llama_cpp.server`` with ``CHAT_FORMAT`` registered.  Every server setting
    is also read from an environment variable of its name, in any case (``API_KEY``, ``PORT``,
    ``MODEL``, ``VERBOSE`` …): those are dropped, so only the command line counts."""
    from llama_cpp.llama_chat_format import register_chat_format
    from llama_cpp.server.__main__ import main
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    fields = {*ModelSettings.model_fields, *ServerSettings.model_fields, "config_file"}
    for name in [n for n in os.environ if n.lower() in fields]:
        del os.environ[name]
    register_chat_format(CHAT_FORMAT)(format_gemma3)
    main()


if __name__ == "__main__":
    _serve()
