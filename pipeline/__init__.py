"""pipeline: verified structured data from Chinese budget performance self-evaluation reports."""

__version__ = "0.1.0"

import decimal as _decimal

DECIMAL_PRECISION = 80
"""Digits of every Decimal computation, in every thread: twice the most digits a number may
have (``pipeline.schema.MAX_DIGITS``), so that a sum, a quotient or a rounding of any two
accepted numbers is exact or correctly rounded, never ``InvalidOperation`` (the default 28
digits fail on a 30-digit amount rounded to two decimals)."""
_decimal.DefaultContext.prec = DECIMAL_PRECISION
_decimal.getcontext().prec = DECIMAL_PRECISION
