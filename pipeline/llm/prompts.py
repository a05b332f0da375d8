"""The prompts of the model path: one file per task in ``prompts/``, with front matter.

A prompt file starts with a front matter block (``task``, ``version``, ``about``) between
``---`` lines; the rest is the instruction.  The version is what a Report's provenance shows
and it enters the cache key together with ``Prompt.fingerprint`` (a hash of the text), so an
edit made without bumping the version still cannot be answered from a stale cache.

Messages: the instruction, then one example from another document's gold (text and the
answer it should give), then the chunk between ``CHUNK_OPEN`` and ``CHUNK_CLOSE``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.document import Document
from pipeline.errors import PipelineError
from pipeline.llm.answers import ANSWERS
from pipeline.llm.chunking import Chunk
from pipeline.llm.examples import Example, few_shot

PROMPTS_DIR_ENV = "PIPELINE_PROMPTS_DIR"
CHUNK_OPEN = "<文本>"
CHUNK_CLOSE = "</文本>"
TASKS = (*ANSWERS, "draft")
"""Extraction tasks (one response model each) and drafting."""
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)


@dataclass(frozen=True)
class Prompt:
    task: str
    version: str
    about: str
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


def prompts_dir() -> Path:
    configured = os.environ.get(PROMPTS_DIR_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "prompts"


def parse_prompt(source: str, where: str) -> Prompt:
    m = _FRONT.match(source)
    if not m:
        raise PipelineError(f"{where}: a prompt starts with front matter between '---' lines")
    fields: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise PipelineError(f"{where}: front matter line {line!r} is not 'key: value'")
        fields[key.strip()] = value.strip().strip("\"'")
    missing = [k for k in ("task", "version") if not fields.get(k)]
    if missing:
        raise PipelineError(f"{where}: front matter lacks {', '.join(missing)}")
    if fields["task"] not in TASKS:
        raise PipelineError(f"{where}: unknown task {fields['task']!r}")
    return Prompt(fields["task"], fields["version"], fields.get("about", ""), source[m.end() :])


@lru_cache(maxsize=4)
def _load(folder: str) -> dict[str, Prompt]:
    out: dict[str, Prompt] = {}
    for task in ANSWERS:
        path = Path(folder) / f"{task}.md"
        if not path.exists():
            raise PipelineError(f"{path}: prompt file missing (set {PROMPTS_DIR_ENV})")
        prompt = parse_prompt(path.read_text(encoding="utf-8"), str(path))
        if prompt.task != task:
            raise PipelineError(f"{path}: front matter says task {prompt.task!r}")
        out[task] = prompt
    return out


def load_prompts() -> dict[str, Prompt]:
    """The extraction prompts, by task."""
    return _load(str(prompts_dir()))


def load_prompt(task: str) -> Prompt:
    """One prompt file, ``prompts/<task>.md`` (drafting uses ``draft``)."""
    path = prompts_dir() / f"{task}.md"
    if not path.exists():
        raise PipelineError(f"{path}: prompt file missing (set {PROMPTS_DIR_ENV})")
    prompt = parse_prompt(path.read_text(encoding="utf-8"), str(path))
    if prompt.task != task:
        raise PipelineError(f"{path}: front matter says task {prompt.task!r}")
    return prompt


def chunk_message(text: str) -> str:
    return f"{CHUNK_OPEN}\n{text}\n{CHUNK_CLOSE}"


def chunk_from_message(content: str) -> str | None:
    """The chunk text of a user message built by ``messages`` (for test servers)."""
    start = content.rfind(CHUNK_OPEN + "\n")
    end = content.rfind("\n" + CHUNK_CLOSE)
    if start < 0 or end < start:
        return None
    return content[start + len(CHUNK_OPEN) + 1 : end]


def messages(prompt: Prompt, chunk_text: str, example: Example | None) -> list[dict[str, str]]:
    system = prompt.text.strip()
    out = [{"role": "system", "content": system}]
    if example is not None:
        out.append({"role": "user", "content": chunk_message(example.text)})
        out.append({"role": "assistant", "content": example.answer_json})
    out.append({"role": "user", "content": chunk_message(chunk_text)})
    return out


def build_messages(
    task: str, doc: Document, chunk: Chunk, *, examples: bool = True
) -> tuple[Prompt, list[dict[str, str]]]:
    prompt = load_prompts()[task]
    example = few_shot(task, doc) if examples else None
    return prompt, messages(prompt, chunk.text, example)
