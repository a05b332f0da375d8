"""Scoring checker findings against the known issues labelled by hand in gold.

A finding *matches* a known issue when both are of the same family and they point at the
same stated values: at least two shared value spans (or all of them, when either side
names fewer than two).  One value shared is not enough, since a total takes part in many
relations.  Findings of severity ``info`` (a rate truncated instead of rounded) are listed
but not scored: they say how a figure was computed, not that it is wrong.

Precision is counted over findings (the share that point at a real issue), recall over
known issues (the share found by at least one finding), each per family.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from pipeline.check.engine import FAMILIES
from pipeline.schema import Finding, KnownIssue, Report, Severity, Span

TRUE = "true issue"
FALSE = "false alarm"
UNSCORED = "info, not scored"


class FindingVerdict(BaseModel):
    rule: str
    family: str
    severity: Severity
    message_zh: str
    message_en: str
    values: list[str] = Field(default_factory=list, description="raw text@start of each value")
    verdict: str
    known: list[int] = Field(default_factory=list, description="indices of matched known issues")


class KnownVerdict(BaseModel):
    family: str
    description: str
    found_by: list[str] = Field(default_factory=list, description="rules of matching findings")


class CheckerScore(BaseModel):
    doc_id: str
    findings: list[FindingVerdict] = Field(default_factory=list)
    known: list[KnownVerdict] = Field(default_factory=list)


def _spans(values: Sequence[Any]) -> list[Span]:
    return [v.span for v in values if v.span is not None]


def matches(finding: Finding, issue: KnownIssue) -> bool:
    if finding.family != issue.family:
        return False
    mine, theirs = _spans(finding.values), _spans(issue.values)
    if not mine or not theirs:
        return False
    shared = sum(1 for s in mine if any(s.overlaps(t) for t in theirs))
    return shared >= min(2, len(mine), len(theirs))


def score_findings(gold: Report, findings: Sequence[Finding]) -> CheckerScore:
    out = CheckerScore(doc_id=gold.doc_id)
    out.known = [
        KnownVerdict(family=k.family, description=k.description) for k in gold.known_issues
    ]
    for f in findings:
        if f.family not in FAMILIES:
            continue  # about the extraction (hybrid disagreements), not the document
        hits = [i for i, k in enumerate(gold.known_issues) if matches(f, k)]
        if f.severity == Severity.info:
            verdict = UNSCORED
        else:
            verdict = TRUE if hits else FALSE
            for i in hits:
                out.known[i].found_by.append(f.rule)
        out.findings.append(
            FindingVerdict(
                rule=f.rule,
                family=f.family,
                severity=f.severity,
                message_zh=f.message_zh,
                message_en=f.message_en,
                values=[f"{v.raw}@{v.span.start}" if v.span else v.raw for v in f.values],
                verdict=verdict,
                known=hits,
            )
        )
    return out


def aggregate_checker(scores: Sequence[CheckerScore]) -> dict[str, Any]:
    """Per family and overall: findings scored, true issues among them, false alarms,
    known issues, known issues found, precision and recall."""
    families: dict[str, dict[str, Any]] = {}
    names = list(FAMILIES) + sorted(
        {f.family for s in scores for f in s.findings}
        | {k.family for s in scores for k in s.known} - set(FAMILIES)
    )
    for fam in [*names, "all"]:
        scored = [
            f
            for s in scores
            for f in s.findings
            if f.verdict != UNSCORED and (fam == "all" or f.family == fam)
        ]
        known = [k for s in scores for k in s.known if fam == "all" or k.family == fam]
        true = sum(1 for f in scored if f.verdict == TRUE)
        found = sum(1 for k in known if k.found_by)
        if not scored and not known:
            continue
        precision = true / len(scored) if scored else 1.0
        recall = found / len(known) if known else 1.0
        families[fam] = {
            "findings": len(scored),
            "true": true,
            "false_alarms": len(scored) - true,
            "known": len(known),
            "found": found,
            "precision": precision,
            "recall": recall,
        }
    return families
