"""Sum rules over prose: a figure and the parts a sentence lists for it.

``基本支出合计2450.42万元，其中人员经费2077.10万元，公用经费373.71万元`` states a sum as
surely as a table does.  The parts are the figures after a marker (其中, 主要用于, 包括,
分别为) up to the end of the clause (；or 。); the whole is the nearest figure before the
marker that is not itself a listed part.  A 其中 list may be partial, so only parts exceeding the whole, or a
sum one mistyped digit away from it, are errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.statements import AMOUNT_UNITS
from pipeline.check.tolerance import decimals, sum_and_slack
from pipeline.schema import Fact, Finding, Report, Severity

_MARKER = re.compile(r"其中|主要用于|主要包括|包括|分别为|分别是")
_SENTENCE_END = re.compile(r"[。\n]")
_CLAUSE_END = re.compile(r"[；;。\n]")


def one_digit_apart(a: Decimal, b: Decimal) -> bool:
    """Whether two figures, written to the same decimals, differ in exactly one digit or
    by two adjacent digits swapped: the marks of a typing slip, not of a partial list."""
    places = max(decimals(a), decimals(b))
    sa, sb = f"{abs(a):.{places}f}", f"{abs(b):.{places}f}"
    if len(sa) != len(sb) or sa == sb or (a < 0) != (b < 0):
        return False
    diff = [i for i, (x, y) in enumerate(zip(sa, sb, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    i, j = (diff + [0, 0])[:2]
    return len(diff) == 2 and j == i + 1 and sa[i] == sb[j] and sa[j] == sb[i]


def _amount_facts(report: Report) -> list[Fact]:
    facts = [
        f
        for f in report.facts
        if f.quantity.value is not None
        and f.quantity.span is not None
        and f.quantity.unit in AMOUNT_UNITS
    ]
    return sorted(facts, key=lambda f: f.quantity.span.start)


def _in_parentheses(text: str, start: int, floor: int) -> bool:
    before = text[floor:start]
    return before.count("（") + before.count("(") > before.count("）") + before.count(")")


def _groups(text: str, facts: list[Fact]) -> Iterator[tuple[Fact, list[Fact]]]:
    """(whole, parts) for each marker in each sentence holding prose figures."""
    by_start = {f.quantity.span.start: f for f in facts}
    starts = sorted(by_start)
    done: set[int] = set()
    for m in _MARKER.finditer(text):
        s_start = _last(_SENTENCE_END, text, m.start()) + 1
        clause_end = _CLAUSE_END.search(text, m.end())
        c_end = clause_end.start() if clause_end else len(text)
        nxt = _MARKER.search(text, m.end(), c_end)
        c_end = nxt.start() if nxt else c_end
        parts = [
            by_start[s]
            for s in starts
            if m.end() <= s < c_end and not _in_parentheses(text, s, m.end())
        ]
        before = [by_start[s] for s in starts if s_start <= s < m.start() and s not in done]
        done.update(f.quantity.span.start for f in parts)
        if not before or len(parts) < 2:
            continue
        whole = before[-1]
        parts = [p for p in parts if p.quantity.unit == whole.quantity.unit]
        if len(parts) >= 2:
            yield whole, parts


def _last(pattern: re.Pattern[str], text: str, before: int) -> int:
    last = -1
    for m in pattern.finditer(text, max(0, before - 2000), before):
        last = m.start()
    return last


@rule("sum.prose_parts", needs_text=True)
def prose_parts(report: Report, text: str) -> Iterator[Finding]:
    """Parts a sentence lists for a figure (after 其中 / 主要用于 / 包括 …) add up to no
    more than it, and not to a sum one mistyped digit away from it."""
    for whole, parts in _groups(text, _amount_facts(report)):
        values = [p.quantity.value for p in parts]
        total = whole.quantity.value
        got, tol = sum_and_slack(values, total)
        if abs(got - total) <= tol:
            continue
        if got < total and not one_digit_apart(got, total):
            continue
        terms = " + ".join(p.quantity.raw for p in parts)
        yield finding(
            "sum.prose_parts",
            Severity.error,
            f"{whole.label} {whole.quantity.raw}：所列各项 {terms} = {got}，与之不符",
            f"{whole.label} {whole.quantity.raw}: the parts listed, {terms}, add up to {got}",
            [Involved("total", whole.label, whole.quantity)]
            + [Involved("part", p.label, p.quantity) for p in parts],
            expected=got,
            found=total,
            tolerance=tol,
        )
