"""Findings for people: grouped by severity, each with its message in Chinese and English,
expected and found values, and where every value involved stands in the source."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.schema import Finding, Severity

_STYLE = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "cyan"}


def _values(f: Finding) -> str:
    parts = []
    for v in f.values:
        at = f"@{v.span.start}-{v.span.end}" if v.span else "@ungrounded"
        unit = v.unit if v.unit and not v.raw.endswith(v.unit) else ""
        parts.append(f"{v.role} {v.raw}{unit} {at}")
    return escape("\n".join(parts))


def render_findings(findings: Sequence[Finding], console: Console, title: str = "") -> None:
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    console.print(
        f"[bold]{escape(title)}[/] "
        + ", ".join(f"[{_STYLE[s]}]{n} {s.value}[/]" for s, n in counts.items())
    )
    for severity in Severity:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        table = Table(
            title=f"{severity.value} ({len(group)})", title_justify="left", show_lines=True
        )
        table.add_column("rule", style=_STYLE[severity], no_wrap=True)
        table.add_column("message", overflow="fold")
        table.add_column("expected / found", justify="right")
        table.add_column("values (role raw @span)", overflow="fold")
        for f in group:
            ef = " / ".join("—" if x is None else str(x) for x in (f.expected, f.found))
            message = escape(f"{f.message_zh}\n{f.message_en}")
            table.add_row(escape(f.rule), message, ef, _values(f))
        console.print(table)
