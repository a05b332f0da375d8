"""The form reader: the national forms (项目支出绩效自评表, 部门整体支出绩效自评表, 绩效评价
得分表, 基础数据表) read from the sequence of a document's pieces, whatever its layout.

``tokens`` cuts the text into pieces; ``headers`` finds the forms' column headers;
``rows`` and ``funds`` read the rows under them; ``values`` and ``ground`` say what a piece is
and turn it into grounded values (with the repairs OCR needs); ``reader`` walks a document;
``merge`` sets its reading beside the layout grid's.
"""

from __future__ import annotations

from pipeline.extract.forms.merge import Merged
from pipeline.extract.forms.reader import FormReading, read_forms, recognized
from pipeline.schema import Fact, FundsLine, RecognizedForm


def recognized_forms(
    merged: list[Merged], funds: list[FundsLine], facts: list[Fact]
) -> list[RecognizedForm]:
    """The forms of a Report, in document order: each scorecard, each department funds
    table by its title, and the prose when it states figures."""
    out = [recognized(m.card, "+".join(m.readers)) for m in merged]
    seen: set[str] = set()
    for line in funds:
        title = line.table or ""
        if title in seen:
            continue
        seen.add(title)
        kind = (
            "三公经费表" if "三公" in title else "基础数据表" if "基础数据" in title else "收支表"
        )
        out.append(
            RecognizedForm(kind=kind, title=line.table, span=line.amount.span, reader="grid")
        )
    if facts:
        out.append(RecognizedForm(kind="prose", span=facts[0].quantity.span, reader="prose"))
    return out


__all__ = ["FormReading", "read_forms", "recognized_forms"]
