"""The model path (DESIGN.md §6): chunking of the normalized text for an LLM backend."""
