"""Command-line interface.  Errors the pipeline expects (bad input, bad settings) are printed
as one line naming the file and the reason, with a non-zero exit, never as a traceback."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable
from rich.tree import Tree

from pipeline.errors import FatalError, PipelineError, shown
from pipeline.limits import DEFAULT_DOC_TIMEOUT

# The stages (pydantic models, the layout, the checker) and the model stack are imported by
# the commands that use them, so `pipeline --help` and a usage error load neither.

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# Tables are wide; when output is not a terminal, do not squeeze them to 80 columns.
console = Console() if sys.stdout.isatty() else Console(width=160)
err_console = Console(stderr=True, soft_wrap=True)  # one line per message, never wrapped


@app.command()
def layout(
    file: Path = typer.Argument(..., help="a report: .txt, .md, .docx or .pdf"),
    max_rows: int = typer.Option(0, help="show at most this many rows per table (0 = all)"),
) -> None:
    """Show the tables (as grids) and the heading tree reconstructed from FILE."""
    from pipeline.ingest import read_document
    from pipeline.layout import analyze

    doc = read_document(file)
    result = analyze(doc.normalized)
    console.print(
        f"[bold]{escape(shown(doc.path))}[/]  format={doc.format} encoding={doc.encoding} "
        f"tables={len(result.tables)} headings={len(result.headings)}"
    )
    for w in doc.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    for t in result.tables:
        title = f"table {t.index} · {t.format} · {len(t.rows)}×{t.width}" + (
            f" · {t.title}" if t.title else ""
        )
        grid = RichTable(
            title=escape(title), show_header=False, show_lines=True, title_justify="left"
        )
        for _ in range(t.width):
            grid.add_column(overflow="fold", max_width=24)
        rows = t.grid() if not max_rows else t.grid()[:max_rows]
        for row in rows:
            grid.add_row(*(escape(cell) for cell in row + [""] * (t.width - len(row))))
        console.print(grid)
        for note in t.uncertain:
            console.print(f"  [yellow]uncertain:[/] {escape(note)}")
    tree = Tree("[bold]headings[/]")
    nodes: dict[int, Tree] = {}
    for k, h in enumerate(result.headings):
        parent = nodes.get(h.parent) if h.parent is not None else tree
        label = escape(h.text) + (
            f"  [yellow](uncertain: {escape(h.uncertain)})[/]" if h.uncertain else ""
        )
        nodes[k] = (parent or tree).add(label)
    console.print(tree)


@app.command()
def chunks(
    file: Path = typer.Argument(..., help="a report: .txt, .md, .docx or .pdf"),
    max_tokens: int = typer.Option(1200, help="token budget of a chunk"),
    overlap: int = typer.Option(100, help="tokens of overlap between narrative chunks"),
) -> None:
    """Show how FILE would be cut into chunks for a model: tables split only between rows."""
    from pipeline.ingest import read_document
    from pipeline.layout import analyze
    from pipeline.llm.chunking import plan_chunks, plan_totals

    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise PipelineError(
            f"--max-tokens {max_tokens} --overlap {overlap}: give a budget of at least 1 "
            "and an overlap of at least 0 and below the budget"
        )
    doc = read_document(file)
    result = analyze(doc.normalized)
    planned = plan_chunks(doc, result, max_tokens=max_tokens, overlap_tokens=overlap)
    totals = plan_totals(doc, planned)
    console.print(
        f"[bold]{escape(shown(doc.path))}[/]  format={doc.format} tables={len(result.tables)} "
        f"max_tokens={max_tokens} overlap={overlap}"
    )
    for w in doc.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    grid = RichTable(title_justify="left")
    for col in ("#", "kind", "table", "start–end", "tokens", "header", "text"):
        grid.add_column(col, justify="right" if col in {"#", "table", "tokens"} else "left")
    for c in planned:
        head = escape(" ".join(c.text.split())[:40])
        header = f"{c.header_rows} row{'s' if c.header_rows > 1 else ''}" if c.header_rows else ""
        if c.note:
            header = f"[yellow]{'over budget' if c.oversize else 'no header'}[/]"
        grid.add_row(
            str(c.index),
            c.kind,
            "" if c.table_index is None else str(c.table_index),
            f"{c.start}–{c.end}",
            f"[red]{c.tokens}[/]" if c.tokens > max_tokens else str(c.tokens),
            header,
            head,
        )
    console.print(grid)
    for c in planned:
        if c.note:
            console.print(f"  [yellow]chunk {c.index}:[/] {escape(c.note)}")
    console.print(
        f"chunks={totals.chunks} tokens={totals.tokens} source tokens={totals.source_tokens} "
        f"amplification={totals.amplification:.3f}"
    )


MIN_CHUNK_TOKENS = 200

BACKEND_HELP = (
    "rules (offline), llm or hybrid (need a model: PIPELINE_LLM_MODEL and OPENAI_BASE_URL), "
    "or auto: hybrid when a model is configured, else rules"
)


def _model_options(cache: Path | None, no_cache: bool, max_chunk_tokens: int):
    from pipeline.llm.settings import ModelOptions

    if max_chunk_tokens < MIN_CHUNK_TOKENS:
        raise PipelineError(
            f"--max-chunk-tokens {max_chunk_tokens}: give at least {MIN_CHUNK_TOKENS} "
            "(a chunk must hold a table row with its header)"
        )
    return ModelOptions(cache_dir=cache, use_cache=not no_cache, max_chunk_tokens=max_chunk_tokens)


def _open_backend(backend: str, cache: Path | None, no_cache: bool, max_chunk_tokens: int):
    from pipeline.backends import open_backend

    chosen, model, notice = open_backend(backend, _model_options(cache, no_cache, max_chunk_tokens))
    if notice:
        err_console.print(f"[yellow]note:[/] {notice}")
    return chosen, model


@app.command()
def run(
    paths: list[Path] = typer.Argument(..., help="files or folders of reports"),
    out: Path = typer.Option(Path("out"), "-o", "--out", help="output folder"),
    backend: str = typer.Option("auto", help=BACKEND_HELP),
    cache: Path = typer.Option(None, help="model answer cache (default ~/.cache/pipeline/llm)"),
    no_cache: bool = typer.Option(False, "--no-cache", help="ask the model even if cached"),
    max_chunk_tokens: int = typer.Option(1200, help="token budget of a chunk sent to a model"),
    draft: bool = typer.Option(
        False, "--draft", help="also draft the narrative sections: OUT/<name>.draft.md and .docx"
    ),
    draft_backend: str = typer.Option("template", help="drafting backend: template or llm"),
    doc_timeout: float = typer.Option(
        DEFAULT_DOC_TIMEOUT,
        "--doc-timeout",
        help="seconds one document may take before it is stopped as an error (0: no limit)",
    ),
) -> None:
    """Process reports and write one JSON per document into OUT, named after its input
    (its path relative to the folder given: sub/a.txt → OUT/sub/a.json)."""
    from pipeline import batch
    from pipeline.ingest import input_files

    if doc_timeout < 0:
        raise PipelineError(f"--doc-timeout {doc_timeout:g}: give 0 (no limit) or more seconds")
    if draft_backend not in ("template", "llm"):
        raise PipelineError(f"--draft-backend {draft_backend!r}: give template or llm")
    jobs = batch.plan_jobs(input_files(paths, exclude=out))
    if not jobs:
        raise PipelineError(f"no input files found in {', '.join(map(shown, paths))}")
    batch.prepare_output(out)
    if doc_timeout and not batch.forking():
        err_console.print("[yellow]note:[/] --doc-timeout is not enforced on this platform")
    chosen, model = _open_backend(backend, cache, no_cache, max_chunk_tokens)
    drafter = _Drafter(draft_backend, model) if draft else None
    settings = batch.Settings(out=out, backend=chosen, model=model, drafter=drafter)
    try:
        rows = _run_jobs(jobs, settings, doc_timeout)
    except FatalError as e:
        _summary(getattr(e, "rows", []), out)
        raise PipelineError(f"{e}; the run is stopped") from None
    finally:
        if drafter is not None:
            drafter.close()
        if model is not None:
            model.close()
    _summary(rows, out)
    if not any(r.ok for r in rows):
        raise typer.Exit(1)
    if any(r.status != "ok" for r in rows):
        raise typer.Exit(2)


def _run_jobs(jobs, settings, timeout: float):
    from pipeline.batch import run_batch

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("processing", total=len(jobs))

        done_count = 0

        def done(job, row) -> None:
            nonlocal done_count
            done_count += 1
            progress.advance(task)
            if done_count < len(jobs):
                progress.update(task, description=f"processing {escape(jobs[done_count].shown)}")

        progress.update(task, description=f"processing {escape(jobs[0].shown)}")
        return run_batch(jobs, settings, timeout=timeout, on_row=done)


class _Drafter:
    """Drafts every section of a Report with the backend asked for; a model backend without
    a configured model falls back to the templates (said once).  Closes the client it made."""

    def __init__(self, backend: str, model) -> None:
        self.backend, self.client, self._own = backend, None, False
        if backend != "llm":
            return
        if model is not None:
            self.client = model.client
            return
        from pipeline.llm.client import ModelClient
        from pipeline.llm.settings import LLMSettings

        settings = LLMSettings.from_env()
        if settings.configured:
            self.client, self._own = ModelClient(settings), True
        else:
            err_console.print("[yellow]note:[/] no model configured: drafting with the templates")
            self.backend = "template"

    def __call__(self, report):
        from pipeline.draft import draft_all

        return draft_all(report, backend=self.backend, client=self.client)

    def close(self) -> None:
        if self._own and self.client is not None:
            self.client.close()


def _checked(report):
    """The Report with its findings recomputed, so a draft never claims data were checked
    when they were not (the source is read when at hand, for the rules that need it)."""
    from pipeline.check import check_report
    from pipeline.check.sources import source_text

    try:
        text, note = source_text(report, None)
    except PipelineError as e:
        text, note = None, str(e)
    if note:
        err_console.print(f"[yellow]note:[/] {note}")
    report.findings = [f for f in report.findings if f.family == "extraction"] + check_report(
        report, text
    )
    return report


@app.command("draft")
def draft_(
    report_json: Path = typer.Argument(..., help="a Report JSON, or a document JSON of `run`"),
    section: str = typer.Option(
        None,
        help="budget (预算执行情况), indicators (绩效指标完成情况), "
        "problems (存在问题及改进措施) or summary (总体评价)",
    ),
    all_: bool = typer.Option(False, "--all", help="every section, as Markdown and .docx"),
    backend: str = typer.Option("template", help="template (offline) or llm"),
    output: Path = typer.Option(
        None, "-o", "--output", help="write here (.md; with --all also a .docx beside it)"
    ),
) -> None:
    """Draft narrative sections from a Report's figures; every number is verified against
    the data, and what cannot be verified is listed (exit 4 when a section is not verified)."""
    from pipeline.check.sources import load_report
    from pipeline.draft import check_kind, draft_all, draft_section
    from pipeline.draft.output import draft_title, to_markdown, write_docx, write_markdown

    if all_ == (section is not None):
        raise PipelineError("give either --section KIND or --all")
    if backend not in ("template", "llm"):
        raise PipelineError(f"--backend {backend!r}: give template or llm")
    report = _checked(load_report(report_json))
    client = None
    if backend == "llm":
        from pipeline.llm.client import ModelClient
        from pipeline.llm.settings import LLMSettings

        settings = LLMSettings.from_env()
        if not settings.configured:
            raise PipelineError(
                "--backend llm needs a model: set PIPELINE_LLM_MODEL and OPENAI_BASE_URL"
            )
        client = ModelClient(settings)
    try:
        if all_:
            drafts = draft_all(report, backend=backend, client=client)
        else:
            drafts = [draft_section(report, check_kind(section), backend=backend, client=client)]
    finally:
        if client is not None:
            client.close()
    title = draft_title(report) if all_ else None
    if output is None:
        sys.stdout.write(to_markdown(drafts, title))
    else:
        md = output if output.suffix == ".md" else output.with_suffix(".md")
        written = [md, md.with_suffix(".docx")] if all_ else [md]
        try:
            write_markdown(drafts, md, title)
            if all_:
                write_docx(drafts, md.with_suffix(".docx"), title)
        except OSError as e:
            raise PipelineError(
                f"{shown(output)}: cannot write the draft ({e.strerror or e})"
            ) from None
        err_console.print(escape("written " + " and ".join(map(shown, written))))
    for d in drafts:
        v = d.verification
        colour = "green" if d.ok else "red"
        err_console.print(
            f"{escape(d.title)} ({d.kind}, {d.backend}): [{colour}]{d.status}[/], "
            f"{v.verified}/{v.total} numbers verified ({v.share:.0%}), {d.attempts} attempt(s)"
        )
        for n in v.unverified:
            err_console.print(f"  unverified {escape(n.text)}: {escape(n.sentence)}")
    if not all(d.ok for d in drafts):
        raise typer.Exit(4)


@app.command("extract")
def extract_(
    file: Path = typer.Argument(..., help="a report: .txt, .md, .docx or .pdf"),
    backend: str = typer.Option("auto", help=BACKEND_HELP),
    output: Path = typer.Option(None, "-o", "--output", help="write the Report JSON here"),
    cache: Path = typer.Option(None, help="model answer cache (default ~/.cache/pipeline/llm)"),
    no_cache: bool = typer.Option(False, "--no-cache", help="ask the model even if cached"),
    max_chunk_tokens: int = typer.Option(1200, help="token budget of a chunk sent to a model"),
) -> None:
    """Extract one report and print its Report JSON (values, spans, findings, provenance)."""
    from pipeline.ingest import read_document
    from pipeline.layout import analyze
    from pipeline.output import atomic_write_json
    from pipeline.stages import build_report

    chosen, model = _open_backend(backend, cache, no_cache, max_chunk_tokens)
    try:
        doc = read_document(file)
        report = build_report(doc, analyze(doc.normalized), chosen, model)
    finally:
        if model is not None:
            model.close()
    data = report.model_dump(mode="json", exclude_none=True)
    if output is not None:
        atomic_write_json(output, data)
        err_console.print(f"written {escape(shown(output))}")
    else:
        import json

        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    _usage_line(report)


def _usage_line(report) -> None:
    from pipeline.batch import usage_text

    line = usage_text(report)
    if line:
        err_console.print(escape(line))


@app.command()
def check(
    report_json: Path = typer.Argument(..., help="a Report JSON, or a document JSON of `run`"),
    source: Path = typer.Option(
        None, help="the report's source file (default: the path the Report names, if present)"
    ),
    fail_on: str = typer.Option(
        "never",
        help="exit with status 3 on findings of this severity or worse: error, warning, never",
    ),
) -> None:
    """Check the arithmetic of an extracted Report and print its findings by severity."""
    from pipeline.check import check_report
    from pipeline.check.render import render_findings
    from pipeline.check.sources import load_report, source_text

    if fail_on not in ("error", "warning", "never"):
        raise PipelineError(f"--fail-on {fail_on!r}: give error, warning or never")
    report = load_report(report_json)
    text, note = source_text(report, source)
    if note:
        err_console.print(f"[yellow]note:[/] {escape(note)}")
    findings = check_report(report, text)
    render_findings(findings, console, title=f"{shown(report_json)}:")
    worst = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[fail_on]
    if any(f.severity.value in worst for f in findings):
        raise typer.Exit(3)


@app.command()
def rules() -> None:
    """List the checker's rules: id, family and what each checks."""
    from pipeline.check import RULES

    table = RichTable(title=f"{len(RULES)} rules", title_justify="left", show_lines=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("what it checks", overflow="fold")
    for r in sorted(RULES.values(), key=lambda r: r.id):
        table.add_row(r.id, " ".join(r.doc.split()))
    console.print(table)


@app.command("eval")
def eval_(
    gold: Path = typer.Option(Path("fixtures/gold"), help="folder of gold Report JSON files"),
    raw: Path = typer.Option(Path("fixtures/raw"), help="folder of the gold documents' sources"),
    backend: str = typer.Option("rules", help="extraction backend to score: rules, llm, hybrid"),
    cache: Path = typer.Option(None, help="model answer cache (default ~/.cache/pipeline/llm)"),
    no_cache: bool = typer.Option(False, "--no-cache", help="ask the model even if cached"),
    out: Path = typer.Option(Path("eval/results"), help="where the JSON and Markdown results go"),
    thresholds: Path = typer.Option(Path("eval/thresholds.json"), help="minimum F1 per family"),
    snapshot: Path = typer.Option(
        None, help="results to compare with (default: eval/results/BACKEND.json)"
    ),
    wild: Path = typer.Option(
        Path("fixtures/wild"),
        help="the wild set (gold/ and raw/ inside), scored separately; skipped if absent",
    ),
    shapes: bool = typer.Option(
        None,
        "--shapes/--no-shapes",
        help="render every gold scorecard into each text shape and score the reading "
        "(default: on for rules)",
    ),
) -> None:
    """Score a backend against hand-labelled gold: P/R/F1 per field family and document,
    for the seeds, the wild set and (rules) every text shape."""
    from pipeline.backends import MODEL_BACKENDS
    from pipeline.evaluation.results import (
        check_thresholds,
        compare,
        load_thresholds,
        render_rich,
        write_results,
    )
    from pipeline.evaluation.runner import evaluate, evaluate_shapes

    model = None
    if backend in MODEL_BACKENDS:
        from pipeline.llm.backend import ModelExtractor
        from pipeline.llm.settings import LLMSettings

        settings = LLMSettings.from_env()
        if settings.configured:
            model = ModelExtractor(settings, _model_options(cache, no_cache, 1200))
    from pipeline.evaluation import shape_results

    limits = load_thresholds(thresholds) if thresholds.exists() else {}
    wild_gold = wild / "gold"
    try:
        runs = [evaluate(gold, raw, backend, model)]
        if wild_gold.is_dir() and any(wild_gold.glob("*.json")):
            runs.append(evaluate(wild_gold, wild / "raw", backend, model, name="wild"))
        shape_runs = {}
        if backend not in MODEL_BACKENDS if shapes is None else shapes:
            gold_dirs = [gold] + ([wild_gold] if wild_gold.is_dir() else [])
            shape_runs = evaluate_shapes(gold_dirs, backend, model)
    finally:
        if model is not None:
            model.close()
    violations: list[str] = []
    for result in runs:
        render_rich(result, console)
        changes = compare(result, snapshot or Path("eval/results") / f"{result.name}.json")
        console.print(
            f"[bold]{result.set} against the committed snapshot:[/] "
            + ("no change" if not changes else "")
        )
        for line in changes:
            console.print(f"  {line}")
        json_path, md_path = write_results(result, out)
        console.print(f"written {json_path} and {md_path}")
        if result.name in limits:
            violations += [
                f"{result.set}: {v}" for v in check_thresholds(result, limits[result.name])
            ]
    if shape_runs:
        data = shape_results.summary(backend, shape_runs)
        shape_results.render_rich(data, console)
        json_path, md_path = shape_results.write(data, out)
        console.print(f"written {json_path} and {md_path}")
        violations += shape_results.violations(backend, shape_runs, limits)
    for v in violations:
        err_console.print(f"[red]below threshold:[/] {v}")
    if violations:
        raise typer.Exit(1)


def _finding_counts(counts: dict[str, int]) -> str:
    """``2 errors, 1 warning`` in colour, or ``none``."""
    style = {"error": "red", "warning": "yellow", "info": "cyan"}
    parts = []
    for sev, colour in style.items():
        n = counts.get(sev, 0)
        if n:
            parts.append(f"[{colour}]{n} {sev}{'s' if n > 1 and sev != 'info' else ''}[/]")
    return ", ".join(parts) or "none"


_STATUS = {
    "ok": "[green]ok[/]",
    "partial": "[yellow]partial[/]",
    "empty": "[yellow]empty[/]",
    "error": "[red]error[/]",
}


def _summary(rows, out: Path) -> None:
    """The table of a run, one row per document, then what needs saying: model usage,
    notes (warnings, renamed outputs, drafting problems) and errors, one line each.  Every
    document-derived string is escaped: rich would read ``[/i]`` in a name as markup."""
    from pipeline.batch import ERRORS_LOG

    table = RichTable(title=escape(f"{len(rows)} documents → {shown(out)}/"), title_justify="left")
    right = {"tables", "scorecards", "indicators", "total", "grounded", "seconds"}
    for col in (
        "document",
        "format",
        "forms",
        "tables",
        "scorecards",
        "indicators",
        "total",
        "grade",
        "findings",
        "grounded",
        "seconds",
        "status",
    ):
        table.add_column(col, justify="right" if col in right else "left")
    for r in rows:
        if not r.ok:
            table.add_row(escape(r.document), *[""] * 9, f"{r.seconds:.2f}", _STATUS["error"])
            continue
        table.add_row(
            escape(r.document),
            r.format,
            escape(", ".join(r.forms)),
            str(r.tables),
            str(r.scorecards),
            str(r.indicators),
            escape(", ".join(r.totals[:3]) + ("…" if len(r.totals) > 3 else "")),
            escape(", ".join(r.grades[:2])),
            _finding_counts(r.findings),
            f"{r.grounded:.0%}" if r.grounded is not None else "",
            f"{r.seconds:.2f}",
            _STATUS.get(r.status, escape(r.status)),
        )
    console.print(table)
    for r in rows:
        if r.usage:
            err_console.print(escape(r.usage))
    for r in rows:
        if r.reason is not None:
            err_console.print(f"[yellow]{r.status}:[/] {escape(r.document)}: {escape(r.reason)}")
    for r in rows:
        for note in r.notes:
            err_console.print(f"[yellow]note:[/] {escape(note)}")
    for r in rows:
        if r.error is not None:
            err_console.print(f"[red]error:[/] {escape(r.error)}")
    if any(r.traceback for r in rows):
        log = shown(out / ERRORS_LOG)
        err_console.print(
            f"[yellow]note:[/] the tracebacks of unexpected errors are in {escape(log)}"
        )


def _usage_error_line(e) -> str:
    """A usage error in one line: click's own report is the usage block, a hint and the
    error on three lines.  A file name starting with ``-`` reads as an option; say how to
    pass it."""
    message = " ".join(e.format_message().split())
    ctx = getattr(e, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    option = getattr(e, "option_name", None) or ""
    if option.startswith("-") and not option.startswith("--"):
        command = ctx.command_path if ctx is not None else "pipeline"
        hint += f"; a file name starting with '-' goes after '--' ({command} -- FILE)"
    return f"{message}{hint}"


def main() -> None:
    """Entry point: run the app, turning expected errors into one line and exit code 1
    (usage errors: exit code 2, as click gives them).

    typer 0.29 runs on its own copy of click (``typer._click``) whose exceptions derive from
    ``typer.exceptions.TyperException``, not from the ``click`` package's ``ClickException``:
    an ``isinstance`` check against ``click`` never matches them.  pyproject.toml pins the
    typer range this is tested with."""
    from typer.exceptions import TyperException

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # instructor logs every failed attempt at ERROR; the client reports failures itself
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except PipelineError as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}")
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except TyperException as e:  # usage errors: missing argument, unknown option, bad value
        if type(e).__name__ == "NoArgsIsHelpError":  # `pipeline` alone: the help is the answer
            e.show()
            sys.exit(0)
        err_console.print(f"[red]error:[/] {escape(_usage_error_line(e))}")
        sys.exit(getattr(e, "exit_code", 2))


if __name__ == "__main__":
    main()
