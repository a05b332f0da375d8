"""One chunk's answer → grounded Report parts (``Piece``), every value located or dropped.

``Grounder`` wraps a ``ChunkLocator`` with what the per-chunk assembly needs: places already
taken (the weight and the score of a row are both ``10``: they are two cells, not one),
anchors (a number is looked for in its label's row or sentence) and the notes that go into the
Report's provenance — each dropped value with its reason, each fuzzy text with its similarity.
Values are parsed from the source characters found, never taken from the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.document import Document
from pipeline.extract.numbers import NUMBER, parse_quantity, to_decimal
from pipeline.layout.model import Layout
from pipeline.llm.answers import (
    FactItem,
    FundsItem,
    IndicatorItem,
    MetaAnswer,
    NarrativeAnswer,
    PersonnelItem,
    ScorecardItem,
    SectionItem,
    TablesAnswer,
)
from pipeline.llm.chunking import Chunk
from pipeline.llm.grounding import AMOUNT_UNITS, ChunkLocator, Found, squeeze
from pipeline.schema import (
    Conflict,
    Fact,
    FundsLine,
    FuzzyMatch,
    Goal,
    Grounded,
    Indicator,
    LevelHeader,
    Meta,
    Personnel,
    Quantity,
    Scorecard,
    Section,
    Text,
    UngroundedValue,
)
from pipeline.vocabulary import (
    ACTUAL_HEADERS,
    NOTE_HEADERS,
    SCORE_HEADERS,
    TARGET_HEADERS,
    WEIGHT_HEADERS,
)

TOTAL_WORDS = ("总分", "合计得分", "综合得分", "自评得分", "总得分", "合计")
GRADE_CONTEXT = re.compile(r"等级|等次|评价|评定|评为|结论|结果")
PERSONNEL_WORDS = {
    "staffing_quota": ("编制数", "人员编制", "编制"),
    "headcount": ("实有人数", "在职人数", "实有", "在职"),
    "control_rate": ("控制率",),
}

ALONE_DIGITS = 3
"""Digits a number needs to be grounded by itself, its label not found (``999.38`` is
specific enough to stand alone in a chunk, ``3`` or ``95`` is not)."""
INDICATOR_CELLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("target", TARGET_HEADERS),
    ("actual", ACTUAL_HEADERS),
    ("weight", WEIGHT_HEADERS),
    ("score", SCORE_HEADERS),
    ("deviation_note", NOTE_HEADERS),
)


@dataclass
class Piece:
    """What one chunk contributed, grounded; merged across chunks by ``pipeline.llm.merge``."""

    chunk: int
    start: int = 0  # of the chunk's home range: orders the halves of a split chunk
    table_index: int | None = None
    scorecards: list[tuple[tuple[str, ...], Scorecard]] = field(default_factory=list)
    funds: list[FundsLine] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    personnel: Personnel = field(default_factory=Personnel)
    meta: Meta = field(default_factory=Meta)
    ungrounded: list[UngroundedValue] = field(default_factory=list)
    fuzzy: list[FuzzyMatch] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


class Grounder:
    """Locate the values of one chunk's answer; record what cannot be located."""

    def __init__(self, doc: Document, layout: Layout, chunk: Chunk, piece: Piece):
        self.loc = ChunkLocator(doc, layout, chunk)
        self.doc = doc
        self.piece = piece
        self._taken: dict[str, set[tuple[int, int]]] = {}

    # ------------------------------------------------------------------ bookkeeping

    def drop(self, path: str, raw: str, reason: str, anchor: str | None = None) -> None:
        self.piece.ungrounded.append(
            UngroundedValue(
                path=path, raw=raw, anchor=anchor, chunk=self.piece.chunk, reason=reason
            )
        )

    def free(self, group: str, found: list[Found]) -> list[Found]:
        taken = self._taken.get(group, set())
        return [f for f in found if (f.ns, f.ne) not in taken]

    def take(self, group: str, found: Found) -> Found:
        self._taken.setdefault(group, set()).add((found.ns, found.ne))
        return found

    def grounded(self, path: str, returned: str, found: Found) -> Text:
        text = Text(raw=found.raw, span=found.span)
        if not found.exact:
            self.piece.fuzzy.append(
                FuzzyMatch(
                    path=path,
                    returned=returned,
                    found=Grounded(raw=found.raw, span=found.span),
                    similarity=found.similarity,
                )
            )
        return text

    # ------------------------------------------------------------------ texts

    def locate_text(
        self, path: str, raw: str | None, *, group: str | None = None, before: Found | None = None
    ) -> Found | None:
        """Where a text stands: an exact occurrence (not yet taken in ``group``; the last one
        before ``before`` when given), else a fuzzy one; None (and a note) when neither."""
        if raw is None or not squeeze(raw):
            return None
        exact = self.loc.prefer_whole_cells(self.loc.find_all(raw))
        if group is not None:
            exact = self.free(group, exact) or exact
        if before is not None and exact:
            prior = [f for f in exact if f.cs <= before.cs]
            if prior:  # the nearest before, of the best cell rank
                best = min(self.loc.cell_rank(f) for f in prior)
                exact = [[f for f in prior if self.loc.cell_rank(f) == best][-1]]
        found = exact[0] if exact else self.loc.find_fuzzy(raw)
        if found is None:
            self.drop(path, raw, "text not found in the chunk")
            return None
        if group is not None:
            self.take(group, found)
        return found

    def text(self, path: str, raw: str | None, **kw: object) -> Text | None:
        found = self.locate_text(path, raw, **kw)  # type: ignore[arg-type]
        return None if found is None else self.grounded(path, raw or "", found)

    # ------------------------------------------------------------------ numbers

    def locate_number(
        self,
        path: str,
        raw: str | None,
        anchors: Found | list[Found] | None,
        *,
        group: str,
        anchor_text: str | None = None,
        columns: tuple[str, ...] = (),
        after: int | None = None,
        alone: bool = False,
        whole: bool = False,
    ) -> Found | None:
        """Where a number (or a cell holding one) stands near its anchor.

        ``anchors`` are the places of its label (a label may stand several times: the first
        place with a free occurrence in its row or sentence is the one).  Near an anchor, a
        cell under one of ``columns`` comes first, then the first occurrence at or after
        ``after`` (default: the anchor's end), then the nearest.  Without any anchor, only
        when ``alone`` allows it, the number has at least ``ALONE_DIGITS`` digits (a ``3``
        alone identifies nothing) and the chunk holds exactly one free occurrence.  ``whole``:
        inside a table, only an occurrence that is a whole cell (weights and scores are).
        """
        if raw is None or not squeeze(raw):
            return None
        if isinstance(anchors, Found):
            anchors = [anchors]
        anchors = anchors or []
        candidates = self.free(group, self.loc.find_all(raw, number=True))
        if whole:
            candidates = [
                f
                for f in candidates
                if self.loc.cell_at(f.ns) is None or self.loc.cell_rank(f) == 0
            ]
        if not candidates:
            self.drop(path, raw, "not found in the chunk", anchor_text)
            return None
        if not anchors:
            if alone and len(candidates) == 1 and sum(ch.isdigit() for ch in raw) >= ALONE_DIGITS:
                return self.take(group, candidates[0])
            why = (
                f"its label was not found and it stands {len(candidates)} times"
                if anchor_text
                else f"no label to place it and it stands {len(candidates)} times"
            )
            self.drop(path, raw, why, anchor_text)
            return None
        for anchor in anchors:
            near = self.loc.near(anchor, candidates)
            if near:
                return self.take(group, self._pick(anchor, near, columns, after))
        self.drop(path, raw, "not in its label's row or sentence", anchor_text)
        return None

    def _pick(
        self, anchor: Found, near: list[Found], columns: tuple[str, ...], after: int | None
    ) -> Found:
        if columns and (cell := self.loc.cell_at(anchor.ns)) is not None:
            under = self.loc.under_header(cell.row, columns)
            hits = [f for f in near if (c := self.loc.cell_at(f.ns)) and under(c)]
            if hits:
                return hits[0]
        limit = anchor.ce if after is None else after
        later = [f for f in near if f.cs >= limit]
        return later[0] if later else near[0]

    def anchors(self, text: str | None) -> list[Found]:
        """Every place of a label: its exact occurrences, else its fuzzy one, else none."""
        if text is None or not squeeze(text):
            return []
        exact = self.loc.find_all(text)
        if exact:
            return self.loc.prefer_whole_cells(exact)
        fuzzy = self.loc.find_fuzzy(text)
        return [fuzzy] if fuzzy else []

    def amount(self, found: Found, unit: str | None) -> Quantity | None:
        token = self.doc.normalized[found.ns : found.ne]
        numbers = NUMBER.findall(token)
        value = to_decimal(numbers[0]) if len(numbers) == 1 else None
        if value is None:
            return None
        return Quantity(raw=found.raw, span=found.span, value=value, unit=unit)

    def money(self, path: str, found: Found, unit: str | None) -> Quantity | None:
        """An amount whose unit the source says (after it, or in its table's header) when it
        says one: the model's unit only where the source is silent, and a disagreement is a
        conflict noted in provenance, the source's unit kept."""
        stated = self.loc.unit_after(found)
        if stated is not None and unit is not None and stated != unit:
            self.piece.conflicts.append(
                Conflict(
                    path=path,
                    kept=f"{found.raw} {stated}",
                    other=f"{found.raw} {unit}",
                    span=found.span,
                    reason="the model's unit differs from the source's; kept the source's",
                )
            )
        return self.amount(found, stated or unit)

    def number(
        self, path: str, raw: str | None, anchor: Found | None, *, unit: str | None = None, **kw
    ) -> Quantity | None:
        found = self.locate_number(path, raw, anchor, **kw)
        if found is None:
            return None
        q = self.money(path, found, unit) if unit in AMOUNT_UNITS else self.amount(found, unit)
        if q is None:
            self.drop(path, raw or "", "found, but not a single number", kw.get("anchor_text"))
        return q

    def cell(self, found: Found) -> Quantity:
        """A target or actual: the whole cell it stands in, parsed as the rules parse cells."""
        whole = self.loc.whole_cell(found)
        parsed = parse_quantity(self.doc.normalized[whole.ns : whole.ne])
        return Quantity(raw=whole.raw, span=whole.span, **parsed)

    def words_before(self, q: Quantity, limit: int = 16) -> str | None:
        """The words before a figure in its sentence (a label read from the source)."""
        if q.span is None:
            return None
        ns, _ = self.doc.offsets.to_normalized(q.span.start, q.span.end)
        text = self.doc.normalized
        start = max(0, ns - limit)
        clause = re.split(r"[。；，,：:\n]", text[start:ns])[-1]
        words = squeeze(clause)
        return words or None

    def label_anchor(self, words: tuple[str, ...]) -> list[Found]:
        """Every place of the first of ``words`` the chunk holds."""
        for w in words:
            hits = self.loc.find_all(w)
            if hits:
                return hits
        return []


# ---------------------------------------------------------------------- per task


def ground_tables(g: Grounder, answer: TablesAnswer) -> None:
    for k, item in enumerate(answer.scorecards):
        key = (
            squeeze(item.title or ""),
            squeeze(item.group or ""),
            squeeze(item.project_name or ""),
        )
        card = _scorecard(g, item, f"scorecards[{k}]")
        if not _has_values(card):  # a table the model saw that is not in the chunk
            g.drop(
                f"scorecards[{k}]", item.title or item.project_name or "", "no value of it grounded"
            )
            continue
        g.piece.scorecards.append((key, card))
    g.piece.funds += [
        line
        for k, f in enumerate(answer.funds)
        if (line := _funds_line(g, f, f"funds[{k}]")) is not None
    ]
    _facts(g, answer.facts)
    _sections(g, answer.sections)
    _personnel(g, answer.personnel)


def _has_values(card: Scorecard) -> bool:
    """Whether anything but the card's labels was grounded (its title alone is not a card)."""
    return bool(
        card.funds
        or card.goals
        or card.level_headers
        or card.indicators
        or card.total_score
        or card.max_score
        or card.grade
    )


def ground_narrative(g: Grounder, answer: NarrativeAnswer) -> None:
    _facts(g, answer.facts)
    _sections(g, answer.sections)
    _personnel(g, answer.personnel)


def _sections(g: Grounder, sections: list[SectionItem]) -> None:
    for k, s in enumerate(sections):
        heading = g.text(f"sections[{k}].heading", s.heading, group="heading")
        if heading is not None:
            g.piece.sections.append(Section(heading=heading, level=s.level, kind=s.kind))


def ground_meta(g: Grounder, answer: MetaAnswer) -> None:
    meta = g.piece.meta
    meta.unit_name = g.text("meta.unit_name", answer.unit_name)
    meta.report_date = g.text("meta.report_date", answer.report_date)
    meta.report_kind = answer.report_kind
    if answer.fiscal_year:
        years = g.loc.find_all(answer.fiscal_year, number=True)
        text = g.doc.normalized
        years.sort(key=lambda f: not text.startswith("年", f.ne))  # 2021年 before a bare 2021
        if years:
            q = g.amount(years[0], None)
            if q is not None and q.value is not None and 1990 <= q.value <= 2100:
                meta.fiscal_year = q
            else:
                g.drop("meta.fiscal_year", answer.fiscal_year, "not a plausible budget year")
        else:
            g.drop("meta.fiscal_year", answer.fiscal_year, "not found in the chunk")


# ---------------------------------------------------------------------- parts


def _funds_line(g: Grounder, f: FundsItem, path: str) -> FundsLine | None:
    columns = (f.column,) if f.column else ()
    amount = g.number(
        f"{path}.amount",
        f.raw,
        g.anchors(f.label),
        unit=f.unit,
        group="funds",
        anchor_text=f.label,
        columns=columns,
    )
    if amount is None:
        return None
    return FundsLine(
        label=f.label,
        column=f.column,
        entity=f.entity,
        table=f.table,
        category=f.category,
        measure=f.measure,
        amount=amount,
    )


def _scorecard(g: Grounder, item: ScorecardItem, path: str) -> Scorecard:
    card = Scorecard(
        title=g.text(f"{path}.title", item.title),
        kind=item.kind,
        group=item.group,
        project_name=g.text(f"{path}.project_name", item.project_name),
        supervisor=g.text(f"{path}.supervisor", item.supervisor),
        implementer=g.text(f"{path}.implementer", item.implementer),
    )
    card.funds = [
        line
        for k, f in enumerate(item.funds)
        if (line := _funds_line(g, f, f"{path}.funds[{k}]")) is not None
    ]
    for k, goal in enumerate(item.goals):
        expected = g.text(f"{path}.goals[{k}].expected", goal.expected, group="goal")
        actual = g.text(f"{path}.goals[{k}].actual", goal.actual, group="goal")
        if expected or actual:
            card.goals.append(Goal(expected=expected, actual=actual))
    for k, lh in enumerate(item.level_headers):
        where = f"{path}.level_headers[{k}]"
        places = g.free("level-header", g.anchors(lh.name))
        at = g.locate_number(
            f"{where}.weight", lh.weight, places, group="level-weight", anchor_text=lh.name
        )
        weight = g.amount(at, None) if at is not None else None
        if weight is None:
            continue
        name_at = max((p for p in places if p.cs <= at.cs), key=lambda p: p.cs, default=None)
        if name_at is None:
            g.drop(f"{where}.name", lh.name, "not found before its weight")
            continue
        g.take("level-header", name_at)
        name = g.grounded(f"{where}.name", lh.name, name_at)
        card.level_headers.append(LevelHeader(name=name, weight=weight))
    for k, ind in enumerate(item.indicators):
        row = _indicator(g, ind, f"{path}.indicators[{k}]", item.group)
        if row is not None:
            card.indicators.append(row)
    total_at = g.label_anchor(TOTAL_WORDS)
    if card.indicators:  # the 总分 row after this card's rows, when several cards share a chunk
        last = max(i.name.span.start for i in card.indicators if i.name.span)
        after = [f for f in total_at if f.span.start >= last]
        total_at = after[:1] or total_at  # the first 总分 after them, and only that one
    for name in ("max_score", "total_score"):
        q = g.number(
            f"{path}.{name}",
            getattr(item, name),
            total_at,
            group="total",
            anchor_text="总分" if total_at else None,
            alone=not total_at,
        )
        setattr(card, name, q)
    card.grade = _grade(g, item.grade, f"{path}.grade")
    return card


def _indicator(g: Grounder, ind: IndicatorItem, path: str, group: str | None) -> Indicator | None:
    # one group for names and cells: a name written again as a target is two cells
    name_at = g.locate_text(f"{path}.name", ind.name, group="indicator-cell")
    if name_at is None:
        for cell, _ in INDICATOR_CELLS:
            if (raw := getattr(ind, cell)) is not None:
                g.drop(f"{path}.{cell}", raw, "its indicator's name was not found", ind.name)
        return None
    row = Indicator(
        group=group,
        name=g.grounded(f"{path}.name", ind.name, name_at),
        level1=g.text(f"{path}.level1", ind.level1, before=name_at),
        level2=g.text(f"{path}.level2", ind.level2, before=name_at),
    )
    cursor = name_at.ce
    for cell, headers in INDICATOR_CELLS:
        raw = getattr(ind, cell)
        found = g.locate_number(
            f"{path}.{cell}",
            raw,
            name_at,
            group="indicator-cell",
            anchor_text=ind.name,
            columns=headers,
            after=cursor,
            whole=cell in ("weight", "score"),
        )
        if found is None:
            continue
        cursor = found.ce
        if cell in ("target", "actual"):
            setattr(row, cell, g.cell(found))
        elif cell == "deviation_note":
            row.deviation_note = g.grounded(f"{path}.{cell}", raw or "", g.loc.whole_cell(found))
        else:
            q = g.amount(found, None)
            if q is None:
                g.drop(f"{path}.{cell}", raw or "", "found, but not a single number", ind.name)
            setattr(row, cell, q)
    return row


def _grade(g: Grounder, raw: str | None, path: str) -> Text | None:
    """A grade word: short (优, 良) and common in prose (优化), so only an occurrence after a
    word like 等级 or 评价 counts, unless the grade is written at length (优秀)."""
    if raw is None or not squeeze(raw):
        return None
    hits = g.loc.find_all(raw)
    for f in hits:
        before = g.loc.chunk.text[max(0, f.cs - 16) : f.cs]
        if GRADE_CONTEXT.search(before):
            return Text(raw=f.raw, span=f.span)
    if hits and len(squeeze(raw)) >= 2:
        return Text(raw=hits[0].raw, span=hits[0].span)
    g.drop(path, raw, "grade word not found after a grading phrase")
    return None


def _facts(g: Grounder, facts: list[FactItem]) -> None:
    for k, f in enumerate(facts):
        path = f"facts[{k}]"
        anchors = g.anchors(f.label)
        q = g.number(
            f"{path}.quantity",
            f.raw,
            anchors,
            unit=f.unit,
            group="fact",
            anchor_text=f.label,
            alone=True,
        )
        if q is None:
            continue
        # a label the text does not hold is the model's: the words before the figure are not
        label = f.label if anchors else g.words_before(q) or f.label
        g.piece.facts.append(Fact(label=label, quantity=q))


def _personnel(g: Grounder, item: PersonnelItem) -> None:
    for name, words in PERSONNEL_WORDS.items():
        raw = getattr(item, name)
        if raw is None:
            continue
        q = g.number(
            f"personnel.{name}",
            raw,
            g.label_anchor(words),
            unit="%" if name == "control_rate" else "人",
            group=f"personnel-{name}",
            anchor_text=words[0],
            alone=True,
        )
        if q is not None:
            setattr(g.piece.personnel, name, q)
