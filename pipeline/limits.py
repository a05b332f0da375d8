"""Limits a user can change from the command line, with their defaults: kept apart from the
modules that enforce them so that ``pipeline --help`` can show them without importing those."""

DEFAULT_DOC_TIMEOUT = 1200.0
"""Seconds one document of a batch may take (``run --doc-timeout``): twenty minutes, generous
for a long report read by a slow hosted model; the rules read a seed in well under a second."""
