"""The rule catalogue, one module per family; importing it registers every rule."""

from pipeline.check.rules import (  # noqa: F401
    balance,
    deltas,
    prose,
    ratios,
    scores,
    sums,
    targets,
    units,
    xref,
)
