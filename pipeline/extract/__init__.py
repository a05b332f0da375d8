"""The rules backend: deterministic, offline extraction from a Document and its Layout to a
Report (``pipeline.extract.rules.extract_rules``).

This package knows nothing of models; the backends are chosen by ``pipeline.backends``, and the
model path reaches the rules only through the hybrid backend (``pipeline.llm.hybrid``).
"""
