"""Scoring a predicted ``Report`` against its hand-labelled gold.

The score is split into *families* (meta, personnel, funds, indicators, scores, goals, facts,
sections), each counted as true positives, false positives and false negatives over *items*
(one field, one funds figure, one indicator cell …), so that a number in a table says exactly
how many things were found, invented or missed.  On top of that comes the grounding rate of
the prediction: the share of its values whose ``raw`` really stands in the source at ``span``.

Principles shared by every family, and why:

* **Values, not formatting.**  Numbers compare as ``Decimal`` values, so ``2077.10`` and
  ``2077.1`` are the same figure: the decimals shown matter for tolerances elsewhere, not for
  whether the right number was read.  Texts compare by a normalized similarity (NFKC, all
  whitespace removed, ``difflib`` ratio) of at least :data:`TEXT_THRESHOLD`, because cells
  broken over lines, full-width characters and a stray character of trimming are not
  extraction errors worth failing on, while a different sentence is.
* **Grounded or wrong.**  Wherever an item is located in the source (funds, indicator cells,
  scores, goals, facts, sections), a predicted value only counts when both spans are present
  and overlap: the same number read from another cell is a different item, and a value
  without a span cannot be checked by a reader, so it counts as wrong.  Document-level fields
  (meta, personnel) are single-valued, so they compare by value, but still need a span.
* **One-to-one.**  Matching is a one-to-one assignment (greedy by descending match score,
  ties broken by position, hence deterministic), so a prediction cannot earn two true
  positives from one gold item by repeating it.
* **Counts add up.**  For every family, ``TP + FN`` is the number of gold items and
  ``TP + FP`` the number of predicted items.  A wrong value is *both* a false positive (a
  claim the gold does not support) and a false negative (the gold value was not found).

Everything here is pure: no I/O, no clock, no randomness.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, computed_field

from pipeline.evaluation.issues import CheckerScore, aggregate_checker, score_findings
from pipeline.schema import (
    Grounded,
    Indicator,
    Quantity,
    Report,
    Scorecard,
    Span,
    iter_grounded,
)

TEXT_THRESHOLD = 0.9
"""Minimum normalized similarity for two texts to count as the same value.

0.9 tolerates one differing character in ten (a trimmed punctuation mark, a full-width
variant NFKC does not fold, an OCR slip) but not a different name: indicator names in these
reports are short (4–20 characters), where 0.9 means "the same words"."""

MAX_EXAMPLES = 5
"""Example misses and false positives kept per family and document (enough to see a pattern,
few enough to read)."""

FAMILIES: tuple[str, ...] = (
    "meta",
    "personnel",
    "funds",
    "indicators",
    "scores",
    "goals",
    "facts",
    "sections",
)

INDICATOR_CELLS: tuple[str, ...] = (
    "name",
    "level1",
    "level2",
    "target",
    "actual",
    "deviation_note",
)
"""The cells of an indicator row counted in the ``indicators`` family."""

INDICATOR_SCORE_CELLS: tuple[str, ...] = ("weight", "score")
"""The cells of an indicator row counted in the ``scores`` family."""

META_FIELDS: tuple[str, ...] = ("unit_name", "fiscal_year", "report_date", "report_kind")
PERSONNEL_FIELDS: tuple[str, ...] = ("staffing_quota", "headcount", "control_rate")


# --------------------------------------------------------------------------- result models


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts.

    A zero denominator means there was nothing to be wrong about: with no predictions there
    are no false claims (precision 1.0); with no gold items there is nothing to miss (recall
    1.0).  F1 is computed from the counts as ``2TP / (2TP + FP + FN)``, which equals the
    harmonic mean of P and R whenever both are defined, is 1.0 when gold and prediction are
    both empty, and is 0.0 whenever one side is non-empty and nothing matched — so the
    vacuous 1.0s of P or R never hide a failure in F1.
    """
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    denominator = 2 * tp + fp + fn
    f1 = 2 * tp / denominator if denominator else 1.0
    return precision, recall, f1


class Example(BaseModel):
    """One miss or false positive, to make a failure readable: where, what, and why."""

    path: str = Field(
        description="dotted path in the gold (misses) or prediction (false positives)"
    )
    raw: str = Field(description="the value as written")
    note: str | None = Field(default=None, description="what the other side had, or why it failed")


class FamilyScore(BaseModel):
    """TP/FP/FN counts of one family, with a few examples of what went wrong."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[Example] = Field(default_factory=list, description="gold items not found (FN)")
    false_positives: list[Example] = Field(
        default_factory=list, description="predicted items the gold does not support (FP)"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        return prf(self.tp, self.fp, self.fn)[0]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        return prf(self.tp, self.fp, self.fn)[1]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float:
        return prf(self.tp, self.fp, self.fn)[2]

    @property
    def gold_items(self) -> int:
        return self.tp + self.fn

    @property
    def pred_items(self) -> int:
        return self.tp + self.fp

    def hit(self) -> None:
        self.tp += 1

    def miss(self, path: str, raw: str, note: str | None = None) -> None:
        self.fn += 1
        if len(self.misses) < MAX_EXAMPLES:
            self.misses.append(Example(path=path, raw=raw, note=note))

    def false_positive(self, path: str, raw: str, note: str | None = None) -> None:
        self.fp += 1
        if len(self.false_positives) < MAX_EXAMPLES:
            self.false_positives.append(Example(path=path, raw=raw, note=note))


class Accuracy(BaseModel):
    """Share of matched pairs that also agree on a label (not part of any F1)."""

    correct: int = 0
    total: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float | None:
        """None when no pair was matched: an accuracy over nothing is not a number."""
        return self.correct / self.total if self.total else None

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)


class Grounding(BaseModel):
    """How many predicted values point at the characters they claim to be read from."""

    total: int = 0
    ok: int = 0
    ungrounded: int = Field(default=0, description="values with no span")
    misgrounded: int = Field(
        default=0, description="values whose raw differs from the source at span"
    )
    examples: list[Example] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rate(self) -> float:
        """1.0 for a prediction without values: there is nothing ungrounded in it."""
        return self.ok / self.total if self.total else 1.0


class DocScore(BaseModel):
    """The score of one predicted document against its gold."""

    doc_id: str
    text_threshold: float = TEXT_THRESHOLD
    families: dict[str, FamilyScore]
    grounding: Grounding
    accuracy: dict[str, Accuracy] = Field(
        default_factory=dict,
        description="label agreement over matched pairs: funds_category, section_kind, section_level",
    )
    alignment: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="how many scorecards / indicators were aligned"
    )
    checker: CheckerScore | None = Field(
        default=None, description="the checker's findings against the gold's known issues"
    )


# --------------------------------------------------------------------------- comparisons

_WS = re.compile(r"\s+")


def normalize_text(s: str | None) -> str:
    """NFKC (full-width digits and letters, ideographic space become ASCII), then every
    whitespace removed: Chinese has no word spaces, and line breaks inside a cell are layout."""
    if not s:
        return ""
    return _WS.sub("", unicodedata.normalize("NFKC", s))


@lru_cache(maxsize=1 << 16)
def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    # autojunk off: on texts over 200 characters (goals) it would ignore frequent characters
    # such as 的 and ， and make the ratio depend on text length.
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def text_similarity(a: str | None, b: str | None) -> float:
    """Normalized similarity in [0, 1]; two empty texts are identical."""
    return _ratio(normalize_text(a), normalize_text(b))


def texts_equal(a: str | None, b: str | None) -> bool:
    """Similarity at least :data:`TEXT_THRESHOLD`, skipping the ratio when lengths alone
    rule it out (ratio <= 2·min/(len a + len b))."""
    na, nb = normalize_text(a), normalize_text(b)
    if na == nb:
        return True
    if not na or not nb:
        return False
    if 2 * min(len(na), len(nb)) / (len(na) + len(nb)) < TEXT_THRESHOLD:
        return False
    return _ratio(na, nb) >= TEXT_THRESHOLD


def spans_overlap(gold: Grounded | None, pred: Grounded | None) -> bool:
    """Both values present, both grounded, and their spans share at least one character."""
    if gold is None or pred is None or gold.span is None or pred.span is None:
        return False
    return gold.span.overlaps(pred.span)


def _iou(a: Span | None, b: Span | None) -> float:
    if a is None or b is None:
        return 0.0
    inter = min(a.end, b.end) - max(a.start, b.start)
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if inter > 0 and union > 0 else 0.0


def _norm_unit(unit: str | None) -> str | None:
    u = normalize_text(unit)
    return u or None


def quantities_equal(gold: Quantity, pred: Quantity, *, unit: bool) -> bool:
    """Same value, ignoring the span (callers add span rules).

    A numeric gold value needs the same ``Decimal`` value (and unit when ``unit``); a
    qualitative gold value (no number) needs a qualitative prediction whose *raw* text is
    similar — raw, because for qualitative cells the gold ``text`` is the cell as written
    and a model's paraphrase in ``text`` should not rescue a wrong cell.
    """
    if gold.value is not None:
        if pred.value is None or gold.value != pred.value:
            return False
        return not unit or _norm_unit(gold.unit) == _norm_unit(pred.unit)
    return pred.value is None and texts_equal(gold.raw, pred.raw)


def _describe(value: Any) -> str:
    """Short description of a value for example notes."""
    if value is None:
        return "absent"
    if isinstance(value, Quantity):
        parts = [repr(value.raw)]
        if value.value is not None:
            parts.append(f"= {value.value}{' ' + value.unit if value.unit else ''}")
        if value.span is None:
            parts.append("(no span)")
        else:
            parts.append(f"@{value.span.start}-{value.span.end}")
        return " ".join(parts)
    if isinstance(value, Grounded):
        where = "(no span)" if value.span is None else f"@{value.span.start}-{value.span.end}"
        return f"{value.raw!r} {where}"
    return repr(str(value))


def _raw(value: Any) -> str:
    return value.raw if isinstance(value, Grounded) else str(value)


def _compare_field(
    fs: FamilyScore,
    gold_path: str,
    gold: Any,
    pred_path: str,
    pred: Any,
    equal: Callable[[Any, Any], bool],
) -> bool:
    """Count one item present on either side: TP if equal, else FP for the prediction and FN
    for the gold (a wrong value is both a false claim and a miss)."""
    if gold is None and pred is None:
        return True
    if gold is not None and pred is not None and equal(gold, pred):
        fs.hit()
        return True
    if pred is not None:
        fs.false_positive(pred_path, _raw(pred), f"gold: {_describe(gold)}")
    if gold is not None:
        fs.miss(gold_path, _raw(gold), f"pred: {_describe(pred)}")
    return False


def _grounded_text_equal(g: Grounded, p: Grounded) -> bool:
    return spans_overlap(g, p) and texts_equal(g.raw, p.raw)


def _grounded_number_equal(g: Quantity, p: Quantity) -> bool:
    return spans_overlap(g, p) and quantities_equal(g, p, unit=False)


def _grounded_quantity_with_unit_equal(g: Quantity, p: Quantity) -> bool:
    return spans_overlap(g, p) and quantities_equal(g, p, unit=True)


# --------------------------------------------------------------------------- matching


def greedy_match(
    n_gold: int, n_pred: int, score: Callable[[int, int], float | None]
) -> list[tuple[int, int]]:
    """One-to-one assignment of gold to predicted items maximizing the total score greedily.

    ``score(g, p)`` is None when the pair may not match at all.  Candidates are taken by
    descending score; ties go to the pair closest in position, then to the earliest, so the
    result never depends on anything but the inputs.  Greedy is not always optimal, but the
    scores here are dominated by span overlap, where a value rarely has two plausible partners.
    """
    candidates: list[tuple[float, int, int, int]] = []
    for gi in range(n_gold):
        for pi in range(n_pred):
            s = score(gi, pi)
            if s is not None:
                candidates.append((-round(s, 9), abs(gi - pi), gi, pi))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, _, gi, pi in candidates:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


class _SpanIndex:
    """Which of a list of spans overlap a given span, without comparing every pair."""

    def __init__(self, spans: Sequence[Span | None]) -> None:
        entries = sorted((s.start, s.end, i) for i, s in enumerate(spans) if s is not None)
        self._starts = [e[0] for e in entries]
        self._entries = entries
        self._max_len = max((e[1] - e[0] for e in entries), default=0)

    def overlapping(self, span: Span | None) -> list[int]:
        if span is None:
            return []
        lo = bisect.bisect_left(self._starts, span.start - self._max_len)
        hi = bisect.bisect_left(self._starts, span.end)
        return sorted(i for s, e, i in self._entries[lo:hi] if s < span.end and span.start < e)


def _match_by_span(
    gold_spans: Sequence[Span | None],
    pred_spans: Sequence[Span | None],
    score: Callable[[int, int], float | None],
) -> list[tuple[int, int]]:
    """Greedy matching restricted to pairs whose spans overlap (the grounded families)."""
    index = _SpanIndex(pred_spans)
    allowed = {(gi, pi) for gi, g in enumerate(gold_spans) for pi in index.overlapping(g)}
    return greedy_match(
        len(gold_spans),
        len(pred_spans),
        lambda gi, pi: score(gi, pi) if (gi, pi) in allowed else None,
    )


# --------------------------------------------------------------------------- families


def _score_meta(gold: Report, pred: Report) -> FamilyScore:
    """Each meta field present on either side is one item.

    Meta fields occur once per document but their text may be repeated all over it (the year
    especially), so they compare by value; the prediction still needs a span (ungrounded is
    wrong).  ``report_kind`` is a label, not read from one place, so it has no span rule.
    """
    fs = FamilyScore()

    def grounded(p: Grounded) -> bool:
        return p.span is not None

    rules: dict[str, Callable[[Any, Any], bool]] = {
        "unit_name": lambda g, p: grounded(p) and texts_equal(g.raw, p.raw),
        "fiscal_year": lambda g, p: grounded(p) and quantities_equal(g, p, unit=False),
        "report_date": lambda g, p: grounded(p) and texts_equal(g.raw, p.raw),
        "report_kind": lambda g, p: g == p,
    }
    for name in META_FIELDS:
        _compare_field(
            fs,
            f"meta.{name}",
            getattr(gold.meta, name),
            f"meta.{name}",
            getattr(pred.meta, name),
            rules[name],
        )
    return fs


def _score_personnel(gold: Report, pred: Report) -> FamilyScore:
    """Staffing quota, headcount, control rate: by value (units vary between 人 and none in
    the sources and add nothing here), grounded."""
    fs = FamilyScore()
    for name in PERSONNEL_FIELDS:
        _compare_field(
            fs,
            f"personnel.{name}",
            getattr(gold.personnel, name),
            f"personnel.{name}",
            getattr(pred.personnel, name),
            lambda g, p: p.span is not None and quantities_equal(g, p, unit=False),
        )
    return fs


@dataclass(frozen=True)
class _Item:
    path: str
    obj: Any


def _funds_items(report: Report) -> list[_Item]:
    items = [_Item(f"funds[{i}]", fl) for i, fl in enumerate(report.funds)]
    for si, sc in enumerate(report.scorecards):
        items.extend(_Item(f"scorecards[{si}].funds[{i}]", fl) for i, fl in enumerate(sc.funds))
    return items


def _funds_note(line: Any) -> str:
    column = f" / {line.column}" if line.column else ""
    return f"{line.label}{column} ({line.measure.value}) = {_describe(line.amount)}"


def _other_side_note(
    index: _SpanIndex, items: Sequence[_Item], span: Span | None, describe: Callable[[Any], str]
) -> str:
    """What the other side has at this place, to tell a wrong value from an invented one."""
    if span is None:
        return "ungrounded (no span)"
    hits = index.overlapping(span)
    if not hits:
        return "nothing at this span on the other side"
    return "other side here: " + "; ".join(describe(items[i].obj) for i in hits[:2])


def _item_span(item: _Item) -> Span | None:
    obj = item.obj
    if isinstance(obj, Grounded):
        return obj.span
    amount = getattr(obj, "amount", None) or getattr(obj, "quantity", None)
    if isinstance(amount, Grounded):
        return amount.span
    return None


def _score_funds(gold: Report, pred: Report) -> tuple[FamilyScore, Accuracy]:
    """Every funds figure (department tables and every scorecard's funds block) is an item.

    A predicted line matches a gold line when the values are equal, the spans overlap and
    the measure is the same: the span says which cell was read, the measure which column it
    was understood to be — a right number in the wrong column is wrong data.  Lines are pooled
    over the whole document, so a figure filed under the wrong scorecard still counts (the
    span already pins it down).  The category (what the row is about) is normalized from the
    label and often debatable, so it is reported as an accuracy over matched pairs instead of
    failing the match.
    """
    fs = FamilyScore()
    acc = Accuracy()
    g_items, p_items = _funds_items(gold), _funds_items(pred)

    def score(gi: int, pi: int) -> float | None:
        g, p = g_items[gi].obj, p_items[pi].obj
        if g.measure != p.measure or not quantities_equal(g.amount, p.amount, unit=False):
            return None
        return (
            _iou(g.amount.span, p.amount.span)
            + 0.1 * (g.category == p.category)
            + 0.05 * text_similarity(g.label, p.label)
        )

    pairs = _match_by_span(
        [it.obj.amount.span for it in g_items], [it.obj.amount.span for it in p_items], score
    )
    _count_matching(fs, g_items, p_items, pairs, lambda it: it.obj.amount.raw, _funds_note)
    for gi, pi in pairs:
        acc.add(g_items[gi].obj.category == p_items[pi].obj.category)
    return fs, acc


def _count_matching(
    fs: FamilyScore,
    g_items: Sequence[_Item],
    p_items: Sequence[_Item],
    pairs: Sequence[tuple[int, int]],
    raw: Callable[[_Item], str],
    describe: Callable[[Any], str],
) -> None:
    """TP per matched pair, FN per unmatched gold item, FP per unmatched predicted item."""
    matched_g = {gi for gi, _ in pairs}
    matched_p = {pi for _, pi in pairs}
    fs.tp += len(pairs)
    g_index = _SpanIndex([_item_span(it) for it in g_items])
    p_index = _SpanIndex([_item_span(it) for it in p_items])
    for gi, it in enumerate(g_items):
        if gi not in matched_g:
            note = _other_side_note(p_index, p_items, _item_span(it), describe)
            fs.miss(it.path, raw(it), f"{describe(it.obj)}; {note}")
    for pi, it in enumerate(p_items):
        if pi not in matched_p:
            note = _other_side_note(g_index, g_items, _item_span(it), describe)
            fs.false_positive(it.path, raw(it), f"{describe(it.obj)}; {note}")


def _goal_items(report: Report) -> list[_Item]:
    items: list[_Item] = []
    for si, sc in enumerate(report.scorecards):
        for gi, goal in enumerate(sc.goals):
            for role in ("expected", "actual"):
                text = getattr(goal, role)
                if text is not None:
                    items.append(_Item(f"scorecards[{si}].goals[{gi}].{role}", text))
    return items


def _score_goals(gold: Report, pred: Report) -> FamilyScore:
    """Each goal's expected and actual text is an item; a prediction matches a gold text of
    the same role (expected vs actual: the two are often near-identical sentences, so the
    role must not be left to similarity) when similar and overlapping.  Goals are pooled over
    the document, since the span already says which table they come from."""
    fs = FamilyScore()
    g_items, p_items = _goal_items(gold), _goal_items(pred)

    def role(it: _Item) -> str:
        return it.path.rsplit(".", 1)[1]

    def score(gi: int, pi: int) -> float | None:
        g, p = g_items[gi], p_items[pi]
        if role(g) != role(p) or not texts_equal(g.obj.raw, p.obj.raw):
            return None
        return text_similarity(g.obj.raw, p.obj.raw) + _iou(g.obj.span, p.obj.span)

    pairs = _match_by_span([it.obj.span for it in g_items], [it.obj.span for it in p_items], score)
    _count_matching(fs, g_items, p_items, pairs, lambda it: it.obj.raw, _describe)
    return fs


def _score_facts(gold: Report, pred: Report) -> FamilyScore:
    """A prose figure matches when value and unit are equal and the spans overlap: in prose
    the unit is part of the figure (万元 vs 亿元 vs %), and the same number recurs in many
    sentences, so the span says which statement was read.  The label is free wording and only
    breaks ties."""
    fs = FamilyScore()
    g_items = [_Item(f"facts[{i}]", f) for i, f in enumerate(gold.facts)]
    p_items = [_Item(f"facts[{i}]", f) for i, f in enumerate(pred.facts)]

    def score(gi: int, pi: int) -> float | None:
        g, p = g_items[gi].obj, p_items[pi].obj
        if not quantities_equal(g.quantity, p.quantity, unit=True):
            return None
        return _iou(g.quantity.span, p.quantity.span) + 0.1 * text_similarity(g.label, p.label)

    pairs = _match_by_span(
        [it.obj.quantity.span for it in g_items], [it.obj.quantity.span for it in p_items], score
    )

    def describe(f: Any) -> str:
        return f"{f.label}: {_describe(f.quantity)}"

    _count_matching(fs, g_items, p_items, pairs, lambda it: it.obj.quantity.raw, describe)
    return fs


def _score_sections(gold: Report, pred: Report) -> tuple[FamilyScore, Accuracy, Accuracy]:
    """A heading matches when its text is similar and its span overlaps (the same heading
    text, e.g. 存在的问题, recurs per project).  The kind and level are interpretations of a
    found heading, reported as accuracies over matched pairs."""
    fs = FamilyScore()
    kind_acc, level_acc = Accuracy(), Accuracy()
    g_items = [_Item(f"sections[{i}].heading", s.heading) for i, s in enumerate(gold.sections)]
    p_items = [_Item(f"sections[{i}].heading", s.heading) for i, s in enumerate(pred.sections)]

    def score(gi: int, pi: int) -> float | None:
        g, p = g_items[gi].obj, p_items[pi].obj
        if not texts_equal(g.raw, p.raw):
            return None
        return text_similarity(g.raw, p.raw) + _iou(g.span, p.span)

    pairs = _match_by_span([it.obj.span for it in g_items], [it.obj.span for it in p_items], score)
    _count_matching(fs, g_items, p_items, pairs, lambda it: it.obj.raw, _describe)
    for gi, pi in pairs:
        kind_acc.add(gold.sections[gi].kind == pred.sections[pi].kind)
        level_acc.add(gold.sections[gi].level == pred.sections[pi].level)
    return fs, kind_acc, level_acc


# --------------------------------------------------------------------------- scorecards


class _MergedSpans:
    """The character ranges covered by a set of spans, for fast "does this overlap" tests."""

    def __init__(self, spans: Sequence[Span]) -> None:
        merged: list[list[int]] = []
        for s in sorted(spans, key=lambda s: (s.start, s.end)):
            if s.end <= s.start:
                continue
            if merged and s.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], s.end)
            else:
                merged.append([s.start, s.end])
        self._starts = [m[0] for m in merged]
        self._ranges = merged

    def overlaps(self, span: Span) -> bool:
        i = bisect.bisect_right(self._starts, span.start) - 1
        for j in (i, i + 1):
            if 0 <= j < len(self._ranges):
                a, b = self._ranges[j]
                if a < span.end and span.start < b:
                    return True
        return False


def _scorecard_value_spans(sc: Scorecard) -> list[Span]:
    """Spans of everything in a scorecard but its title, which may be shared by several
    scorecards (one table split into groups 绩效指标1 … 9 has one title line)."""
    return [
        item.span
        for path, item in iter_grounded(sc)
        if item.span is not None and not path.startswith("title")
    ]


def align_scorecards(gold: Report, pred: Report) -> list[tuple[int, int]]:
    """Pair gold and predicted scorecards one-to-one.

    A pair is a candidate when any predicted value overlaps a value of the gold scorecard,
    or when the titles are similar, or when both have the same group label.  The score is
    dominated by the share of values that overlap (2 × overlapping / larger count), since
    titles repeat (one title for nine groups, near-identical project table titles), then
    title similarity (0.5) and group equality (0.5) to place scorecards predicted without
    spans.
    """
    g_spans = [_scorecard_value_spans(sc) for sc in gold.scorecards]
    p_spans = [_scorecard_value_spans(sc) for sc in pred.scorecards]
    g_merged = [_MergedSpans(s) for s in g_spans]

    def score(gi: int, pi: int) -> float | None:
        g, p = gold.scorecards[gi], pred.scorecards[pi]
        n_over = sum(1 for s in p_spans[pi] if g_merged[gi].overlaps(s))
        title_sim = (
            text_similarity(g.title.raw, p.title.raw)
            if g.title is not None and p.title is not None
            else 0.0
        )
        group_eq = bool(g.group) and normalize_text(g.group) == normalize_text(p.group)
        if n_over == 0 and title_sim < TEXT_THRESHOLD and not group_eq:
            return None
        frac = n_over / max(len(g_spans[gi]), len(p_spans[pi]), 1)
        return 2.0 * frac + 0.5 * title_sim + 0.5 * group_eq

    return greedy_match(len(gold.scorecards), len(pred.scorecards), score)


@dataclass(frozen=True)
class _Ind:
    path: str
    sc: int
    ind: Indicator


def _indicators(report: Report) -> list[_Ind]:
    return [
        _Ind(f"scorecards[{si}].indicators[{ii}]", si, ind)
        for si, sc in enumerate(report.scorecards)
        for ii, ind in enumerate(sc.indicators)
    ]


_TIE_CELLS = ("level1", "level2", "target", "actual", "weight", "score", "deviation_note")


def _indicator_pair_score(g: Indicator, p: Indicator) -> float | None:
    """Name similarity plus 1 for overlapping name spans, plus up to 0.5 for the other cells
    that overlap (to tell apart rows with the same name, e.g. 满意度 in every project).
    None unless the names are similar enough or their spans overlap."""
    overlap = spans_overlap(g.name, p.name)
    if not overlap and not texts_equal(g.name.raw, p.name.raw):
        return None
    sim = text_similarity(g.name.raw, p.name.raw)
    others = sum(spans_overlap(getattr(g, c), getattr(p, c)) for c in _TIE_CELLS) / len(_TIE_CELLS)
    return sim + 1.0 * overlap + 0.5 * others


def align_indicators(
    gold: Report, pred: Report, scorecard_pairs: Sequence[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """Pair gold and predicted indicators one-to-one, as indices into the flat lists of all
    indicators of each report (scorecard by scorecard, row by row).

    First within each aligned scorecard pair, where rows with the same name in different
    tables cannot be confused; then, as a fallback, the indicators left over anywhere in the
    document, so that a row filed under the wrong (or an unaligned) scorecard is still scored
    on its cells.  Both passes use :func:`_indicator_pair_score` with greedy assignment.
    """
    if scorecard_pairs is None:
        scorecard_pairs = align_scorecards(gold, pred)
    g_all, p_all = _indicators(gold), _indicators(pred)
    g_by_sc: dict[int, list[int]] = {}
    p_by_sc: dict[int, list[int]] = {}
    for i, it in enumerate(g_all):
        g_by_sc.setdefault(it.sc, []).append(i)
    for i, it in enumerate(p_all):
        p_by_sc.setdefault(it.sc, []).append(i)

    pairs: list[tuple[int, int]] = []

    def run(g_idx: list[int], p_idx: list[int]) -> None:
        local = greedy_match(
            len(g_idx),
            len(p_idx),
            lambda a, b: _indicator_pair_score(g_all[g_idx[a]].ind, p_all[p_idx[b]].ind),
        )
        pairs.extend((g_idx[a], p_idx[b]) for a, b in local)

    for gs, ps in scorecard_pairs:
        run(g_by_sc.get(gs, []), p_by_sc.get(ps, []))
    used_g = {g for g, _ in pairs}
    used_p = {p for _, p in pairs}
    run(
        [i for i in range(len(g_all)) if i not in used_g],
        [i for i in range(len(p_all)) if i not in used_p],
    )
    return sorted(pairs)


def _indicator_cell_equal(cell: str) -> Callable[[Any, Any], bool]:
    if cell in ("target", "actual"):
        return _grounded_quantity_with_unit_equal
    if cell in INDICATOR_SCORE_CELLS:
        return _grounded_number_equal
    return _grounded_text_equal


def _score_indicators_and_scores(
    gold: Report, pred: Report
) -> tuple[FamilyScore, FamilyScore, dict[str, dict[str, int]]]:
    """The ``indicators`` family counts cells (name, level1, level2, target, actual,
    deviation_note) of aligned rows; the ``scores`` family counts weight and score of every
    row plus total_score, max_score, grade and level-header weights of aligned scorecards.

    Cells rather than rows: a row with the right name but a wrong target is partly right,
    and a cell-level count shows which column an extractor gets wrong.  Targets and actuals
    need the same value and unit (95% is not 95家) or, when qualitative, similar raw text.
    Weights and scores are separated from the rest because they drive the total score: they
    are what an auditor recomputes.
    """
    ind_fs, sc_fs = FamilyScore(), FamilyScore()
    sc_pairs = align_scorecards(gold, pred)
    g_all, p_all = _indicators(gold), _indicators(pred)
    ind_pairs = align_indicators(gold, pred, sc_pairs)
    matched_g = {g for g, _ in ind_pairs}
    matched_p = {p for _, p in ind_pairs}

    for gi, pi in ind_pairs:
        g, p = g_all[gi], p_all[pi]
        for cell in INDICATOR_CELLS:
            _compare_field(
                ind_fs,
                f"{g.path}.{cell}",
                getattr(g.ind, cell),
                f"{p.path}.{cell}",
                getattr(p.ind, cell),
                _indicator_cell_equal(cell),
            )
        for cell in INDICATOR_SCORE_CELLS:
            _compare_field(
                sc_fs,
                f"{g.path}.{cell}",
                getattr(g.ind, cell),
                f"{p.path}.{cell}",
                getattr(p.ind, cell),
                _indicator_cell_equal(cell),
            )
    # Unaligned rows: every cell of a gold row is missed, every cell of a pred row is extra.
    for rows, matched, note, record in (
        (g_all, matched_g, "indicator {!r} not found", "miss"),
        (p_all, matched_p, "indicator {!r} has no gold row", "false_positive"),
    ):
        for i, row in enumerate(rows):
            if i in matched:
                continue
            for cells, fs in ((INDICATOR_CELLS, ind_fs), (INDICATOR_SCORE_CELLS, sc_fs)):
                for cell in cells:
                    if (v := getattr(row.ind, cell)) is not None:
                        getattr(fs, record)(
                            f"{row.path}.{cell}", v.raw, note.format(row.ind.name.raw)
                        )

    # Scorecard-level scores: only aligned scorecards can be compared.
    matched_gs = {g for g, _ in sc_pairs}
    matched_ps = {p for _, p in sc_pairs}
    for gs, ps in sc_pairs:
        g_sc, p_sc = gold.scorecards[gs], pred.scorecards[ps]
        for name, equal in (
            ("total_score", _grounded_number_equal),
            ("max_score", _grounded_number_equal),
            ("grade", _grounded_text_equal),
        ):
            _compare_field(
                sc_fs,
                f"scorecards[{gs}].{name}",
                getattr(g_sc, name),
                f"scorecards[{ps}].{name}",
                getattr(p_sc, name),
                equal,
            )
        _score_level_headers(sc_fs, gs, g_sc, ps, p_sc)
    for si, sc in enumerate(gold.scorecards):
        if si not in matched_gs:
            for path, v in _scorecard_score_values(si, sc):
                sc_fs.miss(path, v.raw, "scorecard not found")
    for si, sc in enumerate(pred.scorecards):
        if si not in matched_ps:
            for path, v in _scorecard_score_values(si, sc):
                sc_fs.false_positive(path, v.raw, "scorecard has no gold counterpart")

    alignment = {
        "scorecards": {
            "gold": len(gold.scorecards),
            "pred": len(pred.scorecards),
            "aligned": len(sc_pairs),
        },
        "indicators": {"gold": len(g_all), "pred": len(p_all), "aligned": len(ind_pairs)},
    }
    return ind_fs, sc_fs, alignment


def _scorecard_score_values(si: int, sc: Scorecard) -> list[tuple[str, Grounded]]:
    out: list[tuple[str, Grounded]] = []
    for name in ("total_score", "max_score", "grade"):
        if (v := getattr(sc, name)) is not None:
            out.append((f"scorecards[{si}].{name}", v))
    for i, lh in enumerate(sc.level_headers):
        out.append((f"scorecards[{si}].level_headers[{i}].weight", lh.weight))
    return out


def _score_level_headers(
    fs: FamilyScore, gs: int, g_sc: Scorecard, ps: int, p_sc: Scorecard
) -> None:
    """Level-1 header weights (产出指标(50分)) match by value and overlapping span; the name
    only breaks ties (it is the level1 cell already counted with the indicators)."""
    g_items = [
        _Item(f"scorecards[{gs}].level_headers[{i}].weight", lh.weight)
        for i, lh in enumerate(g_sc.level_headers)
    ]
    p_items = [
        _Item(f"scorecards[{ps}].level_headers[{i}].weight", lh.weight)
        for i, lh in enumerate(p_sc.level_headers)
    ]

    def score(gi: int, pi: int) -> float | None:
        g, p = g_items[gi].obj, p_items[pi].obj
        if not quantities_equal(g, p, unit=False):
            return None
        names = text_similarity(g_sc.level_headers[gi].name.raw, p_sc.level_headers[pi].name.raw)
        return _iou(g.span, p.span) + 0.1 * names

    pairs = _match_by_span([it.obj.span for it in g_items], [it.obj.span for it in p_items], score)
    _count_matching(fs, g_items, p_items, pairs, lambda it: it.obj.raw, _describe)


# --------------------------------------------------------------------------- grounding


def score_grounding(pred: Report, source_text: str) -> Grounding:
    """Share of predicted values whose span is present and whose raw equals the source there.

    This is the promise of the schema (click a value, land on it), checked literally: a value
    with no span, a span outside the text or a raw that differs from the slice all fail.
    """
    g = Grounding()
    for path, item in iter_grounded(pred):
        g.total += 1
        if item.span is None:
            g.ungrounded += 1
            note = "no span"
        elif (
            item.span.end > len(source_text)
            or source_text[item.span.start : item.span.end] != item.raw
        ):
            g.misgrounded += 1
            note = f"source at {item.span.start}-{item.span.end}: {source_text[item.span.start : item.span.end]!r}"
        else:
            g.ok += 1
            continue
        if len(g.examples) < MAX_EXAMPLES:
            g.examples.append(Example(path=path, raw=item.raw, note=note))
    return g


# --------------------------------------------------------------------------- entry points


def score_report(gold: Report, pred: Report, source_text: str) -> DocScore:
    """Score one predicted report against its gold; ``source_text`` is the original text the
    spans of both point into (``fixtures/raw/<doc_id>.txt`` as read with UTF-8)."""
    funds, funds_category = _score_funds(gold, pred)
    indicators, scores, alignment = _score_indicators_and_scores(gold, pred)
    sections, section_kind, section_level = _score_sections(gold, pred)
    families = {
        "meta": _score_meta(gold, pred),
        "personnel": _score_personnel(gold, pred),
        "funds": funds,
        "indicators": indicators,
        "scores": scores,
        "goals": _score_goals(gold, pred),
        "facts": _score_facts(gold, pred),
        "sections": sections,
    }
    return DocScore(
        doc_id=gold.doc_id,
        text_threshold=TEXT_THRESHOLD,
        families=families,
        grounding=score_grounding(pred, source_text),
        accuracy={
            "funds_category": funds_category,
            "section_kind": section_kind,
            "section_level": section_level,
        },
        alignment=alignment,
        checker=score_findings(gold, pred.findings),
    )


def aggregate(scores: Sequence[DocScore]) -> dict[str, Any]:
    """Micro-averaged totals over documents.

    Micro (counts summed, then P/R/F1) rather than macro: a document with 300 funds figures
    should weigh more than one with 10, and a family empty in one document must not count as
    a perfect 1.0 in an average.  The macro F1 (mean of per-document F1) is added for
    reference.  Grounding and accuracies are likewise pooled counts.
    """
    families: dict[str, dict[str, Any]] = {}
    macro: dict[str, float] = {}
    names = list(FAMILIES) + sorted({f for s in scores for f in s.families} - set(FAMILIES))
    for fam in names:
        tp = sum(s.families[fam].tp for s in scores if fam in s.families)
        fp = sum(s.families[fam].fp for s in scores if fam in s.families)
        fn = sum(s.families[fam].fn for s in scores if fam in s.families)
        p, r, f = prf(tp, fp, fn)
        families[fam] = {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f}
        per_doc = [s.families[fam].f1 for s in scores if fam in s.families]
        macro[fam] = sum(per_doc) / len(per_doc) if per_doc else 1.0

    grounding = Grounding(
        total=sum(s.grounding.total for s in scores),
        ok=sum(s.grounding.ok for s in scores),
        ungrounded=sum(s.grounding.ungrounded for s in scores),
        misgrounded=sum(s.grounding.misgrounded for s in scores),
    )
    accuracy: dict[str, dict[str, Any]] = {}
    for name in sorted({a for s in scores for a in s.accuracy}):
        acc = Accuracy(
            correct=sum(s.accuracy[name].correct for s in scores if name in s.accuracy),
            total=sum(s.accuracy[name].total for s in scores if name in s.accuracy),
        )
        accuracy[name] = {"correct": acc.correct, "total": acc.total, "rate": acc.rate}
    return {
        "checker": aggregate_checker([s.checker for s in scores if s.checker is not None]),
        "docs": len(scores),
        "text_threshold": TEXT_THRESHOLD,
        "families": families,
        "macro_f1": macro,
        "grounding": {
            "total": grounding.total,
            "ok": grounding.ok,
            "ungrounded": grounding.ungrounded,
            "misgrounded": grounding.misgrounded,
            "rate": grounding.rate,
        },
        "accuracy": accuracy,
    }


def family_items(report: Report) -> dict[str, int]:
    """How many items each family holds in a report (what TP + FN adds up to when it is the
    gold, TP + FP when it is the prediction)."""
    inds = _indicators(report)
    return {
        "meta": sum(getattr(report.meta, f) is not None for f in META_FIELDS),
        "personnel": sum(getattr(report.personnel, f) is not None for f in PERSONNEL_FIELDS),
        "funds": len(_funds_items(report)),
        "indicators": sum(getattr(i.ind, c) is not None for i in inds for c in INDICATOR_CELLS),
        "scores": sum(getattr(i.ind, c) is not None for i in inds for c in INDICATOR_SCORE_CELLS)
        + sum(len(_scorecard_score_values(si, sc)) for si, sc in enumerate(report.scorecards)),
        "goals": len(_goal_items(report)),
        "facts": len(report.facts),
        "sections": len(report.sections),
    }


__all__ = [
    "FAMILIES",
    "INDICATOR_CELLS",
    "INDICATOR_SCORE_CELLS",
    "MAX_EXAMPLES",
    "TEXT_THRESHOLD",
    "Accuracy",
    "DocScore",
    "Example",
    "FamilyScore",
    "Grounding",
    "aggregate",
    "align_indicators",
    "align_scorecards",
    "family_items",
    "greedy_match",
    "normalize_text",
    "prf",
    "quantities_equal",
    "score_grounding",
    "score_report",
    "spans_overlap",
    "text_similarity",
    "texts_equal",
]
