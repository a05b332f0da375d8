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
