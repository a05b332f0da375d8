"""The deterministic checker: named rules over a Report's figures, tolerances from the
precision the figures are shown with, findings that point at every value involved."""

from pipeline.check import rules as _catalogue  # noqa: F401  (registers every rule)
from pipeline.check.engine import FAMILIES, RULES, Rule, check_report

__all__ = ["FAMILIES", "RULES", "Rule", "check_report"]
