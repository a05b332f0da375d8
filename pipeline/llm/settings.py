"""How to reach an OpenAI-compatible model server (DESIGN.md §6).

Settings name the endpoint, the model, the *name* of the environment variable that holds the
key, the instructor mode the server supports, and the limits of one call (timeout per request,
total deadline, attempts, backoff).  The key itself is never a field: ``ModelClient`` reads it
from the environment when it is built, so it cannot leak through ``repr``, ``model_dump``,
logs or error messages of the settings.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import PipelineError

log = logging.getLogger(__name__)

ENV_PREFIX = "PIPELINE_LLM_"
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Mode = Literal["json_schema", "tools", "md_json"]


class ModelConfigError(PipelineError):
    """The model settings are missing or invalid (names the variable or field, never a key)."""


class LLMSettings(BaseModel):
    """Endpoint, model and call limits.  Build from the environment with ``from_env()``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    mode: Mode = "json_schema"
    temperature: float | None = Field(0.0, ge=0.0, le=2.0)
    """None: not sent (some reasoning models refuse the parameter)."""
    max_tokens: int | None = Field(4096, gt=0)
    """Sent as ``max_tokens`` (what OpenAI-compatible servers read); None: not sent."""
    timeout_s: float = Field(60.0, gt=0)
    """Per HTTP request (connect, read, write each)."""
    concurrency: int = Field(4, ge=1)
    """Calls in flight at once through one client."""
    deadline_s: float = Field(300.0, gt=0)
    """Total for one ``complete()``, all its retries and waits included."""
    max_attempts: int = Field(5, ge=1)
    """Tries of one request against transport faults (429, 5xx, timeouts, connection)."""
    backoff_initial_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("model")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        # a name, not a key: refusing anything else keeps a key pasted here out of repr
        value = value.strip()
        if not _VARIABLE_NAME.fullmatch(value):
            raise ValueError("must be the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*)")
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def configured(self) -> bool:
        """A model and an endpoint are known (a key is optional: local servers need none)."""
        return bool(self.model) and bool(self.base_url)

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key, read now from the variable ``api_key_env`` names (None when unset)."""
        env = os.environ if environ is None else environ
        return env.get(self.api_key_env) or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> LLMSettings:
        """Settings from the environment: ``OPENAI_BASE_URL``; then ``PIPELINE_LLM_<FIELD>``
        for any field (``PIPELINE_LLM_MODEL``, ``PIPELINE_LLM_BASE_URL``, ``PIPELINE_LLM_MODE``,
        ``PIPELINE_LLM_TIMEOUT_S`` …; "none" clears ``temperature`` or ``max_tokens``), which
        win over ``OPENAI_BASE_URL``; then ``overrides``.
        The key stays in its variable (``OPENAI_API_KEY`` unless ``PIPELINE_LLM_API_KEY_ENV``
        names another) and is read only when a client is built."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        if env.get("OPENAI_BASE_URL"):
            values["base_url"] = env["OPENAI_BASE_URL"]
            sources["base_url"] = "OPENAI_BASE_URL"
        for name in cls.model_fields:
            var = ENV_PREFIX + name.upper()
            raw = env.get(var, "").strip()
            if raw:
                # "none" clears an optional setting (temperature, max_tokens)
                values[name] = None if raw.lower() in ("none", "null") else raw
                sources[name] = var
        unknown = sorted(
            var
            for var in env
            if var.startswith(ENV_PREFIX) and var[len(ENV_PREFIX) :].lower() not in cls.model_fields
        )
        if unknown:
            # names only: a value may be a key put in the wrong place
            log.warning(
                "ignoring unknown settings %s (keys are read from the variable named by %sAPI_KEY_ENV)",
                ", ".join(unknown),
                ENV_PREFIX,
            )
        values.update(overrides)
        for name in overrides:
            sources[name] = f"argument {name}"
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = []
            for error in exc.errors(include_input=False, include_url=False):
                field = str(error["loc"][0]) if error["loc"] else "?"
                problems.append(f"{sources.get(field, field)}: {error['msg']}")
            raise ModelConfigError("invalid model settings: " + "; ".join(problems)) from None


@dataclass(frozen=True)
class ModelOptions:
    """How the model backends cut and ask; the endpoint itself is ``LLMSettings``."""

    max_chunk_tokens: int = 1200
    overlap_tokens: int = 100
    examples: bool = True
    cache_dir: Path | None = None
    use_cache: bool = True
