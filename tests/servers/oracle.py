"""Oracle model servers: answer every extraction call from the gold labels.

``Oracle`` is a responder for ``ScriptedServer`` (real HTTP on 127.0.0.1).  For each request it
reads the task (from the schema name the client sends) and the chunk text (from the user
message), finds which gold document and which source ranges the chunk was cut from, and
answers with exactly the gold values whose spans lie inside those ranges
(``pipeline.llm.examples.answer_from_gold``).  A pipeline fed these perfect per-chunk answers
must reproduce the gold; what it loses is what chunking, grounding and merging lose.

``NoisyOracle`` answers the same, then damages the answer with a seeded generator: it drops
``drop`` of the items, alters one digit in ``alter`` of the numbers, and invents ``invent``
figures per answer that the chunk does not contain.  It records every alteration and
invention, so a test can check that each was dropped as ungrounded or flagged by the checker.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from pipeline.document import Document
from pipeline.llm.answers import ANSWERS, FactItem, FundsItem
from pipeline.llm.chunking import Chunk, estimate_tokens
from pipeline.llm.examples import answer_from_gold
from pipeline.llm.grounding import squeeze
from pipeline.llm.prompts import chunk_from_message
from pipeline.schema import FundsCategory, FundsMeasure, Grounded, Report, iter_grounded

from .scripted import Step, reply, status

_NAMES = {model.__name__: task for task, model in ANSWERS.items()}


def request_task(body: dict[str, Any]) -> str | None:
    """The task of a request: the name of the schema it asks for."""
    for tool in body.get("tools") or []:
        name = tool.get("function", {}).get("name")
        if name in _NAMES:
            return _NAMES[name]
    fmt = body.get("response_format") or {}
    name = (fmt.get("json_schema") or {}).get("name")
    if name in _NAMES:
        return _NAMES[name]
    text = json.dumps(body.get("messages", []), ensure_ascii=False)
    for name, task in _NAMES.items():
        if name in text:
            return task
    return None


def request_chunk(body: dict[str, Any]) -> str | None:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    if not users:
        return None
    content = users[-1].get("content")
    if isinstance(content, list):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return chunk_from_message(content or "")


def _locate(text: str, normalized: str) -> list[tuple[int, int]] | None:
    """The normalized ranges ``text`` is the concatenation of (a chunk is its repeated title
    and header, then its own rows): the longest suffix found, then the rest the same way."""
    if not text:
        return []
    if (at := normalized.find(text)) >= 0:
        return [(at, at + len(text))]
    lo, hi = 0, len(text)  # text[hi:] is found (empty); find the smallest such cut
    while lo < hi:
        mid = (lo + hi) // 2
        if normalized.find(text[mid:]) >= 0:
            hi = mid
        else:
            lo = mid + 1
    if hi == len(text):
        return None
    tail = text[hi:]
    head = _locate(text[:hi], normalized)
    if head is None:
        return None
    start = normalized.find(tail, head[-1][1] if head else 0)
    if start < 0:
        start = normalized.find(tail)
    return [*head, (start, start + len(tail))]


@dataclass
class Oracle:
    documents: list[tuple[Document, Report]]
    calls: int = 0
    unknown: int = 0
    focus: str | None = None
    """When set, only the document of this id is considered: chunk texts can be shared by
    documents (a common table header), and the extraction in progress knows which it is."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def resolve(self, text: str) -> tuple[Document, Report, Chunk] | None:
        for doc, gold in self.documents:
            if self.focus is not None and doc.doc_id != self.focus:
                continue
            spans = _locate(text, doc.normalized)
            if spans is not None:
                chunk = Chunk(
                    index=0,
                    kind="narrative",
                    start=spans[-1][0],
                    end=spans[-1][1],
                    text=text,
                    spans=tuple(spans),
                    tokens=estimate_tokens(text),
                )
                return doc, gold, chunk
        return None

    def answer(self, body: dict[str, Any]) -> tuple[str, Any, str] | None:
        task, text = request_task(body), request_chunk(body)
        found = self.resolve(text) if task and text is not None else None
        with self._lock:
            self.calls += 1
            if found is None:
                self.unknown += 1
                return None
        doc, gold, chunk = found
        return task, answer_from_gold(gold, doc, chunk, task), text

    def __call__(self, body: dict[str, Any]) -> Step:
        got = self.answer(body)
        if got is None:
            return status(400, "oracle: this request is not about a known document's chunk")
        _, answer, _ = got
        return reply(answer.model_dump(mode="json"))


@dataclass(frozen=True)
class Damage:
    kind: str  # "altered" or "invented"
    task: str
    path: str
    original: str | None
    raw: str
    anchor: str | None


@dataclass
class NoisyOracle(Oracle):
    drop: float = 0.10
    alter: float = 0.10
    invent: int = 1
    seed: int = 7
    damage: list[Damage] = field(default_factory=list)
    dropped_items: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # reseeded per request

    def __call__(self, body: dict[str, Any]) -> Step:
        got = self.answer(body)
        if got is None:
            return status(400, "oracle: this request is not about a known document's chunk")
        task, answer, text = got
        data = answer.model_dump(mode="json")
        with self._lock:
            # the damage is a function of the request, not of the order requests arrive in
            self._rng = random.Random(f"{self.seed}|{task}|{text}")
            self._damage(task, data, text)
        return reply(data)

    # -- damage --------------------------------------------------------------------------------

    def _damage(self, task: str, data: dict[str, Any], text: str) -> None:
        for key in ("scorecards", "funds", "facts", "sections"):
            if isinstance(data.get(key), list):
                data[key] = self._drop_some(data[key])
        for card in data.get("scorecards", []):
            for key in ("funds", "indicators", "level_headers"):
                card[key] = self._drop_some(card[key])
            for k, f in enumerate(card["funds"]):
                self._alter(task, f"scorecards.funds[{k}].raw", f, "raw", f["label"])
            for k, row in enumerate(card["indicators"]):
                for cell in ("weight", "score"):
                    self._alter(task, f"scorecards.indicators[{k}].{cell}", row, cell, row["name"])
            for name in ("total_score",):
                self._alter(task, f"scorecards.{name}", card, name, None)
        for k, f in enumerate(data.get("funds", [])):
            self._alter(task, f"funds[{k}].raw", f, "raw", f["label"])
        for k, f in enumerate(data.get("facts", [])):
            self._alter(task, f"facts[{k}].raw", f, "raw", f["label"])
        if task == "meta":
            return
        for _ in range(self.invent):
            self._invent(task, data, text)

    def _drop_some(self, items: list[Any]) -> list[Any]:
        kept = [x for x in items if self._rng.random() >= self.drop]
        self.dropped_items += len(items) - len(kept)
        return kept

    def _alter(self, task: str, path: str, owner: dict, key: str, anchor: str | None) -> None:
        raw = owner.get(key)
        if not raw or self._rng.random() >= self.alter:
            return
        digits = [i for i, ch in enumerate(raw) if ch.isdigit()]
        if not digits:
            return
        i = self._rng.choice(digits)
        new = self._rng.choice([d for d in "0123456789" if d != raw[i]])
        owner[key] = raw[:i] + new + raw[i + 1 :]
        self.damage.append(Damage("altered", task, path, raw, owner[key], anchor))

    def _invent(self, task: str, data: dict[str, Any], text: str) -> None:
        squeezed = "".join(text.split())
        while True:
            raw = f"{self._rng.randint(100, 99999)}.{self._rng.randint(10, 99)}"
            if raw not in squeezed:
                break
        if task == "tables" and data.get("scorecards"):
            label = "年度资金总额"
            data["scorecards"][0]["funds"].append(
                FundsItem(
                    label=label,
                    column="全年执行数",
                    category=FundsCategory.total,
                    measure=FundsMeasure.executed,
                    raw=raw,
                ).model_dump(mode="json")
            )
            path = "scorecards.funds"
        elif task == "tables":
            label = "支出合计"
            data["funds"].append(
                FundsItem(
                    label=label,
                    category=FundsCategory.total,
                    measure=FundsMeasure.expenditure,
                    raw=raw,
                ).model_dump(mode="json")
            )
            path = "funds"
        else:
            label = "本年支出合计"
            data["facts"].append(FactItem(label=label, raw=raw, unit="万元").model_dump())
            path = "facts"
        self.damage.append(Damage("invented", task, path, None, raw, label))


# ---------------------------------------------------------------------- auditing the damage


def _kept_values(report: Report, d: Damage) -> list[Grounded]:
    """The values of ``report`` that could be the damaged one: same kind of place, same label
    or name, and the damaged characters."""
    raw, anchor = squeeze(d.raw), squeeze(d.anchor or "")
    out: list[Grounded] = []
    lines = list(report.funds) + [f for c in report.scorecards for f in c.funds]
    if "funds" in d.path:
        out += [
            f.amount for f in lines if squeeze(f.amount.raw) == raw and squeeze(f.label) == anchor
        ]
    elif d.path.startswith("facts"):
        out += [
            f.quantity
            for f in report.facts
            if squeeze(f.quantity.raw) == raw and squeeze(f.label) == anchor
        ]
    elif ".indicators" in d.path:
        cell = d.path.rsplit(".", 1)[1]
        for card in report.scorecards:
            for row in card.indicators:
                v = getattr(row, cell)
                if v is not None and squeeze(v.raw) == raw and squeeze(row.name.raw) == anchor:
                    out.append(v)
    elif d.path.endswith("total_score"):
        out += [
            c.total_score
            for c in report.scorecards
            if c.total_score and squeeze(c.total_score.raw) == raw
        ]
    return out


def audit(
    report: Report, damage: list[Damage], gold: Report | None = None
) -> dict[str, dict[str, int]]:
    """How each damaged number ended, per kind: ``dropped`` (listed as ungrounded),
    ``flagged`` (kept, and a checker finding names its span), ``relocated`` (kept where the
    gold states that very figure under the same label: the text says it, so the Report holds
    no wrong value), ``survived`` (kept, unflagged: a wrong value in the Report)."""
    true_spans = (
        {g.span.as_tuple() for _, g in iter_grounded(gold) if g.span is not None} if gold else set()
    )
    dropped = {squeeze(u.raw) for u in report.provenance.ungrounded} if report.provenance else set()
    flagged_spans = {
        v.span.as_tuple() for f in report.findings for v in f.values if v.span is not None
    }
    counts: dict[str, dict[str, int]] = {}
    for d in damage:
        row = counts.setdefault(
            d.kind, {"total": 0, "dropped": 0, "flagged": 0, "relocated": 0, "survived": 0}
        )
        row["total"] += 1
        kept = _kept_values(report, d)
        if not kept and squeeze(d.raw) in dropped:
            row["dropped"] += 1
        elif kept and all(v.span is not None and v.span.as_tuple() in flagged_spans for v in kept):
            row["flagged"] += 1
        elif not kept:
            row["dropped"] += 1  # neither kept nor listed: removed when merged (a duplicate)
        elif all(v.span is not None and v.span.as_tuple() in true_spans for v in kept):
            row["relocated"] += 1
        else:
            row["survived"] += 1
    return counts


# ---------------------------------------------------------------------- a whole run


@dataclass
class OracleRun:
    """An evaluation of a model backend against an oracle server, with the Reports kept."""

    run: Any  # pipeline.evaluation.results.EvalRun
    reports: dict[str, Report]
    damage: dict[str, list[Damage]]
    requests: int

    def audit(self, golds: dict[str, Report]) -> dict[str, dict[str, int]]:
        """``audit`` summed over the documents."""
        total: dict[str, dict[str, int]] = {}
        for doc_id, report in self.reports.items():
            for kind, row in audit(report, self.damage.get(doc_id, []), golds.get(doc_id)).items():
                into = total.setdefault(kind, dict.fromkeys(row, 0))
                for k, v in row.items():
                    into[k] += v
        return total


def load_seed_documents(fixtures: Any) -> list[tuple[Document, Report]]:
    """The gold documents of ``fixtures`` (a folder with gold/ and raw/), read as the
    pipeline reads them."""
    from pathlib import Path

    from pipeline.evaluation.gold import load_gold
    from pipeline.ingest import read_document

    out = []
    for path in sorted(Path(fixtures, "gold").glob("*.json")):
        gold = load_gold(path)
        out.append((read_document(Path(fixtures, "raw", f"{gold.doc_id}.txt")), gold))
    return out


def run_against(
    oracle: Oracle,
    fixtures: Any,
    *,
    backend: str = "llm",
    concurrency: int = 4,
    cache_dir: Any = None,
    latency_s: float = 0.0,
) -> OracleRun:
    """Start ``oracle`` on 127.0.0.1, evaluate ``backend`` over the gold of ``fixtures`` with
    it, stop it."""
    from pathlib import Path

    from pipeline.evaluation.runner import evaluate
    from pipeline.llm.backend import ModelExtractor, ModelOptions
    from pipeline.llm.settings import LLMSettings

    from .scripted import scripted_servers

    reports: dict[str, Report] = {}
    damage: dict[str, list[Damage]] = {}
    noisy = isinstance(oracle, NoisyOracle)

    def before(doc_id: str) -> None:
        oracle.focus = doc_id
        if noisy:
            oracle.damage.clear()

    def after(doc_id: str, report: Report) -> None:
        reports[doc_id] = report
        if noisy:
            damage[doc_id] = list(oracle.damage)

    with scripted_servers() as start:
        server = start([], responder=oracle, latency_s=latency_s)
        settings = LLMSettings(
            base_url=server.base_url, model="oracle", concurrency=concurrency, max_attempts=2
        )
        options = ModelOptions(use_cache=cache_dir is not None, cache_dir=cache_dir, examples=False)
        with ModelExtractor(settings, options) as model:
            run = evaluate(
                Path(fixtures, "gold"),
                Path(fixtures, "raw"),
                backend,
                model,
                before_each=before,
                after_each=after,
            )
        return OracleRun(run, reports, damage, len(server.chat_requests))
