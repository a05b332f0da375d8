"""The model backends end to end against oracle servers on 127.0.0.1.

An oracle answers each chunk with exactly the gold values inside it, so the llm backend must
reproduce the gold up to what chunking and merging lose; a noisy oracle damages its answers,
and every damaged number must be dropped as ungrounded or flagged by the checker.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servers.oracle import NoisyOracle, Oracle, load_seed_documents, run_against
from servers.scripted import scripted_servers

from pipeline.backends import open_backend
from pipeline.ingest import read_document
from pipeline.layout import analyze
from pipeline.llm.backend import ModelExtractor, ModelOptions
from pipeline.llm.settings import LLMSettings
from pipeline.stages import build_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REQUIRED = ("funds", "indicators", "scores")  # families the model path must not lose


@pytest.fixture(scope="module")
def seeds():
    return load_seed_documents(FIXTURES)


@pytest.fixture(scope="module")
def oracle_run(seeds):
    return run_against(Oracle(seeds), FIXTURES)


def _f1(run, family: str) -> float:
    return run.run.aggregate["families"][family]["f1"]


@pytest.mark.parametrize("family", REQUIRED)
def test_oracle_reproduces_the_gold(oracle_run, family):
    assert _f1(oracle_run, family) >= 0.98, oracle_run.run.aggregate["families"][family]


WILD_FLOORS = {"funds": 0.84, "indicators": 0.85, "scores": 0.76}
"""The model path on the wild set (forms flattened onto lines, one cell per line, OCR), with
perfect per-chunk answers: what its chunking, grounding and merging still lose there.  The
goal is 0.98, as on the seeds; these floors hold today's figures so that nothing slips back
(without the form reader's regions asked the tables question, indicators were 0.53)."""


def test_oracle_on_the_wild_set_reads_the_forms_the_layout_does_not_see():
    wild = FIXTURES / "wild"
    run = run_against(Oracle(load_seed_documents(wild)), wild)
    assert run.run.aggregate["grounding"]["rate"] == 1.0
    for family, floor in WILD_FLOORS.items():
        assert _f1(run, family) >= floor, run.run.aggregate["families"][family]


def test_oracle_run_is_grounded_and_complete(oracle_run, seeds):
    assert oracle_run.run.aggregate["grounding"]["rate"] == 1.0
    assert set(oracle_run.reports) == {d.doc_id for d, _ in seeds}
    for report in oracle_run.reports.values():
        prov = report.provenance
        assert prov.backend == "llm" and prov.model == "oracle"
        assert prov.failed == []
        assert prov.usage.calls > 0 and prov.usage.chunks > 0
        # oracle answers are gold: nothing may be invented, so nothing grounded fuzzily
        assert prov.fuzzy == []
        assert 1.0 <= prov.usage.amplification <= 1.3


def test_noisy_oracle_damage_is_dropped_or_flagged(seeds):
    oracle = NoisyOracle(seeds, seed=11)
    result = run_against(oracle, FIXTURES)
    counts = result.audit({d.doc_id: g for d, g in seeds})
    assert counts["altered"]["total"] >= 50 and counts["invented"]["total"] >= 50
    for kind, row in counts.items():
        assert row["survived"] == 0, (kind, row)
        assert row["dropped"] + row["flagged"] + row["relocated"] == row["total"]
    # every invented figure is absent from its chunk by construction: grounding drops it
    assert counts["invented"]["dropped"] == counts["invented"]["total"]
    assert oracle.dropped_items > 0
    listed = [u for r in result.reports.values() for u in r.provenance.ungrounded]
    invented = {d.raw for ds in result.damage.values() for d in ds if d.kind == "invented"}
    assert invented <= {u.raw for u in listed}
    # the damage costs recall, never grounding
    assert result.run.aggregate["grounding"]["rate"] == 1.0


def test_cached_rerun_makes_no_call_and_gives_the_same_reports(seeds, tmp_path):
    first = run_against(Oracle(seeds), FIXTURES, cache_dir=tmp_path)
    second = run_against(Oracle(seeds), FIXTURES, cache_dir=tmp_path)
    assert first.requests > 0 and second.requests == 0
    for doc_id, report in second.reports.items():
        usage = report.provenance.usage
        assert usage.calls == 0
        assert usage.cache_hits == first.reports[doc_id].provenance.usage.calls

        def strip(r):
            data = r.model_dump(mode="json")
            data["provenance"]["usage"] = None
            return data

        assert strip(report) == strip(first.reports[doc_id])


def test_concurrency_changes_speed_not_results(seeds):
    one = run_against(Oracle(seeds), FIXTURES, concurrency=1)
    many = run_against(Oracle(seeds), FIXTURES, concurrency=8, latency_s=0.05)
    for doc_id, report in one.reports.items():
        a = report.model_dump(mode="json", exclude={"provenance"})
        b = many.reports[doc_id].model_dump(mode="json", exclude={"provenance"})
        assert a == b, doc_id


def test_concurrency_is_bounded(seeds):
    doc, _ = seeds[0]
    with scripted_servers() as start:
        server = start([], responder=Oracle(seeds), latency_s=0.1)
        settings = LLMSettings(base_url=server.base_url, model="oracle", concurrency=3)
        options = ModelOptions(use_cache=False, examples=False)
        with ModelExtractor(settings, options) as model:
            model.extract(doc, analyze(doc.normalized))
        assert 1 < server.max_in_flight <= 3


def test_hybrid_keeps_the_rules_tables_and_adds_the_models_narrative(seeds):
    result = run_against(Oracle(seeds), FIXTURES, backend="hybrid")
    families = result.run.aggregate["families"]
    for family in REQUIRED:
        assert families[family]["f1"] >= 0.98, family
    for report in result.reports.values():
        assert report.provenance.backend == "hybrid"
        for f in report.findings:
            if f.rule == "extraction.disagreement":
                assert f.family == "extraction" and len(f.values) == 2
                assert {v.role for v in f.values} == {"rules", "model"}


def test_hybrid_asks_the_model_only_for_tables_the_rules_did_not_read(seeds):
    from pipeline.extract.rules import extract_rules
    from pipeline.llm.hybrid import parsed_tables

    doc, _ = next((d, g) for d, g in seeds if d.doc_id == "qingcheng-2023")
    layout = analyze(doc.normalized)
    read = parsed_tables(extract_rules(doc, layout), doc, layout)
    assert read and len(read) < len(layout.tables)  # one table read, one not
    with scripted_servers() as start:
        server = start([], responder=Oracle(seeds, focus=doc.doc_id))
        settings = LLMSettings(base_url=server.base_url, model="oracle")
        with ModelExtractor(settings, ModelOptions(use_cache=False, examples=False)) as model:
            report = build_report(doc, layout, "hybrid", model)
            planned = model.plan(doc, layout)
        schemas = [r.body["response_format"]["json_schema"]["name"] for r in server.chat_requests]
    unread = [c for c in planned if c.kind == "table" and c.table_index not in read]
    assert schemas.count("TablesAnswer") == len(unread)
    assert schemas.count("NarrativeAnswer") == sum(c.kind == "narrative" for c in planned)
    assert "MetaAnswer" in schemas
    assert report.provenance.backend == "hybrid"


def test_no_model_configured_falls_back_to_rules_with_one_notice():
    empty = LLMSettings()
    for asked in ("auto", "llm", "hybrid"):
        backend, model, notice = open_backend(asked, settings=empty)
        assert backend == "rules" and model is None
        assert "no model configured" in notice
    assert open_backend("rules", settings=empty) == ("rules", None, None)


def test_run_without_a_model_says_so_once(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    for var in ("OPENAI_BASE_URL", "PIPELINE_LLM_MODEL", "PIPELINE_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    result = CliRunner().invoke(
        app, ["run", str(FIXTURES / "raw"), "-o", str(tmp_path), "--backend", "llm"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("no model configured") == 1
    assert len(list(tmp_path.glob("*.json"))) == 5


def test_extract_command_with_the_oracle(seeds, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    doc, gold = next((d, g) for d, g in seeds if d.doc_id == "lingling-2020")
    with scripted_servers() as start:
        server = start([], responder=Oracle(seeds, focus=doc.doc_id))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("PIPELINE_LLM_MODEL", "oracle")
        out = tmp_path / "r.json"
        args = ["extract", doc.path, "--backend", "llm", "--cache", str(tmp_path / "c"), "-o"]
        result = CliRunner().invoke(app, [*args, str(out)])
        assert result.exit_code == 0, result.output
        calls = len(server.chat_requests)
        again = CliRunner().invoke(app, [*args, str(tmp_path / "r2.json")])
        assert again.exit_code == 0 and len(server.chat_requests) == calls  # from the cache
    data = json.loads(out.read_text())
    assert data["provenance"]["backend"] == "llm"
    assert len(data["scorecards"]) == len(gold.scorecards)
    assert "0 failed chunks" in result.output


def test_same_document_read_twice_is_the_same(seeds):
    """No state leaks between documents through the extractor (claims, caches)."""
    doc, _ = seeds[1]
    with scripted_servers() as start:
        server = start([], responder=Oracle(seeds, focus=doc.doc_id))
        settings = LLMSettings(base_url=server.base_url, model="oracle")
        with ModelExtractor(settings, ModelOptions(use_cache=False, examples=False)) as model:
            layout = analyze(doc.normalized)
            a = model.extract(doc, layout).model_dump(exclude={"provenance"})
            b = model.extract(read_document(doc.path), layout).model_dump(exclude={"provenance"})
    assert a == b
