"""A Report read by the rules from a text written in a test, with every span checked."""

from __future__ import annotations

from pathlib import Path

from pipeline.document import Document
from pipeline.layout import analyze
from pipeline.stages import build_report


def read_text(text: str):
    """``text`` as a document named t.txt, through layout and the rules backend; its spans
    are asserted to point at what they claim."""
    doc = Document.from_text(
        text, path=Path("t.txt"), format="text", encoding="utf-8", raw_bytes=text.encode()
    )
    report = build_report(doc, analyze(doc.normalized), "rules", None)
    assert report.check_spans(doc.original) == []
    return report
