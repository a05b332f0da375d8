"""The template backend: sections written offline from the figures, in the register of these
reports, choosing sentences by the data (a target met, exceeded or missed; an execution rate
under the 90% line; spending over budget; inconsistencies the checker found).

Templates are jinja2 files in ``templates/``; they write numbers only through ``Figure.text``,
so every number they write is a figure the verifier knows.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pipeline.draft.figures import (
    POLICY_RATE,
    BudgetLine,
    CardView,
    DraftFacts,
    IndicatorView,
    amount_of,
)

TEMPLATES = Path(__file__).with_name("templates")
_ORDINALS = "一二三四五六七八九十"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    return env


def _stage_word(line: BudgetLine, figure) -> str:
    """How a line's amount is to be read when it is not what was spent: 预算数 20.8 is not
    spending."""
    stage = next((s for s, f in line.figures.items() if f is figure), "any")
    return {"budget": "预算数", "initial": "年初预算数", "prior": "上年数"}.get(stage, "")


def _stated(lines: list[BudgetLine]) -> list[BudgetLine]:
    """Lines with a non-zero amount: 纳入专户管理的非税收入 0 says nothing worth a clause."""
    return [x for x in lines if (a := amount_of(x)) is not None and a.value != 0]


def _groups(card: CardView) -> list[tuple[str | None, list[IndicatorView]]]:
    return [(k, list(rows)) for k, rows in groupby(card.indicators, key=lambda i: i.level1)]


def _tidy(message: str) -> str:
    """A checker message in the draft's register: no spaces beside Chinese characters, table
    paths joined without slashes."""
    message = message.replace(" / ", "的")
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", message)


def _ordinal(k: int) -> str:
    return (_ORDINALS[k - 1] if k <= len(_ORDINALS) else str(k)) + "是"


def _problems(f: DraftFacts) -> dict[str, Any]:
    rate = (f.total.computed_rate or f.total.rate) if f.total else None
    rows = [i for c in f.cards for i in c.indicators]
    return {
        "low_rate": rate if rate is not None and rate.value < POLICY_RATE.value else None,
        "over": [
            e
            for e in f.expenditure
            if e.rate is not None
            and e.rate.value > 100
            and e.figures.get("budget")
            and e.figures.get("executed")
        ],
        "missed": [i for i in rows if i.status in ("missed", "over_cost")],
        "groups": [
            (name, scores[2])
            for c in f.cards
            for name, scores in c.level_scores.items()
            if scores[2] is not None
        ],
        "deducted": sorted(
            (i for i in rows if i.deduction is not None), key=lambda i: -i.deduction.value
        ),
        "findings": f.findings,
    }


def context(f: DraftFacts) -> dict[str, Any]:
    department = [c for c in f.cards if c.total is not None and not c.is_project]
    return {
        "f": f,
        "who": f.unit_name or "本部门",
        "year_phrase": f"{f.year.text}年度，" if f.year else "",
        "policy": POLICY_RATE,
        "income": _stated(f.income),
        "expenditure": _stated(f.expenditure),
        "cards": f.cards,
        "main_card": department[0] if department else None,
        "counts": f.counts,
        "problems": _problems(f),
        "amount": amount_of,
        "stage_word": _stage_word,
        "groups": _groups,
        "ordinal": _ordinal,
        "level1_key": lambda i: i.level1_key,
        "where": lambda i: f"{i.project}" if len(f.cards) > 1 and i.project else "",
        "tidy": _tidy,
    }


def render(kind: str, f: DraftFacts) -> str:
    text = _env().get_template(f"{kind}.md.j2").render(**context(f))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
