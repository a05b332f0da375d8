"""Score rules: a scorecard's scores stay within their weights and add up, its weights add
up to the stated maximum and level-1 headers, and its grade agrees with its total."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pipeline.check.engine import Involved, finding, rule
from pipeline.check.tolerance import score_tolerance, sum_and_slack
from pipeline.schema import (
    Finding,
    FundsMeasure,
    GradeBand,
    Quantity,
    Report,
    Scorecard,
    Severity,
    clean_text,
)

M = FundsMeasure


def card_name(card: Scorecard) -> str:
    parts = [card.title.text if card.title else "自评表", card.group or ""]
    return " ".join(p for p in parts if p)


def _funds_pair(card: Scorecard) -> tuple[Quantity | None, Quantity | None]:
    """The funds block's (weight, score): the 预算执行率 part of the total score."""
    weight = next((f.amount for f in card.funds if f.measure == M.weight), None)
    score = next((f.amount for f in card.funds if f.measure == M.score), None)
    return weight, score


def _num(q: Quantity | None) -> bool:
    return q is not None and q.value is not None


@rule("score.within_weight")
def within_weight(report: Report) -> Iterator[Finding]:
    """Each indicator's score (得分) is at most its weight (分值), and so is the funds
    block's 预算执行率 score."""
    for card in report.scorecards:
        pairs = [(ind.name.text, ind.weight, ind.score) for ind in card.indicators]
        pairs.append(("预算执行率", *_funds_pair(card)))
        for name, weight, score in pairs:
            if not (_num(weight) and _num(score)) or score.value <= weight.value:
                continue
            where = f"{card_name(card)} / {name}"
            yield finding(
                "score.within_weight",
                Severity.error,
                f"{where}：得分 {score.raw} 高于分值 {weight.raw}",
                f"{where}: score {score.raw} exceeds its weight {weight.raw}",
                [Involved("score", where, score), Involved("weight", where, weight)],
                expected=weight.value,
                found=score.value,
            )


def _sum_check(
    rule_id: str,
    card: Scorecard,
    total: Quantity,
    parts: list[tuple[str, Quantity]],
    zh: str,
    en: str,
) -> Finding | None:
    got, tol = sum_and_slack([q.value for _, q in parts], total.value, score_tolerance)
    if abs(got - total.value) <= tol:
        return None
    name = card_name(card)
    return finding(
        rule_id,
        Severity.error,
        f"{name}：{zh}之和为 {got}，所列 {total.raw}",
        f"{name}: the {en} add up to {got}, but {total.raw} is stated",
        [Involved("total", name, total)] + [Involved("part", f"{name} / {n}", q) for n, q in parts],
        expected=got,
        found=total.value,
        tolerance=tol,
    )


def _readings(card: Scorecard, field: str) -> list[list[tuple[str, Quantity]]]:
    """The ways a total can be read, as lists of (name, weight or score): the indicators
    alone, and the indicators with the funds block's 预算执行率 (templates differ on
    whether the 总分 row counts it).  Empty when a value is missing."""
    rows = [(ind.name.text, getattr(ind, field)) for ind in card.indicators]
    if not rows or any(not _num(q) for _, q in rows):
        return []
    weight, score = _funds_pair(card)
    funds = weight if field == "weight" else score
    readings = [rows]
    if _num(funds):
        readings.append([*rows, ("预算执行率", funds)])
    return readings


def _total_check(
    rule_id: str, card: Scorecard, total: Quantity | None, field: str, zh: str, en: str
) -> Finding | None:
    """A finding when no reading of the card adds up to ``total``; it reports the reading
    closest to the stated figure."""
    if not _num(total):
        return None
    found = [_sum_check(rule_id, card, total, r, zh, en) for r in _readings(card, field)]
    if not found or not all(found):
        return None
    return min(found, key=lambda f: abs(f.expected - f.found))


@rule("score.total")
def total(report: Report) -> Iterator[Finding]:
    """Indicator scores (with or without the 预算执行率 score, as the template counts it)
    equal the stated total score (总分)."""
    for card in report.scorecards:
        f = _total_check("score.total", card, card.total_score, "score", "各项得分", "scores")
        if f:
            yield f


@rule("score.max")
def max_score(report: Report) -> Iterator[Finding]:
    """Indicator weights (with or without the 预算执行率 weight) equal the stated maximum
    (the 分值 of the 总分 row, usually 100), and the total score is not above it."""
    for card in report.scorecards:
        f = _total_check("score.max", card, card.max_score, "weight", "各项分值", "weights")
        if f:
            yield f
        else:
            yield from _mixed_readings(card)
        if (
            _num(card.total_score)
            and _num(card.max_score)
            and card.total_score.value > card.max_score.value
        ):
            name = card_name(card)
            yield finding(
                "score.max",
                Severity.error,
                f"{name}：总分得分 {card.total_score.raw} 高于总分值 {card.max_score.raw}",
                f"{name}: the total score {card.total_score.raw} exceeds the maximum {card.max_score.raw}",
                [
                    Involved("score", name, card.total_score),
                    Involved("weight", name, card.max_score),
                ],
                expected=card.max_score.value,
                found=card.total_score.value,
            )


def _fits(card: Scorecard, total: Quantity | None, field: str) -> list[int]:
    """Which readings (0: indicators alone, 1: with 预算执行率) add up to ``total``."""
    if not _num(total):
        return []
    return [
        i
        for i, reading in enumerate(_readings(card, field))
        if _sum_check("score.max", card, total, reading, "", "") is None
    ]


def _mixed_readings(card: Scorecard) -> Iterator[Finding]:
    """The 总分 row's 分值 adds up one way and its 得分 the other: the maximum leaves the
    预算执行率 out while the total counts it (or the reverse)."""
    weights, scores = _fits(card, card.max_score, "weight"), _fits(card, card.total_score, "score")
    if not weights or not scores or set(weights) & set(scores):
        return
    name = card_name(card)
    how = ("不含", "含") if weights[0] == 0 else ("含", "不含")
    fw, fs = _funds_pair(card)
    values = [Involved("weight", name, card.max_score), Involved("score", name, card.total_score)]
    values += [Involved("weight", f"{name} / 预算执行率", fw)] if _num(fw) else []
    values += [Involved("score", f"{name} / 预算执行率", fs)] if _num(fs) else []
    values += [Involved("weight", f"{name} / {i.name.text}", i.weight) for i in card.indicators]
    yield finding(
        "score.max",
        Severity.error,
        f"{name}：总分值 {card.max_score.raw} {how[0]}预算执行率分值，总得分 {card.total_score.raw} 却{how[1]}其得分",
        f"{name}: the maximum {card.max_score.raw} {'leaves out' if weights[0] == 0 else 'counts'} the "
        f"execution-rate weight, the total {card.total_score.raw} {'counts' if weights[0] == 0 else 'leaves out'} its score",
        values,
        expected=sum((q.value for q in _weights(card, scores[0])), Decimal(0)),
        found=card.max_score.value,
    )


def _weights(card: Scorecard, reading: int) -> list[Quantity]:
    return [q for _, q in _readings(card, "weight")[reading]]


@rule("score.level_header")
def level_header(report: Report) -> Iterator[Finding]:
    """The weights of the indicators under a level-1 header add up to the weight the header
    states (``产出指标(50分)``)."""
    for card in report.scorecards:
        for header in card.level_headers:
            if not _num(header.weight):
                continue
            key = clean_text(header.name.raw)
            members = [
                (ind.name.text, ind.weight)
                for ind in card.indicators
                if ind.level1 is not None and clean_text(ind.level1.raw) == key
            ]
            if not members or any(not _num(q) for _, q in members):
                continue
            f = _sum_check(
                "score.level_header",
                card,
                header.weight,
                members,
                f"{header.name.text}下各指标分值",
                f"weights under {header.name.text}",
            )
            if f:
                yield f


# 财政部《项目支出绩效评价管理办法》(财预〔2020〕10号) 第二十八条: 90（含）-100 优,
# 80（含）-90 良, 60（含）-80 中, 60 以下 差; used when a document states no bands.
STANDARD_BANDS: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    ("优", Decimal(90), None),
    ("良", Decimal(80), Decimal(90)),
    ("中", Decimal(60), Decimal(80)),
    ("差", Decimal(0), Decimal(60)),
)


def _band_grade(bands: list[GradeBand], score: Decimal) -> str | None:
    for b in bands:
        lo_ok = b.low is None or (score >= b.low if b.low_inclusive else score > b.low)
        hi_ok = b.high is None or (score <= b.high if b.high_inclusive else score < b.high)
        if lo_ok and hi_ok:
            return b.grade
    return None


def _standard_grade(score: Decimal) -> str:
    for grade, low, high in STANDARD_BANDS:
        if score >= low and (high is None or score < high):
            return grade
    return "差"


def _grade_word(text: str) -> str | None:
    """The grade a 等次 cell states: 优/良/中/差, also written 优秀, 良好, 合格, 一般 …"""
    t = clean_text(text)
    for word, grade in (("优", "优"), ("良", "良"), ("中", "中"), ("合格", "中"), ("差", "差")):
        if word in t:
            return grade
    return None


@rule("score.grade")
def grade(report: Report) -> Iterator[Finding]:
    """The stated grade (评价等次) is the one the total score earns under the bands the
    document states; without stated bands, under the national bands of 财预〔2020〕10号
    (90 优, 80 良, 60 中), reported as a warning since the document may use its own."""
    for card in report.scorecards:
        if card.grade is None or not _num(card.total_score):
            continue
        stated = _grade_word(card.grade.raw)
        score = card.total_score.value
        if stated is None:
            continue
        if card.grade_bands:
            expected = _band_grade(card.grade_bands, score)
            expected = _grade_word(expected) if expected else None
            severity = Severity.error
        else:
            expected, severity = _standard_grade(score), Severity.warning
        if expected is None or expected == stated:
            continue
        name = card_name(card)
        yield finding(
            "score.grade",
            severity,
            f"{name}：总分 {card.total_score.raw} 对应等次应为“{expected}”，所列为“{card.grade.raw}”",
            f"{name}: a total of {card.total_score.raw} earns grade {expected}, but {card.grade.raw} is stated",
            [
                Involved("score", name, card.total_score),
                Involved("grade", name, Quantity(raw=card.grade.raw, span=card.grade.span)),
            ],
        )


@rule("score.execution")
def execution_score(report: Report) -> Iterator[Finding]:
    """The 预算执行率 score is at most its weight times the execution rate (the scoring
    rule of the self-evaluation tables: 得分 = 执行率 × 分值); a higher score is a warning,
    since a document may state its own scoring rule."""
    for card in report.scorecards:
        weight, score = _funds_pair(card)
        rate = next((f.amount for f in card.funds if f.measure == M.execution_rate), None)
        if not (_num(weight) and _num(score) and _num(rate)):
            continue
        ceiling = weight.value * min(rate.value, Decimal(100)) / Decimal(100)
        if score.value <= ceiling + score_tolerance([score.value, weight.value]):
            continue
        name = card_name(card)
        yield finding(
            "score.execution",
            Severity.warning,
            f"{name}：执行率 {rate.raw}% × 分值 {weight.raw} = {ceiling:.2f}，得分却为 {score.raw}",
            f"{name}: execution rate {rate.raw}% × weight {weight.raw} = {ceiling:.2f}, but the score is {score.raw}",
            [
                Involved("score", name, score),
                Involved("weight", name, weight),
                Involved("rate", name, rate),
            ],
            expected=ceiling,
            found=score.value,
        )
