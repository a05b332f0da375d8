"""Every statement of an amount in a Report, with what it is about, for the rules that
compare statements across tables and prose (cross-reference, units)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pipeline.check.tables import describe, funds_tables, is_total_label
from pipeline.schema import FundsCategory, FundsMeasure, Quantity, Report
from pipeline.vocabulary import category_of

M = FundsMeasure

# Which stage of the budget a figure is: statements of different stages are different
# quantities (a budget and its execution), "any" matches every stage.
_STAGE = {
    M.initial_budget: "initial",
    M.adjusted_budget: "budget",
    M.executed: "executed",
    M.expenditure: "executed",
    M.income: "any",  # an income table's figures serve as budget and as receipts
    M.prior_executed: "prior",
    M.amount: "any",
}


@dataclass(frozen=True)
class Statement:
    category: FundsCategory
    stage: str
    where: str
    quantity: Quantity
    prose: bool

    @property
    def value(self) -> Decimal:
        return self.quantity.value

    def same_stage(self, other: Statement) -> bool:
        return "any" in (self.stage, other.stage) or self.stage == other.stage


_PROSE_STAGE = (
    (re.compile(r"年初预算"), "initial"),
    (re.compile(r"上年|去年|同期"), "prior"),
    (re.compile(r"预算"), "budget"),
    (re.compile(r"决算|支出|执行|收入"), "executed"),
)


def _prose_stage(label: str) -> str:
    for pattern, stage in _PROSE_STAGE:
        if pattern.search(label):
            return stage
    return "any"


_AMOUNT_UNITS = ("万元", "元", "亿元")


def statements(report: Report, *, with_entities: bool = False) -> list[Statement]:
    """Department-level amount statements (per-institution rows only when asked), from the
    funds tables, the scorecards' funds blocks and the prose facts."""
    out: list[Statement] = []
    for table in funds_tables(report):
        for line in table.lines:
            q = line.amount
            if q.value is None or q.unit == "%" or line.category == FundsCategory.unknown:
                continue
            if line.measure not in _STAGE:
                continue
            if line.entity and not is_total_label(line.entity) and not with_entities:
                continue
            out.append(
                Statement(line.category, _STAGE[line.measure], describe(table, line), q, False)
            )
    for fact in report.facts:
        q = fact.quantity
        if q.value is None or q.unit not in _AMOUNT_UNITS:
            continue
        category = category_of(fact.label)
        out.append(Statement(category, _prose_stage(fact.label), fact.label, q, True))
    return out
