"""What a command loads: a rules run never imports the model stack, and `pipeline --help`
imports none of the stages.  Each runs the real command line in a fresh interpreter and reads
its sys.modules at exit (no timing here: the figures are in eval/bench_startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import RAW, ROOT

MODEL_STACK = {
    "openai",
    "instructor",
    "langchain",
    "langchain_core",
    "langchain_text_splitters",
    "tenacity",
    "httpx",
    "httpcore",
    "jiter",
}

_PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
from pipeline.cli import main
sys.argv = ["pipeline", *sys.argv[1:]]
main()
"""


def _modules(*args: str) -> tuple[int, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PIPELINE_LLM"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return done.returncode, set(json.loads(line.removeprefix("MODULES ")))


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_a_rules_run_imports_no_model_stack(tmp_path):
    code, modules = _modules("run", str(RAW), "-o", str(tmp_path), "--backend", "rules")
    assert code == 0
    assert len(list(tmp_path.glob("*.json"))) == 5
    assert not _top(modules) & MODEL_STACK
    # the settings (a pydantic model and a dataclass of options) are all it may read of it
    assert {m for m in modules if m.startswith("pipeline.llm")} <= {
        "pipeline.llm",
        "pipeline.llm.settings",
    }


def test_auto_without_a_model_imports_no_model_client(tmp_path):
    code, modules = _modules("run", str(RAW / "qingcheng-2023.txt"), "-o", str(tmp_path))
    assert code == 0
    assert not _top(modules) & MODEL_STACK


def test_help_imports_none_of_the_stages():
    code, modules = _modules("--help")
    assert code == 0
    assert not _top(modules) & (MODEL_STACK | {"pydantic", "pydantic_core"})
    assert not {m for m in modules if m.startswith("pipeline.")} - {
        "pipeline.cli",
        "pipeline.errors",
        "pipeline.limits",
    }
