"""The model backends: map chunks to schema-constrained calls, ground, merge.

``ModelExtractor`` holds a configured client, the prompts and the answer cache, and turns a
document into a Report:

1. **plan**: the table-aware chunks (``pipeline.llm.chunking``); each table chunk is asked the
   ``tables`` task, each narrative chunk the ``narrative`` task, and the first and last chunks
   (title page and signature block) and up to two narrative chunks that open with a report
   title (a report after its tables) also the ``meta`` task;
2. **map**: one call per (chunk, task), at most ``settings.concurrency`` in flight, from an
   asyncio loop over a thread pool (the client is synchronous and thread-safe); answers come
   from the cache when the same question was asked before;
3. a truncated answer splits its chunk in two and asks again (up to ``MAX_SPLITS`` times); a
   chunk that still fails is reported with its span in ``provenance.failed``;
4. **ground** each answer in its own chunk (``pipeline.llm.assemble``), then **merge** the
   pieces in document order (``pipeline.llm.merge``); what could not be grounded is dropped
   and listed in ``provenance.ungrounded``.

Results do not depend on the order calls finish in: pieces are merged by chunk position.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.document import Document
from pipeline.layout.model import Layout
from pipeline.llm.answers import MetaAnswer, NarrativeAnswer, TablesAnswer, bounded
from pipeline.llm.assemble import Grounder, Piece, ground_meta, ground_narrative, ground_tables
from pipeline.llm.cache import AnswerCache, cache_key, default_cache_dir, schema_hash
from pipeline.llm.chunking import Chunk, estimate_tokens, plan_chunks, split_chunk
from pipeline.llm.client import ModelCallError, ModelClient
from pipeline.llm.merge import merge_pieces
from pipeline.llm.prompts import build_messages, load_prompts
from pipeline.llm.settings import LLMSettings, ModelOptions
from pipeline.schema import FailedSpan, Provenance, Report, SourceInfo, Span, Usage

TITLE_PAGE = re.compile(r"(?:19|20)\d\d\s*年度?[^\n]{0,30}(?:自评|评价)报告")
"""A report's title line (2020年度部门整体支出绩效评价报告): where who and which year stand."""
TITLE_REACH = 400
MAX_TITLE_PAGES = 2

MAX_SPLITS = 3
"""How many times a chunk may be halved after truncated answers (down to an eighth)."""


@dataclass(frozen=True)
class Request:
    task: str
    chunk: Chunk


@dataclass
class Outcome:
    """What asking one request produced: answers (one per final piece of the chunk)."""

    answers: list[tuple[Request, object]] = field(default_factory=list)
    failed: list[FailedSpan] = field(default_factory=list)
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    chunk_tokens: int = 0


class ModelExtractor:
    """A model endpoint ready to extract documents (see the module docstring)."""

    def __init__(
        self,
        settings: LLMSettings,
        options: ModelOptions | None = None,
        *,
        client: ModelClient | None = None,
    ):
        self.settings = settings
        self.options = options or ModelOptions()
        self.prompts = load_prompts()  # before the client: a missing prompt leaks nothing
        self.client = client or ModelClient(settings)
        folder = self.options.cache_dir or default_cache_dir()
        self.cache = AnswerCache(Path(folder)) if self.options.use_cache else None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ModelExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plan

    def plan(self, doc: Document, layout: Layout) -> list[Chunk]:
        return plan_chunks(
            doc,
            layout,
            max_tokens=self.options.max_chunk_tokens,
            overlap_tokens=self.options.overlap_tokens,
        )

    @staticmethod
    def requests(
        chunks: list[Chunk],
        *,
        tables: Iterable[int] | None = None,
        forms: Iterable[Span] = (),
    ) -> list[Request]:
        """The questions for ``chunks``: ``tables`` limits the table chunks asked to those
        tables (None: all); narrative and meta are always asked.  A narrative chunk that
        holds part of a form the layout did not see as a table (``forms``: where the form
        reader found one, flattened onto lines, one cell per line, OCR) is asked the tables
        question as well: a table that is not a grid is still a table."""
        wanted = None if tables is None else set(tables)
        form_spans = sorted((s.start, s.end) for s in forms)
        out = []
        for c in chunks:
            if c.kind == "table":
                if wanted is None or c.table_index in wanted:
                    out.append(Request("tables", c))
            else:
                out.append(Request("narrative", c))
                if wanted is None and any(a < c.end and c.start < b for a, b in form_spans):
                    out.append(Request("tables", c))
        if chunks:
            ends = {chunks[0].index: chunks[0], chunks[-1].index: chunks[-1]}
            for c in chunks:  # a title page further in (tables first, then the report)
                if len(ends) < 2 + MAX_TITLE_PAGES and c.kind == "narrative":
                    if TITLE_PAGE.search(c.text[:TITLE_REACH]):
                        ends.setdefault(c.index, c)
            out += [Request("meta", c) for c in sorted(ends.values(), key=lambda c: c.index)]
        return out

    # ------------------------------------------------------------------ map

    def ask_all(self, doc: Document, layout: Layout, requests: list[Request]) -> list[Outcome]:
        """Every request answered (or failed), in the order given, with bounded concurrency."""
        if not requests:
            return []
        return asyncio.run(self._gather(doc, layout, requests))

    async def _gather(
        self, doc: Document, layout: Layout, requests: list[Request]
    ) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        # the pool's size is the bound: at most ``concurrency`` requests run at once
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            calls = (loop.run_in_executor(pool, self.ask, doc, layout, r) for r in requests)
            return list(await asyncio.gather(*calls))

    def ask(self, doc: Document, layout: Layout, req: Request, depth: int = 0) -> Outcome:
        out = Outcome()
        prompt, messages = build_messages(req.task, doc, req.chunk, examples=self.options.examples)
        response_model = bounded(req.task, req.chunk.text)
        key = cache_key(
            model=self.settings.model or "",
            mode=self.settings.mode,
            task=req.task,
            prompt_version=prompt.version,
            prompt_fingerprint=prompt.fingerprint,
            schema=_schema_hash(response_model),
            messages=messages,
        )
        out.chunk_tokens = req.chunk.tokens
        if self.cache is not None and (entry := self.cache.get(key)) is not None:
            try:
                out.answers.append((req, response_model.model_validate(entry["answer"])))
                out.cache_hits = 1
                return out
            except ValueError:
                pass  # an entry of an older schema: ask again
        try:
            answer, usage = self.client.complete(messages, response_model)
        except ModelCallError as exc:
            out.calls = exc.attempts
            if exc.usage is not None:
                out.prompt_tokens += exc.usage.prompt_tokens
                out.completion_tokens += exc.usage.completion_tokens
            halves = (
                split_chunk(req.chunk, doc.normalized, layout)
                if exc.kind == "truncated" and depth < MAX_SPLITS
                else None
            )
            if halves is not None:
                for half in halves:
                    sub = self.ask(doc, layout, Request(req.task, half), depth + 1)
                    _add(out, sub)
                return out
            s, e = doc.offsets.to_original(req.chunk.start, req.chunk.end)
            out.failed.append(
                FailedSpan(
                    chunk=req.chunk.index,
                    span=Span(start=s, end=e),
                    kind=exc.kind,
                    attempts=exc.attempts,
                    message=f"{req.task}: {exc}",
                )
            )
            return out
        out.calls = usage.attempts
        out.prompt_tokens = usage.prompt_tokens
        out.completion_tokens = usage.completion_tokens
        out.answers.append((req, answer))
        if self.cache is not None:
            self.cache.put(
                key,
                {
                    "model": self.settings.model,
                    "task": req.task,
                    "prompt_version": prompt.version,
                    "answer": answer.model_dump(mode="json"),
                    "usage": {
                        "prompt_tokens": usage.prompt_tokens,
                        "completion_tokens": usage.completion_tokens,
                    },
                },
            )
        return out

    # ------------------------------------------------------------------ whole document

    def extract(
        self, doc: Document, layout: Layout, *, tables: Iterable[int] | None = None
    ) -> Report:
        """The ``llm`` backend's Report for ``doc`` (``tables``: see ``requests``)."""
        started = time.perf_counter()
        chunks = self.plan(doc, layout)
        forms = _forms_outside_grids(doc, layout) if tables is None else []
        outcomes = self.ask_all(doc, layout, self.requests(chunks, tables=tables, forms=forms))
        total = Outcome()
        for o in outcomes:
            _add(total, o)
        pieces = [ground(doc, layout, req, answer) for req, answer in total.answers]
        report, conflicts = merge_pieces(pieces)
        report.doc_id = doc.doc_id
        report.source = SourceInfo(
            path=doc.path, sha256=doc.sha256, format=doc.format, encoding=doc.encoding
        )
        report.provenance = Provenance(
            backend="llm",
            model=self.settings.model,
            prompt_versions={t: p.version for t, p in self.prompts.items()},
            usage=Usage(
                calls=total.calls,
                prompt_tokens=total.prompt_tokens,
                completion_tokens=total.completion_tokens,
                cache_hits=total.cache_hits,
                seconds=round(time.perf_counter() - started, 3),
                chunks=len(chunks),
                chunk_tokens=total.chunk_tokens,
                source_tokens=estimate_tokens(doc.normalized),
            ),
            ungrounded=[u for p in pieces for u in p.ungrounded],
            fuzzy=[f for p in pieces for f in p.fuzzy],
            conflicts=[c for p in pieces for c in p.conflicts] + conflicts,
            failed=sorted(total.failed, key=lambda f: f.span.start),
        )
        return report


def _forms_outside_grids(doc: Document, layout: Layout) -> list[Span]:
    """Where the form reader (deterministic, no model) finds a form that no layout table
    covers: the text the tables question must also be asked about."""
    from pipeline.extract.forms import read_forms

    reading = read_forms(doc)
    spans = [form.span for form in reading.forms if form.span is not None]
    spans += [line.amount.span for line in reading.funds if line.amount.span is not None]
    grids = [(t.start, t.end) for t in layout.tables]
    return [s for s in spans if not any(a <= s.start and s.end <= b for a, b in grids)]


def ground(doc: Document, layout: Layout, req: Request, answer: object) -> Piece:
    """One answer grounded in the chunk it was given for."""
    piece = Piece(chunk=req.chunk.index, start=req.chunk.start, table_index=req.chunk.table_index)
    g = Grounder(doc, layout, req.chunk, piece)
    if isinstance(answer, TablesAnswer):
        ground_tables(g, answer)
    elif isinstance(answer, NarrativeAnswer):
        ground_narrative(g, answer)
    elif isinstance(answer, MetaAnswer):
        ground_meta(g, answer)
    else:  # pragma: no cover - ANSWERS lists every type
        raise TypeError(f"no grounding for {type(answer).__name__}")
    return piece


@lru_cache(maxsize=512)
def _schema_hash(model: type) -> str:
    """The cache key's schema part, computed once per (capped) answer model."""
    return schema_hash(model.model_json_schema())


def _add(total: Outcome, o: Outcome) -> None:
    total.answers += o.answers
    total.failed += o.failed
    total.calls += o.calls
    total.prompt_tokens += o.prompt_tokens
    total.completion_tokens += o.completion_tokens
    total.cache_hits += o.cache_hits
    total.chunk_tokens += o.chunk_tokens
