"""A batch run (``pipeline run``): each document read, extracted, checked, written and drafted
in a worker process, and only a summary row sent back.

Nothing one document does may stop the others, cost them their outputs, or grow with the
batch:

- **errors**: any exception inside a document, expected (a ``PipelineError``) or not, becomes
  that document's error; an unexpected one also leaves its traceback in ``errors.log`` in the
  output folder.  A write that fails (a folder where the JSON goes, a full disk) is the
  document's error too, and its stale outputs of an earlier run are removed, so nothing left
  in the folder looks current when it is not.  The JSON is written before the drafts.
- **time**: ``--doc-timeout`` stops a document that runs too long.  The document runs in a
  worker process, and the parent kills the worker when the time is up.  Killing a process is
  the one mechanism that stops any code. A signal (``SIGALRM``) is handled only between
  bytecodes and where C code checks for it: ``re`` does so every few thousand steps, but lxml,
  ``Decimal`` arithmetic on huge numbers and ``str`` methods on huge strings do not.  A signal
  also works only in the main thread, and the exception it raises can come at any point and
  leave shared state half-updated (the model client's pool, caches).  A thread cannot be
  stopped at all.  The worker is forked once and reused, so a document costs one round trip
  through a pipe, not an interpreter start. It is forked again only after it was killed or
  died (a fault in a C extension, the OOM killer), which then costs only the one document.
- **memory**: the parent keeps one small ``Row`` per document; what a document needed is
  freed in the worker when it is done.
- **names**: outputs mirror the input's path relative to the folder given (``sub1/b.json``).
  Two inputs that still map to one name (``a.txt`` beside ``a.md``) are both kept, named
  with their suffix (``a.txt.json``), and the summary says so.  Names that are not UTF-8
  are kept as bytes on disk and shown with their escapes.

Where ``fork`` is not available (Windows), documents run in this process and the time limit
is not enforced; ``run`` says so.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from pipeline.errors import FatalError, PipelineError, shown
from pipeline.limits import DEFAULT_DOC_TIMEOUT
from pipeline.output import atomic_write_json

ERRORS_LOG = "errors.log"


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class Job:
    """One input and where its outputs go (``stem`` + ``.json``, ``.draft.md`` …, relative
    to the output folder)."""

    source: Path
    name: PurePath  # the input's name as its outputs mirror it (sub1/b.txt)
    stem: PurePath  # its outputs' name without suffix (sub1/b)
    renamed: str | None = None  # why ``stem`` is not the plain mirror of ``name``

    @property
    def shown(self) -> str:
        return shown(self.name)

    @property
    def json_name(self) -> PurePath:
        return self.stem.with_name(self.stem.name + ".json")


def plan_jobs(files: list[tuple[Path, PurePath]]) -> list[Job]:
    """Output names for the inputs: the input's relative path without its suffix; inputs
    whose names would clash keep their suffix (``a.txt.json``, ``a.md.json``), and inputs
    that clash even so (the same relative name given from two folders) get a short hash of
    their source path.  Both steps depend only on the inputs, never on the order of the
    batch, so a re-run writes the same names.  Names are compared case-folded: on a
    case-insensitive file system ``A.json`` and ``a.json`` are one file."""

    def clashes(stems: list[PurePath]) -> Counter[str]:
        return Counter(str(stem).casefold() for stem in stems)

    plain = [name.with_suffix("") for _, name in files]
    count = clashes(plain)
    stems = [
        name if count[str(stem).casefold()] > 1 else stem
        for stem, (_, name) in zip(plain, files, strict=True)
    ]
    count = clashes(stems)
    jobs: list[Job] = []
    for plain_stem, stem, (source, name) in zip(plain, stems, files, strict=True):
        if count[str(stem).casefold()] > 1:
            digest = hashlib.sha1(os.fsencode(os.path.abspath(source))).hexdigest()[:8]
            stem = stem.with_name(f"{stem.name}.{digest}")
        renamed = None
        if stem != plain_stem:
            renamed = (
                f"{shown(name)}: another input also maps to {shown(plain_stem)}.json; "
                f"written as {shown(stem)}.json"
            )
        jobs.append(Job(source, name, stem, renamed))
    return jobs


def prepare_output(out: Path) -> None:
    """The output folder, made and known to be writable, or a one-line error: a folder that
    cannot take any output fails the run at once rather than each document in turn.
    Temporaries orphaned by a killed run are removed."""
    from pipeline.output import remove_stale_temporaries

    if out.exists() and not out.is_dir():
        raise PipelineError(f"-o {shown(out)}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".pipeline-probe.{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise PipelineError(
            f"-o {shown(out)}: cannot write into this folder ({e.strerror or e})"
        ) from None
    remove_stale_temporaries(out)


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    """What the summary needs of one document, and nothing more: the parent keeps these
    only, so a batch's memory does not grow with its results."""

    document: str  # the input's name as shown
    output: str | None = None  # the JSON written, relative to the output folder
    status: str = "error"  # ok, partial (a model failed on some chunks), empty, error
    reason: str | None = None  # why a written document is partial or empty
    error: str | None = None
    forms: list[str] = field(default_factory=list)  # the forms recognised, short names
    format: str = ""
    tables: int = 0
    scorecards: int = 0
    indicators: int = 0
    totals: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)  # severity → count
    grounded: float | None = None
    seconds: float = 0.0
    usage: str | None = None  # the model usage line, when a model was used
    notes: list[str] = field(default_factory=list)  # warnings, renames, drafting problems
    traceback: str | None = None  # of an unexpected error, for errors.log
    fatal: str | None = None  # an error that stops the batch

    @property
    def ok(self) -> bool:
        return self.status != "error"


def usage_text(report) -> str | None:
    """One line of what a model-backed extraction cost and what grounding dropped."""
    prov = report.provenance
    if prov is None or prov.model is None:
        return None
    u = prov.usage
    return (
        f"{report.doc_id}: {prov.backend} with {prov.model}: {u.calls} calls, "
        f"{u.prompt_tokens}+{u.completion_tokens} tokens, {u.cache_hits} cached, "
        f"amplification {u.amplification:.2f}, {len(prov.ungrounded)} ungrounded dropped, "
        f"{len(prov.fuzzy)} fuzzy, {len(prov.conflicts)} conflicts, "
        f"{len(prov.failed)} failed chunks"
    )


EMPTY_REASON = "no scorecard, funds table or prose figure was recognised"
SHORT_FORMS = {
    "项目支出绩效自评表": "项目自评表",
    "部门整体支出绩效自评表": "整体自评表",
    "绩效评价得分表": "得分表",
    "基础数据表": "基础数据表",
    "三公经费表": "三公表",
    "收支表": "收支表",
    "prose": "正文",
}


def document_status(report) -> tuple[str, str | None]:
    """``ok``; ``partial`` when a model failed on some chunks; ``empty`` when nothing a
    report states was recognised (no scorecard, funds table or prose figure): the document
    was read but its data were not, which a user must hear about as much as a partial one.
    With the reason for anything but ``ok``."""
    prov = report.provenance
    if prov is not None and prov.failed:
        return "partial", f"a model failed on {len(prov.failed)} chunk(s)"
    if not (report.scorecards or report.funds or report.facts):
        return "empty", EMPTY_REASON
    return "ok", None


def form_names(report) -> list[str]:
    """The kinds of the forms recognised, short, in document order, each once with its
    count (``项目自评表×3``)."""
    counts = Counter(SHORT_FORMS.get(f.kind, f.kind) for f in report.forms)
    return [f"{k}×{n}" if n > 1 else k for k, n in counts.items()]


def summary_row(result, job: Job) -> Row:
    """The summary of a processed document (``pipeline.stages.DocumentResult``)."""
    from pipeline.schema import grounded_share

    row = Row(document=job.shown, error=result.error)
    doc, layout, rep = result.document, result.layout, result.report
    if not (result.ok and doc and layout and rep):
        row.error = row.error or f"{job.shown}: nothing was extracted"
        return row
    row.status, row.reason = document_status(rep)
    row.forms = form_names(rep)
    row.format = doc.format
    row.tables = len(layout.tables)
    row.scorecards = len(rep.scorecards)
    row.indicators = sum(len(c.indicators) for c in rep.scorecards)
    row.totals = [c.total_score.raw for c in rep.scorecards if c.total_score]
    row.grades = [c.grade.raw for c in rep.scorecards if c.grade]
    for f in rep.findings:
        row.findings[f.severity.value] = row.findings.get(f.severity.value, 0) + 1
    row.grounded = grounded_share(rep, doc.original)
    row.usage = usage_text(rep)
    row.notes += [f"{job.shown}: {w}" for w in doc.warnings]
    return row


# --------------------------------------------------------------------------- one document


@dataclass
class Settings:
    """What every document of the batch is run with."""

    out: Path
    backend: str = "rules"
    model: Any = None  # a ModelExtractor for the model backends
    drafter: Callable[[Any], list] | None = None  # Report → drafts, for --draft


def _stale_outputs(out: Path, job: Job, drafts_only: bool = False) -> Iterator[Path]:
    from pipeline.draft.output import draft_paths

    stem = out / job.stem
    yield from draft_paths(stem)
    if not drafts_only:
        yield out / job.json_name


def remove_stale(out: Path, job: Job, *, drafts_only: bool = False) -> None:
    """Remove a document's outputs of an earlier run (regular files only), so that a
    document that failed this time leaves nothing that looks current."""
    for p in _stale_outputs(out, job, drafts_only):
        try:
            if p.is_file() or p.is_symlink():
                p.unlink()
        except OSError:
            pass


def _write_error(path: Path, e: OSError) -> str:
    return f"cannot write {shown(path)} ({e.strerror or e})"


def run_one(job: Job, settings: Settings) -> Row:
    """Read, extract, check, write and draft one document; never raises but for
    ``FatalError`` (see the module docstring)."""
    from pipeline.stages import process

    out = settings.out
    try:
        result = process(job.source, settings.backend, settings.model)
        row = summary_row(result, job)
        if not row.ok:
            remove_stale(out, job)
            return row
        data = result.to_json()
        data["status"] = row.status
        if row.reason is not None:
            data["status_reason"] = row.reason
        drafts = None
        if settings.drafter is not None:
            try:
                drafts = settings.drafter(result.report)
                data["drafts"] = [d.summary() for d in drafts]
            except FatalError:
                raise
            except Exception as e:  # a draft that cannot be made must not cost the JSON
                data["drafts_error"] = f"{type(e).__name__}: {e}"
                row.notes.append(f"{job.shown}: drafting failed ({type(e).__name__}: {e})")
        target = out / job.json_name
        try:
            atomic_write_json(target, data)
        except OSError as e:
            remove_stale(out, job)
            return Row(document=job.shown, error=f"{job.shown}: {_write_error(target, e)}")
        row.output = shown(job.json_name)
        if drafts is None:
            remove_stale(out, job, drafts_only=True)
        else:
            from pipeline.draft.output import write_drafts

            try:
                write_drafts(drafts, result.report, out / job.stem)
            except OSError as e:
                remove_stale(out, job, drafts_only=True)
                row.notes.append(f"{job.shown}: drafts not written ({e.strerror or e})")
        return row
    except FatalError:
        raise
    except Exception as e:  # a bug must not stop the batch: it is this document's error
        remove_stale(out, job)
        return Row(
            document=job.shown,
            error=f"{job.shown}: unexpected error ({type(e).__name__}: {shown(str(e))})",
            traceback=traceback.format_exc(),
        )


def _guarded(job: Job, settings: Settings) -> Row:
    try:
        return run_one(job, settings)
    except FatalError as e:
        return Row(document=job.shown, error=f"{job.shown}: {e}", fatal=str(e))


# --------------------------------------------------------------------------- the worker


def _serve(conn, settings: Settings) -> None:
    """The worker's loop: a job in, a row out, until the pipe closes.  Ctrl-C is the
    parent's to handle (it stops the worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(_guarded(job, settings))


class _Worker:
    """A forked worker process and its pipe."""

    def __init__(self, settings: Settings) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, settings), daemon=True)
        self.process.start()
        child.close()

    def ask(self, job: Job, timeout: float | None) -> Row | str:
        """The document's row, or why there is none ("timeout", or how the worker died)."""
        try:
            self.conn.send(job)
            if not self.conn.poll(timeout):
                return "timeout"
            return self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            code = self.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            return f"the worker process died ({how})"

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
        if kill:
            self.process.kill()
        self.process.join(5 if not kill else None)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def forking() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run_batch(
    jobs: list[Job],
    settings: Settings,
    *,
    timeout: float | None = DEFAULT_DOC_TIMEOUT,
    on_row: Callable[[Job, Row], None] | None = None,
) -> list[Row]:
    """Every job run (see the module docstring), a row per job, in order.  ``timeout``:
    seconds per document (None or 0: no limit).  Raises ``FatalError`` when a document hit
    an error every other would hit too; the rows so far are in its ``rows`` attribute."""
    from pipeline.output import remove_stale_temporaries

    timeout = timeout or None
    rows: list[Row] = []
    worker = _Worker(settings) if forking() else None
    log = _ErrorLog(settings.out / ERRORS_LOG)
    try:
        for job in jobs:
            started = time.monotonic()
            if worker is None:
                row = _guarded(job, settings)
            else:
                got = worker.ask(job, timeout)
                if isinstance(got, Row):
                    row = got
                else:
                    worker.stop(kill=True)
                    worker = _Worker(settings)
                    remove_stale(settings.out, job)
                    remove_stale_temporaries((settings.out / job.stem).parent)
                    reason = (
                        f"took longer than --doc-timeout {timeout:g} s; stopped"
                        if got == "timeout"
                        else got
                    )
                    row = Row(document=job.shown, error=f"{job.shown}: {reason}")
            row.seconds = time.monotonic() - started
            if job.renamed:
                row.notes.insert(0, job.renamed)
            if row.error is not None:
                log.add(row)
            rows.append(row)
            if on_row is not None:
                on_row(job, row)
            if row.fatal is not None:
                error = FatalError(row.fatal)
                error.rows = rows  # type: ignore[attr-defined]
                raise error
    except BaseException:
        if worker is not None:
            worker.stop(kill=True)
        raise
    if worker is not None:
        worker.stop()
    return rows


class _ErrorLog:
    """``errors.log`` in the output folder: each failed document of a run under a header
    naming the run, with the traceback of an unexpected error.  Appended to, so an earlier
    run's record stays; created only when a run has an error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = time.strftime("%Y-%m-%d %H:%M:%S")
        self.written = False
        self.tracebacks = 0

    def add(self, row: Row) -> None:
        lines = []
        if not self.written:
            lines.append(f"=== pipeline run started {self.started} (pid {os.getpid()})")
        lines.append(f"{time.strftime('%H:%M:%S')} {row.error}")
        if row.traceback:
            lines.append(row.traceback.rstrip())
            self.tracebacks += 1
        try:
            with open(self.path, "a", encoding="utf-8", errors="backslashreplace") as f:
                f.write("\n".join(lines) + "\n")
            self.written = True
        except OSError:
            pass  # the log is a help, not an output: its failure must not stop the batch
