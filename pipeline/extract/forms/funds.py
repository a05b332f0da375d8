"""Reading a funds block (项目资金 / 年度预算: 年初预算数 全年预算数 全年执行数 分值 执行率 得分)
from a run of units.

Each row is a label from the forms' closed set (年度资金总额, 其中：当年财政拨款, 上年结转资金,
其他资金, 一般公共预算, 基本支出 …) followed by its figures.  When a shape drops blank cells,
a row has fewer figures than the header has columns, and which columns they fill is decided
by what the figures are (a percentage is the rate, a weight is at most 100, a score at most its
weight) and by the one relation every such row obeys, 执行率 = 执行数 ÷ 全年预算数.  When OCR
glued figures together (``21182118100%``), the run is cut only where exactly one cut makes the
row consistent, and every figure of it is marked repaired.  A reading the arithmetic cannot
settle is kept in the natural column order and said to be uncertain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from pipeline import vocabulary as VOC
from pipeline.document import Document
from pipeline.extract.forms import values as V
from pipeline.extract.forms.ground import digits_at, number_of
from pipeline.extract.forms.headers import FUNDS_MEASURE, Header, Role
from pipeline.extract.forms.tokens import Unit, joined_text
from pipeline.extract.grounding import text_at
from pipeline.extract.numbers import row_unit
from pipeline.schema import FundsCategory, FundsLine, FundsMeasure, Quantity

_LABEL = re.compile(
    r"^(?:其中[:：]?)?(?:部门)?(?:年度资金总额|资金总额|当年财政拨款|本年财政拨款|财政拨款|上年结转|上年结余|其他资金"
    r"|一般公共预算|政府性基金|国有资本经营预算|财政专户|单位资金|事业收入|其他收入|基本支出|人员经费"
    r"|公用经费|项目支出|经营支出|其他支出|合计|总计|按收入性质分|按支出性质分|上级补助|专项资金|自筹资金"
    r"|纳入专户|非税收入|年初结转|结转结余"
    # the 三公经费 rows of the department forms (二、“三公”经费, 1、公务用车购置和维护经费)
    r"|[“\"]?三公[”\"]?经费|公务接待|公务用车|公车购置|公车运行|因公出国|出国)"
)
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．]|[（(][一二三四五六七八九十\d]{1,2}[）)])"
)
_ROW_HEADS = {"基本支出", "项目支出", "三公经费"}
"""Label-column words of a header that are a row's own label: a block of one row is headed by
it (项目支出（万元） 全年预算数 全年执行数 执行率, then the row's figures)."""
_NATURE = re.compile(r"^按(收入|支出)性质分(?:类)?[:：]?$")
"""The two breakdowns of a department form's funds (按收入性质分类 | 按支出性质分类): pairs of
a label and an amount, one column of income sources, one of expenditure kinds."""
_EXPENDITURE = {
    FundsCategory.basic_expenditure,
    FundsCategory.personnel,
    FundsCategory.public_operating,
    FundsCategory.project_expenditure,
    FundsCategory.three_public,
    FundsCategory.official_reception,
    FundsCategory.vehicle,
    FundsCategory.vehicle_purchase,
    FundsCategory.vehicle_operation,
    FundsCategory.overseas_travel,
}
_AMOUNT_ROLES = (Role.INITIAL, Role.ADJUSTED, Role.EXECUTED, Role.PRIOR)
_MIN_GLUED = 5


@dataclass
class FundsReading:
    lines: list[FundsLine] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    covered: int = 0  # units read, from the first after the header


def _unit_note(text: str) -> bool:
    return bool(re.fullmatch(r"[（(]?(?:单位[:：])?(?:万元|元)[）)]?", text))


def is_label(text: str) -> bool:
    """A row name of the forms' funds blocks, maybe numbered (一、基本支出, 3.公务接待经费)."""
    return bool(_LABEL.match(_ORDINAL.sub("", text, count=1)))


def read_funds(doc: Document, units: list[Unit], header: Header, unit: str | None) -> FundsReading:
    """The funds lines of the rows in ``units`` (which start right after ``header``)."""
    cols = [c for c in header.columns if c.role is not Role.LABEL]
    out = FundsReading()
    i = 0
    total_cols: tuple[int, ...] | None = None
    while i < len(units) and _unit_note(units[i].text):
        i += 1  # （万元） under the header, 单位：万元
    # the rest of the label column's header broken over lines (部门（单位）/ 整体支出 / （万元）)
    lead = i
    while (
        i < len(units) and i - lead < 3 and not _is_value(units[i].text) and not _label(units, i)[0]
    ):
        i += 1
    if i < len(units) and not _label(units, i)[0]:
        i = lead
    own = header.column(Role.LABEL)
    own_label = own if own is not None and own.word in _ROW_HEADS else None
    first = i
    nature: dict[str, Unit] = {}  # 收入 / 支出 → its column header, once the breakdown opens
    while i < len(units):
        if m := _NATURE.match(units[i].text):
            nature[m.group(1)] = units[i]
            i += 1
            continue
        if nature:
            step = _nature_row(doc, units, i, nature, unit, out)
            if step is None:
                break
            i = step
            continue
        label_units, j = _label(units, i)
        from_header = not label_units and own_label is not None and i == first
        if from_header:
            label_units, j = list(own_label.units), i  # the header names the one row
        if not label_units:
            break
        values: list[Unit] = []
        while j < len(units) and _is_value(units[j].text):
            values.append(units[j])
            j += 1
        label = joined_text([p for u in label_units for p in u.pieces])
        if not values:
            i = j  # a section label (按收入性质分：), or a row whose cells are all blank
            continue
        reading = _assign(values, [c.role for c in cols], total_cols)
        if reading is None:
            out.uncertain.append(f"row {label}: figures {[v.text for v in values]} fit no column")
            i = j
            continue
        placed, note, exact = reading
        if total_cols is None:
            total_cols = tuple(k for k, _ in placed)
        if note:
            out.uncertain.append(f"row {label}: {note}")
        if from_header:
            start = own_label.start
            label_text = text_at(doc, start, start + len(own_label.word))
        else:
            label_text = text_at(doc, label_units[0].start, label_units[-1].end)
        for k, q in _quantities(doc, placed, [c.role for c in cols], row_unit(label, unit), exact):
            if q is None:
                continue
            out.lines.append(
                FundsLine(
                    label=label_text.text if label_text else label,
                    column=cols[k].written,
                    category=VOC.category_of(label),
                    measure=FUNDS_MEASURE[cols[k].role],
                    amount=q,
                )
            )
        i = j
    out.covered = i
    return out


def _nature_row(
    doc: Document, units: list[Unit], i: int, nature: dict[str, Unit], unit: str | None, out
) -> int | None:
    """One label of the 按收入 / 按支出性质 breakdown and its amount, if it has one (a blank
    cell vanishes).  Which column it stands in is what it names: an expenditure kind (基本支出,
    人员经费, 三公经费) or an income source (拨款, 收入, 结转结余); the columns alternate in
    the text, but a missing label would shift an alternation, not a label's meaning."""
    label_units, j = _label(units, i)
    if not label_units:
        return None
    label = joined_text([p for u in label_units for p in u.pieces])
    category = VOC.category_of(label)
    side = "支出" if category in _EXPENDITURE or "支出" in label else "收入"
    head = nature.get(side) or next(iter(nature.values()))
    if j < len(units) and _is_value(units[j].text):
        q = number_of(doc, [units[j]], unit=unit)
        if q is not None and q.unit != "%":
            written = text_at(doc, label_units[0].start, label_units[-1].end)
            out.lines.append(
                FundsLine(
                    label=written.text if written else label,
                    column=head.text.rstrip(":："),
                    category=category,
                    measure=FundsMeasure.amount,
                    amount=q,
                )
            )
        j += 1
    return j


def _label(units: list[Unit], i: int) -> tuple[list[Unit], int]:
    """The label at ``i``: one unit, or ``其中：`` and the label after it.  Besides the
    forms' own row names (年度资金总额, 财政拨款 …), any short text followed by a figure is a
    row label (全年支出, 其中：基本支出): the blocks' rows are named by each unit."""
    if i >= len(units):
        return [], i
    text = units[i].text
    if text.rstrip(":：") == "其中" and i + 1 < len(units):
        rest, j = _label(units, i + 1)
        if rest:
            return [units[i], *rest], j
    if is_label(text) or _generic_label(units, i):
        return [units[i]], i + 1
    return [], i


_NOT_LABEL = re.compile(r"年度总体目标|总体目标|预期目标|实际完成情况|绩效指标|一级指标|指标")


def _generic_label(units: list[Unit], i: int) -> bool:
    text = units[i].text
    return (
        len(text) <= 16
        and re.search(r"[\u4e00-\u9fff]", text) is not None
        and not re.search(r"\d", text)
        and not _NOT_LABEL.search(text)
        and i + 1 < len(units)
        and _is_value(units[i + 1].text)
    )


def _is_value(text: str) -> bool:
    return (
        V.number(text) is not None
        or V.percent(text) is not None
        or V.placeholder(text)
        or V.ocr_number(text) is not None
        or _glued_run(text)
    )


def _glued_run(text: str) -> bool:
    return bool(re.fullmatch(r"\d[\d.]*%?", text)) and len(text.rstrip("%")) >= _MIN_GLUED


@dataclass(frozen=True)
class _Value:
    unit: Unit
    value: Decimal | None  # None for a placeholder
    percent: bool
    part: tuple[int, int] | None = None  # characters of a glued run


def _values(units: list[Unit]) -> list[_Value]:
    out = []
    for u in units:
        n = V.number(u.text) or V.percent(u.text) or V.ocr_number(u.text)
        out.append(_Value(u, n.value if n else None, bool(n and n.percent)))
    return out


def _assign(
    units: list[Unit], roles: list[Role], total_cols: tuple[int, ...] | None
) -> tuple[list[tuple[int, _Value]], str | None, bool] | None:
    """Which columns the row's figures fill: (column index, value) pairs, a note when the
    reading is uncertain, and whether the figures were cut from a glued run."""
    plain = _values(units)
    scored = _ranked(plain, roles, total_cols)
    best = scored[0] if scored else None
    if best is not None and (best[2] or len(plain) >= len(roles)):
        return best[1], _ambiguity(scored), False
    glued = _glued_readings(units, roles, total_cols)
    if len(glued) == 1:
        return glued[0], None, True
    if best is None:
        return None
    note = _ambiguity(scored)
    if len(glued) > 1:
        note = (note + "; " if note else "") + "a glued run of digits has several readings"
    return best[1], note, False


def _ranked(
    values: list[_Value], roles: list[Role], total_cols, *, strict: bool = False
) -> list[tuple[float, list, bool]]:
    """Every placement of the figures in the columns, best first: (score, placement,
    whether the row's rate agrees with its amounts)."""
    out = []
    if len(values) > len(roles):
        values = values[: len(roles)]
    for cols in combinations(range(len(roles)), len(values)):
        scored = _score(values, [roles[c] for c in cols], cols, total_cols, roles, strict)
        if scored is not None:
            out.append((scored[0], list(zip(cols, values, strict=True)), scored[1]))
    out.sort(key=lambda x: -x[0])
    return out


def _ambiguity(scored) -> str | None:
    if len(scored) > 1 and abs(scored[0][0] - scored[1][0]) < 1e-9:
        return "which columns its figures stand in is not certain (cells are missing)"
    return None


def _score(
    values: list[_Value],
    roles: list[Role],
    cols,
    total_cols,
    all_roles: list[Role],
    strict: bool = False,
) -> tuple[float, bool] | None:
    s = 0.0
    by_role: dict[Role, Decimal] = {}
    for v, role in zip(values, roles, strict=True):
        if v.value is None:
            continue
        if v.percent and (role is not Role.RATE or v.value > 1000):
            return None
        if role is Role.RATE:
            if not v.percent and v.value > 200:
                return None
            s += 0.0 if v.percent else -0.3
        elif role in (Role.WEIGHT, Role.SCORE) and (v.value > 100 or v.value < 0):
            return None
        by_role[role] = v.value
    rate = by_role.get(Role.RATE)
    executed = by_role.get(Role.EXECUTED)
    consistent = False
    bases = ((Role.ADJUSTED, 3.0),) if strict else ((Role.ADJUSTED, 3.0), (Role.INITIAL, 1.5))
    for base, bonus in bases:
        if rate is not None and executed is not None and by_role.get(base):
            if _rate_matches(rate, executed, by_role[base], values, roles, strict):
                s += bonus
                consistent = True
                break
    else:
        if rate is not None and executed is not None and by_role.get(Role.ADJUSTED):
            s -= 0.5
    w, sc = by_role.get(Role.WEIGHT), by_role.get(Role.SCORE)
    if w and sc is not None:
        s += 0.5 if sc <= w else -0.5
    # The amounts come first: a row fills its budget columns before a weight or a score.
    filled = set(cols)
    last = max(cols) if cols else -1
    s -= 0.6 * sum(
        1 for k, r in enumerate(all_roles) if r in _AMOUNT_ROLES and k not in filled and k < last
    )
    if total_cols is not None and set(cols) <= set(total_cols):
        s += 0.2
    # Natural order breaks ties: figures fill the leftmost columns first.
    s -= 0.001 * sum(cols)
    return s, consistent


def _rate_matches(
    rate: Decimal, executed: Decimal, base: Decimal, values, roles, strict: bool
) -> bool:
    """Does the stated rate round (or truncate) to executed ÷ base?  ``strict``, for figures
    cut from a glued run, asks for a rounding match and a rate above zero: a cut that only
    truncates to 0% proves nothing."""
    rate_value = next(v for v, r in zip(values, roles, strict=True) if r is Role.RATE)
    exp = rate_value.value.as_tuple().exponent
    decimals = -exp if isinstance(exp, int) and exp < 0 else 0
    ratio = executed / base * 100
    half = Decimal(5) / Decimal(10) ** (decimals + 1)
    if abs(ratio - rate) <= half + Decimal("1e-9"):
        return not strict or rate > 0
    return not strict and rate <= ratio < rate + 2 * half  # truncated rather than rounded


def _glued_readings(units: list[Unit], roles: list[Role], total_cols) -> list[list]:
    """Readings that cut glued runs of digits into figures and make the row consistent.

    Every run that could be glued (a run of digits, maybe ending in %) may be cut into as
    many parts as the row is short of figures; each combination of cuts is ranked like an
    ordinary row, and those whose best reading is consistent are returned."""
    missing = len(roles) - len(units)
    options: list[list[list[_Value]]] = []
    for u in units:
        opts = [_values([u])]
        if missing > 0 and _cuttable(u.text):
            body = u.text.rstrip("%")
            for parts in range(2, missing + 2):
                for cut in V.splits(body, parts):
                    opts.append(
                        [
                            _Value(
                                u,
                                V.to_decimal(body[a:b]),
                                n == len(cut) - 1 and u.text.endswith("%"),
                                (a, b + (1 if n == len(cut) - 1 and u.text.endswith("%") else 0)),
                            )
                            for n, (a, b) in enumerate(cut)
                        ]
                    )
        options.append(opts)
    found: list[list] = []
    for combo in _combinations(options, len(roles)):
        values = [v for part in combo for v in part]
        if len(values) == len(units):
            continue  # nothing cut
        ranked = _ranked(values, roles, total_cols, strict=True)
        if ranked and ranked[0][2]:
            found.append(ranked[0][1])
    # The fewest cuts that make the row consistent: a reading that needs more figures than
    # another explains the run no better and is one more guess.
    fewest = min((len(r) for r in found), default=0)
    return [r for r in found if len(r) == fewest]


_MAX_COMBINATIONS = 4000


def _combinations(options: list[list[list[_Value]]], most: int):
    """The product of the cut options, keeping at most ``most`` figures in all."""
    count = 0

    def rec(k: int, acc: list[list[_Value]], n: int):
        nonlocal count
        if count >= _MAX_COMBINATIONS:
            return
        if k == len(options):
            count += 1
            yield list(acc)
            return
        for opt in options[k]:
            if n + len(opt) <= most:
                acc.append(opt)
                yield from rec(k + 1, acc, n + len(opt))
                acc.pop()

    yield from rec(0, [], 0)


def _cuttable(text: str) -> bool:
    """Could ``text`` be figures OCR glued together?  Not an amount written whole with its
    two decimals (``2450.81``): a cut of it into 24 / 50.8 / 1 that happens to fit a row's
    arithmetic is a coincidence, not a reading."""
    body = text[:-1] if text.endswith("%") else text
    if re.fullmatch(r"\d+\.\d{2}", body):
        return False
    return bool(re.fullmatch(r"\d[\d.]*", body)) and len(body.replace(".", "")) >= 4


def _quantities(doc: Document, placed, roles: list[Role], unit: str | None, glued: bool):
    for k, v in placed:
        if v.value is None:
            continue
        role = roles[k]
        col_unit = (
            "%" if role is Role.RATE else (None if role in (Role.WEIGHT, Role.SCORE) else unit)
        )
        if v.part is not None:
            a, b = v.part
            note = f"glued digits {v.unit.text!r} cut where the row's arithmetic allows one reading"
            yield k, digits_at(doc, v.unit, a, b, unit_name=col_unit, note=note)
        else:
            q: Quantity | None = number_of(doc, [v.unit], unit=col_unit)
            yield k, q
