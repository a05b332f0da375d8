"""The rule catalogue and the run over a Report.

A rule is a function from a Report to findings, registered with an id whose first part is
its family (``sum.total_row`` is in family ``sum``).  Rules only read the Report, so they
work on the output of any backend; what a rule needs that the Report does not say (which
rows a total covers, which column is last year) it infers from labels, never from layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from pipeline.schema import Finding, FindingValue, Quantity, Report, Severity

FAMILIES: tuple[str, ...] = ("sum", "balance", "ratio", "delta", "score", "target", "xref", "unit")

RuleFunc = Callable[..., Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A named check.  Most rules read the Report alone; a rule that ``needs_text`` also
    reads the source text around the values' spans (to see a 其中 between two prose
    figures) and is skipped when the source is not at hand."""

    id: str
    func: RuleFunc
    needs_text: bool = False

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, needs_text: bool = False) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule under ``family.name``; its docstring says what it checks and why."""
    family = rule_id.split(".", 1)[0]
    if family not in FAMILIES:
        raise ValueError(f"rule {rule_id!r}: unknown family {family!r}")

    def register(func: RuleFunc) -> RuleFunc:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} registered twice")
        RULES[rule_id] = Rule(rule_id, func, needs_text)
        return func

    return register


@dataclass(frozen=True)
class Involved:
    """A value a finding points at: its role in the relation and where it stands."""

    role: str
    where: str
    quantity: Quantity

    def to_value(self) -> FindingValue:
        q = self.quantity
        return FindingValue(
            role=self.role, where=self.where, raw=q.raw, span=q.span, value=q.value, unit=q.unit
        )


def finding(
    rule_id: str,
    severity: Severity,
    zh: str,
    en: str,
    values: Iterable[Involved],
    *,
    expected: Decimal | None = None,
    found: Decimal | None = None,
    tolerance: Decimal | None = None,
) -> Finding:
    return Finding(
        rule=rule_id,
        family=rule_id.split(".", 1)[0],
        severity=severity,
        message_zh=zh,
        message_en=en,
        expected=expected,
        found=found,
        tolerance=tolerance,
        values=[v.to_value() for v in values],
    )


_SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def _first_offset(f: Finding) -> int:
    starts = [v.span.start for v in f.values if v.span is not None]
    return min(starts) if starts else -1


def _key(f: Finding) -> tuple:
    """One relation, whichever rule of its family saw it: the family and the values."""
    spans = tuple(sorted(v.span.as_tuple() for v in f.values if v.span is not None))
    return (f.family, spans) if spans else (f.rule, f.message_en)


def check_report(
    report: Report, text: str | None = None, rules: Iterable[str] | None = None
) -> list[Finding]:
    """All findings of the catalogue (or of the named rules) on one report, each relation
    reported once (two rules of a family seeing the same values give one finding), ordered by severity and then by where its first value stands.  ``text``
    is the original text the spans point into; without it the rules that read the source
    around the figures are skipped."""
    chosen = [RULES[r] for r in rules] if rules is not None else list(RULES.values())
    seen: set[tuple] = set()
    out: list[Finding] = []
    for r in chosen:
        if r.needs_text and text is None:
            continue
        for f in r.func(report, text) if r.needs_text else r.func(report):
            k = _key(f)
            if k not in seen:
                seen.add(k)
                out.append(f)
    out.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], _first_offset(f), f.rule))
    return out
