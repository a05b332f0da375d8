"""Every statement of an amount in a Report, with what it is about, for the rules that
compare statements across tables and prose (cross-reference, units)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pipeline.check.tables import FundsTable, Row, describe, funds_tables, is_total_label
from pipeline.schema import FundsCategory, FundsLine, FundsMeasure, Quantity, Report
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
    scope: str | None = None  # "basic" / "project" when the table or parent row says so

    @property
    def value(self) -> Decimal:
        return self.quantity.value

    def same_stage(self, other: Statement) -> bool:
        return "any" in (self.stage, other.stage) or self.stage == other.stage

    def same_scope(self, other: Statement) -> bool:
        return None in (self.scope, other.scope) or self.scope == other.scope


def _scope(table: FundsTable, line: FundsLine) -> str | None:
    """Whether a figure belongs to basic or to project expenditure, from its table's title
    and the rows it sits under: 公务接待费 under 三、公用经费 and 公务接待费 in a 项目支出明细
    table are two different figures."""
    row: Row | None = table.rows[table.row_of(line)]
    context = [table.title or ""]
    while row is not None and row.parent is not None:
        row = table.rows[row.parent]
        context.append(row.label)
    text = "".join(context)
    if "项目" in text:
        return "project"
    if "基本" in text or "公用" in text:
        return "basic"
    return None


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


AMOUNT_UNITS = ("万元", "元", "亿元")


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
                Statement(
                    line.category,
                    _STAGE[line.measure],
                    describe(table, line),
                    q,
                    False,
                    _scope(table, line),
                )
            )
    for fact in report.facts:
        q = fact.quantity
        if q.value is None or q.unit not in AMOUNT_UNITS:
            continue
        category = category_of(fact.label)
        out.append(Statement(category, _prose_stage(fact.label), fact.label, q, True))
    return out
