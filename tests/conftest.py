from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "fixtures" / "raw"
GOLD = ROOT / "fixtures" / "gold"
SEED_IDS = ["lingling-2020", "hengyang-2021", "xiangxi-2020", "qingcheng-2023", "jiangxia-2019"]


def raw_path(doc_id: str) -> Path:
    return RAW / f"{doc_id}.txt"


@pytest.fixture(scope="session")
def seed_layouts():
    """Layout of every seed, computed once."""
    from pipeline.ingest import read_document
    from pipeline.layout import analyze

    out = {}
    for doc_id in SEED_IDS:
        doc = read_document(raw_path(doc_id))
        out[doc_id] = (doc, analyze(doc.normalized))
    return out
