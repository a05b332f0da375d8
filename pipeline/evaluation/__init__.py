"""Scoring extraction against hand-labelled gold."""
