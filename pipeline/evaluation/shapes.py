"""Rendering a gold Report's scorecards into the text shapes real reports arrive in.

The same national form reaches users as a Word table flattened onto one line, one cell per
line, space-indented rows, ragged pipe tables, a PDF text layer or OCR text.  A reader keyed
to one shape fails on the others, so the evaluation renders every gold scorecard into every
shape and scores the reading of each against a gold that the rendering itself produces: the
renderer writes each gold value into the text and records the span it wrote, so the rendered
gold is exact by construction (it is derived from the hand gold, never from an extractor).

Shapes (``SHAPES``):

* clean ones, where the cells are intact and only the separators differ: ``oneline``,
  ``cellbar``, ``cellpara``, ``indented``, ``pipe``;
* noisy ones (``NOISY``), with the damage real exports do: ``pdf`` (a wrapped row's
  weight/score pair pushed to the start of its line, weights inside the level labels, rubric
  text among the cells, a blank line inside a number), ``ocr`` (separators lost so digits
  glue, ≥ read as ``2`` or ``^`` and % as ``$`` in targets, I/O for 1/0, a number split over
  lines) and ``broken`` (indented rows whose labels and header words are broken over lines,
  with placeholder rows ``指标2:`` and ``……``).

What is rendered: each scorecard's title, its project lines (项目名称 / 主管部门 / 实施单位),
its funds block (年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分 columns), its
indicator table (with the level-1 and level-2 weights of ``level_headers`` inside the
labels), and its 总分 row.  Goals, grades, prose and the department-level funds tables are
not rendered, so the rendered gold holds none of them and only the ``funds``,
``indicators`` and ``scores`` families are scored (``SCORED``).

Everything is deterministic: the noise is drawn from a generator seeded by the document id
and the shape.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.schema import (
    FundsLine,
    FundsMeasure,
    Grounded,
    Indicator,
    LevelHeader,
    Quantity,
    Report,
    Scorecard,
    Span,
    Text,
)

CLEAN: tuple[str, ...] = ("oneline", "cellbar", "cellpara", "indented", "pipe")
NOISY: tuple[str, ...] = ("pdf", "ocr", "broken")
SHAPES: tuple[str, ...] = CLEAN + NOISY
SCORED: tuple[str, ...] = ("funds", "indicators", "scores")
"""The families a rendered document holds."""

FUNDS_COLUMNS: tuple[tuple[FundsMeasure, str], ...] = (
    (FundsMeasure.initial_budget, "年初预算数"),
    (FundsMeasure.adjusted_budget, "全年预算数"),
    (FundsMeasure.executed, "全年执行数"),
    (FundsMeasure.weight, "分值"),
    (FundsMeasure.execution_rate, "执行率"),
    (FundsMeasure.score, "得分"),
)
INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("level1", "一级指标"),
    ("level2", "二级指标"),
    ("name", "三级指标"),
    ("target", "年度指标值"),
    ("actual", "实际完成值"),
    ("weight", "分值"),
    ("score", "得分"),
    ("deviation_note", "偏差原因分析及改进措施"),
)
_NUMERIC = {"weight", "score"}
_WS = re.compile(r"\s+")


# --------------------------------------------------------------------------- cells


@dataclass
class Part:
    """A piece of a cell's text; the gold values in ``targets`` get its span when written.
    ``number`` marks a piece that is a figure (for the OCR shape's gluing and misreads)."""

    text: str
    targets: list[Grounded] = field(default_factory=list)
    number: bool = False


@dataclass
class Cell:
    parts: list[Part] = field(default_factory=list)
    merged: bool = False
    """The continuation of a merged cell: nothing is written, the rows below a merged
    level label have no cell there (the collapse every export makes)."""

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def numeric(self) -> bool:
        return bool(self.parts) and all(p.number for p in self.parts if p.text)


def _cell(text: str = "", *targets: Grounded, number: bool = False) -> Cell:
    return Cell([Part(text, list(targets), number)]) if text else Cell()


def _one_line(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _blank_copy(obj: Grounded) -> Grounded:
    """A copy of a gold value to be grounded in the rendered text."""
    return obj.model_copy(update={"span": None})


def _number_cell(q: Quantity) -> tuple[Cell, Quantity]:
    """A figure as a cell: the number token (a percentage with its ``%`` after it)."""
    copy = _blank_copy(q)
    raw = _one_line(q.raw)
    parts = [Part(raw, [copy], True)]
    if q.unit == "%" and not raw.endswith("%"):
        parts.append(Part("%", [], True))
    return Cell(parts), copy


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    rows: list[list[Cell]]
    header_rows: int = 1
    kind: str = "indicators"


@dataclass
class Form:
    """One scorecard ready to write: its title, tables and the gold copy its cells fill."""

    title: Part | None
    tables: list[Table]
    gold: Scorecard
    after: list[Callable[[], None]] = field(default_factory=list)
    """Fix-ups run once the text is written (merged cells' spans copied down)."""


def _weighted_label(text: Text, headers: list[LevelHeader], level: int) -> tuple[Cell, Text]:
    """A level label, with its weight inside (``产出指标(50分)``) when the gold has a level
    header of that name; the header's name and weight are grounded in the same cell."""
    copy = _blank_copy(text)
    label = _one_line(text.raw)
    for h in headers:
        if (h.level or 1) == level and _one_line(h.name.raw).replace(" ", "") == label.replace(
            " ", ""
        ):
            weight = Part(_one_line(h.weight.raw), [h.weight], True)
            return Cell([Part(label, [copy, h.name]), Part("("), weight, Part("分)")]), copy
    return Cell([Part(label, [copy])]), copy


def _funds_table(sc: Scorecard, gold: Scorecard) -> Table | None:
    lines = [ln for ln in sc.funds if ln.measure in dict(FUNDS_COLUMNS)]
    if not lines:
        return None
    columns = [(m, h) for m, h in FUNDS_COLUMNS if any(ln.measure == m for ln in lines)]
    labels: list[str] = []
    for ln in lines:
        if ln.label not in labels:
            labels.append(ln.label)
    rows = [[_cell("项目资金（万元）")] + [_cell(h) for _, h in columns]]
    for label in labels:
        row = [_cell(_one_line(label))]
        for measure, header in columns:
            line = next((ln for ln in lines if ln.label == label and ln.measure == measure), None)
            if line is None:
                row.append(Cell())
                continue
            cell, amount = _number_cell(line.amount)
            row.append(cell)
            gold.funds.append(
                FundsLine(
                    label=_one_line(label),
                    column=header,
                    table=line.table,
                    category=line.category,
                    measure=measure,
                    amount=amount,
                )
            )
        rows.append(row)
    return Table(rows, kind="funds")


def _indicator_table(sc: Scorecard, gold: Scorecard, form: Form) -> Table | None:
    if not sc.indicators:
        return None
    present = [
        (attr, header)
        for attr, header in INDICATOR_COLUMNS
        if any(getattr(i, attr) is not None for i in sc.indicators)
    ]
    if not any(a == "level1" for a, _ in present):
        present = [(a, "指标名称" if a == "name" else h) for a, h in present]
    headers = [
        LevelHeader(name=_blank_copy(h.name), weight=_blank_copy(h.weight), level=h.level)
        for h in sc.level_headers
    ]
    rows = [[_cell(h) for _, h in present]]
    previous: dict[str, str] = {}
    for ind in sc.indicators:
        copy = Indicator(group=ind.group, name=_blank_copy(ind.name))
        row: list[Cell] = []
        for attr, _ in present:
            value = getattr(ind, attr)
            if value is None:
                row.append(Cell())
                continue
            if attr in ("level1", "level2"):
                key = (value.raw, value.span.start if value.span else None)
                if previous.get(attr) == key:
                    row.append(Cell(merged=True))
                    form.after.append(_copy_down(gold, len(gold.indicators), attr))
                    continue
                previous[attr] = key
                if attr == "level1":
                    previous.pop("level2", None)
                cell, text = _weighted_label(value, headers, 1 if attr == "level1" else 2)
                setattr(copy, attr, text)
                row.append(cell)
            elif attr == "name":
                row.append(Cell([Part(_one_line(ind.name.raw), [copy.name])]))
            elif attr in _NUMERIC:
                cell, q = _number_cell(value)
                setattr(copy, attr, q)
                row.append(cell)
            else:
                v = _blank_copy(value)
                setattr(copy, attr, v)
                row.append(Cell([Part(_one_line(value.raw), [v], False)]))
        gold.indicators.append(copy)
        rows.append(row)
    gold.level_headers = headers  # those never written are dropped after writing
    total = _total_row(sc, gold, present)
    if total:
        rows.append(total)
    return Table(rows)


def _copy_down(gold: Scorecard, index: int, attr: str) -> Callable[[], None]:
    """A merged level cell covers the rows below it: they take its text and span."""

    def fix() -> None:
        setattr(gold.indicators[index], attr, getattr(gold.indicators[index - 1], attr))

    return fix


def _total_row(sc: Scorecard, gold: Scorecard, present: list[tuple[str, str]]) -> list[Cell]:
    if sc.total_score is None and sc.max_score is None:
        return []
    row = [_cell("总分")]
    for attr, _ in present[1:]:
        if attr == "weight" and sc.max_score is not None:
            cell, gold.max_score = _number_cell(sc.max_score)
        elif attr == "score" and sc.total_score is not None:
            cell, gold.total_score = _number_cell(sc.total_score)
        else:
            cell = Cell()
        row.append(cell)
    if gold.total_score is None and sc.total_score is not None:
        cell, gold.total_score = _number_cell(sc.total_score)
        row.append(cell)
    return row


def _meta_table(sc: Scorecard, gold: Scorecard) -> Table | None:
    row: list[Cell] = []
    for label, attr in (
        ("项目名称", "project_name"),
        ("主管部门", "supervisor"),
        ("实施单位", "implementer"),
    ):
        value = getattr(sc, attr)
        if value is not None:
            copy = _blank_copy(value)
            setattr(gold, attr, copy)
            row += [_cell(label), Cell([Part(_one_line(value.raw), [copy])])]
    return Table([row], header_rows=0, kind="meta") if row else None


def forms_of(report: Report) -> list[Form]:
    """The scorecards of a gold Report as forms to write, with empty gold copies."""
    forms = []
    for sc in report.scorecards:
        gold = Scorecard(kind=sc.kind, group=sc.group)
        title = None
        if sc.title is not None:
            gold.title = _blank_copy(sc.title)
            title = Part(_one_line(sc.title.raw), [gold.title])
        form = Form(title, [], gold)
        for table in (
            _meta_table(sc, gold),
            _funds_table(sc, gold),
            _indicator_table(sc, gold, form),
        ):
            if table is not None:
                form.tables.append(table)
        if form.tables and (gold.funds or gold.indicators):
            forms.append(form)
    return forms


# --------------------------------------------------------------------------- writing


class _Writer:
    """The rendered text, grounding each gold value where its piece is written."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self.pos = 0

    def write(self, text: str, targets: Sequence[Grounded] = ()) -> None:
        if not text:
            return
        start = self.pos
        self._chunks.append(text)
        self.pos += len(text)
        for t in targets:
            t.raw = text
            t.span = Span(start=start, end=self.pos)

    def cell(self, cell: Cell) -> None:
        for p in cell.parts:
            self.write(p.text, p.targets)

    def text(self) -> str:
        return "".join(self._chunks)


def _cells(row: list[Cell]) -> list[Cell]:
    return [c for c in row if not c.merged]


def _filled(row: list[Cell]) -> list[Cell]:
    return [c for c in row if not c.merged and not c.blank]


def _joined(w: _Writer, cells: list[Cell], sep: Callable[[Cell, Cell], str]) -> None:
    for i, c in enumerate(cells):
        if i:
            w.write(sep(cells[i - 1], c))
        w.cell(c)


def _space(_a: Cell, _b: Cell) -> str:
    return " "


def _write_oneline(w: _Writer, form: Form, rng: random.Random) -> None:
    cells = [c for t in form.tables for row in t.rows for c in _filled(row)]
    _joined(w, cells, _space)
    w.write("\n")


def _write_cellbar(w: _Writer, form: Form, rng: random.Random) -> None:
    for t in form.tables:
        for row in t.rows:
            for c in _cells(row):
                if c.blank:
                    w.write("|\n")
                else:
                    w.cell(c)
                    w.write(" |\n")


def _write_cellpara(w: _Writer, form: Form, rng: random.Random) -> None:
    for t in form.tables:
        for row in t.rows:
            for c in _cells(row):
                w.cell(c)
                w.write("\n")


def _write_indented(w: _Writer, form: Form, rng: random.Random) -> None:
    for t in form.tables:
        for row in t.rows:
            cells = _filled(row)
            if cells:
                w.write("    ")
                _joined(w, cells, lambda a, b: "  " + " " * rng.randrange(3))
                w.write("\n")
        w.write("\n")


def _write_pipe(w: _Writer, form: Form, rng: random.Random) -> None:
    for t in form.tables:
        body = t.rows[t.header_rows :]
        page_break = len(body) // 2 if t.kind == "indicators" and len(body) >= 6 else None
        for i, row in enumerate(t.rows):
            if page_break is not None and i == t.header_rows + page_break:
                w.write(f"\n— {rng.randrange(2, 30)} —\n\n")
            cells = _cells(row)
            w.write("| ")
            _joined(w, cells, lambda a, b: " | ")
            w.write(" |\n")
            if i + 1 == t.header_rows:
                w.write("|" + "---|" * len(cells) + "\n")
        w.write("\n")


_RUBRIC = ("（按完成比例计分）", "（未达到扣1分）", "评分要点：按实际情况打分")


def _write_pdf(w: _Writer, form: Form, rng: random.Random) -> None:
    """Rows on lines, single spaces; a long row wraps and pushes its weight/score pair to
    the start of its line; rubric text among the cells; one decimal broken by a blank line."""
    split_done = False
    for t in form.tables:
        for ri, row in enumerate(t.rows):
            cells = _filled(row)
            if not cells:
                continue
            if t.kind == "funds" and not split_done:
                for c in cells:
                    p = c.parts[0]
                    if p.number and re.fullmatch(r"\d+\.\d+", p.text):
                        p.text = p.text.replace(".", ".\n\n", 1)
                        split_done = True
                        break
            if t.kind == "indicators" and ri >= t.header_rows and len(cells) >= 3:
                numeric_tail = [c for c in cells[-2:] if c.numeric]
                if len(numeric_tail) == 2 and rng.random() < 0.4:
                    cells = cells[-2:] + cells[:-2]
                elif rng.random() < 0.2:
                    cells = cells[:-1] + [_cell(rng.choice(_RUBRIC))] + cells[-1:]
            _joined(w, cells, _space)
            w.write("\n")
        w.write("\n")


_GLUE = 0.6


def _ocr_misread(cell: Cell, rng: random.Random, attr: str) -> None:
    p = cell.parts[0]
    if attr == "target" and "≥" in p.text and rng.random() < 0.7:
        p.text = p.text.replace("≥", rng.choice(("2", "^")), 1)
        if p.text.endswith("%") and rng.random() < 0.5:
            p.text = p.text[:-1] + "$"
    elif p.number and rng.random() < 0.08:
        p.text = p.text.replace("1", "I", 1) if "1" in p.text else p.text.replace("0", "O", 1)


def _write_ocr(w: _Writer, form: Form, rng: random.Random) -> None:
    """Rows on lines; adjacent figures often glue (``1010``); ≥ misread in targets; I/O for
    1/0; one decimal split over lines."""
    split_done = False
    for t in form.tables:
        header = [c.text for c in t.rows[0]] if t.header_rows else []
        target_col = header.index("年度指标值") if "年度指标值" in header else None
        for ri, row in enumerate(t.rows):
            if ri >= t.header_rows:
                for ci, c in enumerate(row):
                    if c.merged or c.blank:
                        continue
                    _ocr_misread(c, rng, "target" if ci == target_col else "")
                    p = c.parts[0]
                    if not split_done and p.number and re.fullmatch(r"\d+\.\d+", p.text):
                        p.text = p.text.replace(".", ".\n\n", 1)
                        split_done = True
            glue = rng.random() < _GLUE
            _joined(
                w,
                _filled(row),
                lambda a, b, glue=glue: "" if glue and a.numeric and b.numeric else " ",
            )
            w.write("\n")
        w.write("\n")


_PLACEHOLDERS = ("指标2:", "……", "指标3：")


def _broken(text: str, rng: random.Random) -> str:
    if len(text) < 4 or "\n" in text or rng.random() < 0.5:
        return text
    cut = rng.randrange(2, len(text) - 1)
    return text[:cut] + "\n" + text[cut:]


def _write_broken(w: _Writer, form: Form, rng: random.Random) -> None:
    """Indented rows whose labels and header words are broken over lines, with placeholder
    rows among the indicators."""
    for t in form.tables:
        for ri, row in enumerate(t.rows):
            cells = _filled(row)
            if not cells:
                continue
            for c in cells:
                if not c.numeric:
                    c.parts[0].text = _broken(c.parts[0].text, rng)
            w.write("  ")
            _joined(w, cells, lambda a, b: "   ")
            w.write("\n")
            if t.kind == "indicators" and ri >= t.header_rows and rng.random() < 0.15:
                w.write("  " + rng.choice(_PLACEHOLDERS) + "\n")
        w.write("\n")


_WRITERS: dict[str, Callable[[_Writer, Form, random.Random], None]] = {
    "oneline": _write_oneline,
    "cellbar": _write_cellbar,
    "cellpara": _write_cellpara,
    "indented": _write_indented,
    "pipe": _write_pipe,
    "pdf": _write_pdf,
    "ocr": _write_ocr,
    "broken": _write_broken,
}


@dataclass
class Rendered:
    doc_id: str
    shape: str
    text: str
    gold: Report


def render(report: Report, shape: str) -> Rendered | None:
    """``report``'s scorecards written in ``shape``, with the gold of what was written; None
    when the report has no scorecard with funds or indicators to render."""
    if shape not in _WRITERS:
        raise ValueError(f"unknown shape {shape!r}; shapes: {', '.join(SHAPES)}")
    forms = forms_of(report)
    if not forms:
        return None
    rng = random.Random(zlib.crc32(f"{report.doc_id}/{shape}".encode()))
    w = _Writer()
    for form in forms:
        if form.title is not None:
            w.write(form.title.text, form.title.targets)
            w.write("\n" if shape != "cellpara" else "\n\n")
        _WRITERS[shape](w, form, rng)
        w.write("\n")
        for fix in form.after:
            fix()
        form.gold.level_headers = [h for h in form.gold.level_headers if h.weight.span]
    doc_id = f"{report.doc_id}~{shape}"
    gold = Report(doc_id=doc_id, scorecards=[f.gold for f in forms])
    return Rendered(doc_id, shape, w.text(), gold)
