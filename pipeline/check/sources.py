"""Reading what ``pipeline check`` is given: a Report JSON (or the document JSON that
``pipeline run`` writes, which holds one), and the source text its spans point into."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from pipeline.errors import InputError, PipelineError
from pipeline.ingest import read_document
from pipeline.schema import Report


def load_report(path: Path) -> Report:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(path, f"not a JSON file ({e})") from None
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror})") from None
    if isinstance(data, dict) and isinstance(data.get("report"), dict):
        data = data["report"]  # a document JSON written by `pipeline run`
    try:
        return Report.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "the top level"
        raise InputError(path, f"not a Report ({where}: {first['msg']})") from None


def source_text(report: Report, source: Path | None) -> tuple[str | None, str | None]:
    """The original text of the report's source, and a note when it is not available (the
    rules that read the prose around figures are then skipped).  A source whose content is
    not the one the Report was made from is refused: its spans would point at other text."""
    path = source or (Path(report.source.path) if report.source else None)
    if path is None:
        return None, "the Report names no source file; rules that read the prose are skipped"
    if not path.exists():
        if source is not None:
            raise InputError(path, "no such file")
        return None, f"source {path} not found; rules that read the prose are skipped"
    doc = read_document(path)
    if report.source and report.source.sha256 and doc.sha256 != report.source.sha256:
        raise PipelineError(f"{path}: not the file this Report was extracted from (sha256 differs)")
    return doc.original, None
