"""Extraction: from a Document and its Layout to a Report.

``BACKENDS`` maps a backend name to its extraction function; ``rules`` is deterministic and
offline, the default when no model is configured.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.document import Document
from pipeline.layout.model import Layout
from pipeline.schema import Report


def _rules(doc: Document, layout: Layout) -> Report:
    from pipeline.extract.rules import extract_rules

    return extract_rules(doc, layout)


BACKENDS: dict[str, Callable[[Document, Layout], Report]] = {"rules": _rules}
