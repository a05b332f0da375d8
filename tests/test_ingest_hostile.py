"""Files archives really contain, read or refused in one line: zip bombs, encrypted PDFs,
UTF-16 without a byte-order mark, files over the size limit, copies whose Chinese was lost."""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import raw_path
from pipeline.errors import InputError
from pipeline.ingest import MAX_BYTES, read_document


def _docx(tmp_path, document_xml: bytes | None = None, name: str = "r.docx"):
    """A real .docx (python-docx), with its document.xml replaced when given."""
    from docx import Document as Docx

    d = Docx()
    d.add_paragraph("一、部门基本情况")
    buffer = io.BytesIO()
    d.save(buffer)
    if document_xml is None:
        data = buffer.getvalue()
    else:
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for item in src.infolist():
                body = document_xml if item.filename == "word/document.xml" else src.read(item)
                dst.writestr(item.filename, body)
        data = out.getvalue()
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _padded_document(size: int) -> bytes:
    """A valid document.xml of about ``size`` bytes: one paragraph, then whitespace, which
    deflates about 1000:1, as a zip bomb's payload does."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>\xe9\x83\xa8\xe9\x97\xa8</w:t></w:r></w:p>"
    )
    tail = b"</w:body></w:document>"
    return head + b" " * (size - len(head) - len(tail)) + tail


def test_a_docx_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    p = _docx(tmp_path, _padded_document(24 * 2**20))
    assert p.stat().st_size < 2**20  # small on disk, 24 MiB inflated
    with pytest.raises(InputError, match=r"word/document\.xml is compressed \d+:1"):
        read_document(p)


def test_a_docx_inflating_past_the_limit_is_refused(tmp_path, monkeypatch):
    import pipeline.ingest.docx_reader as reader

    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED", 2**20)  # 1 MiB instead of 512
    p = _docx(tmp_path, _padded_document(2 * 2**20))
    monkeypatch.setattr(reader, "MAX_RATIO", 10**6)  # the size alone must refuse it
    with pytest.raises(InputError, match=r"inflates to \d+ MiB; the limit is 1 MiB"):
        read_document(p)


def test_an_ordinary_docx_is_still_read(tmp_path):
    assert "部门基本情况" in read_document(_docx(tmp_path)).normalized


def _encrypted_pdf(tmp_path, user_password: str) -> object:
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Budget 1613.46 executed 1585.32")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    p = tmp_path / "r.pdf"
    with open(p, "wb") as f:
        writer.write(f)
    return p


def test_an_aes_encrypted_pdf_that_opens_without_a_password_is_read(tmp_path):
    doc = read_document(_encrypted_pdf(tmp_path, ""))
    assert "1613.46" in doc.normalized


def test_a_pdf_that_needs_a_password_says_so(tmp_path):
    with pytest.raises(InputError, match="needs a password"):
        read_document(_encrypted_pdf(tmp_path, "secret"))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    source = raw_path("qingcheng-2023").read_text(encoding="utf-8")
    p = tmp_path / "r.txt"
    p.write_bytes(source.encode(encoding))
    doc = read_document(p)
    assert doc.original == source and doc.encoding == encoding
    assert any("no byte-order mark" in w for w in doc.warnings)


def test_random_bytes_with_nuls_are_still_binary(tmp_path):
    import random

    p = tmp_path / "r.txt"
    p.write_bytes(random.Random(7).randbytes(4096))
    with pytest.raises(InputError, match="binary"):
        read_document(p)


def test_the_size_limit_is_given_in_the_unit_it_is_set_in(tmp_path):
    p = tmp_path / "big.txt"
    with open(p, "wb") as f:
        f.truncate(MAX_BYTES + 2**20)  # sparse: 51 MiB on paper
    with pytest.raises(InputError) as info:
        read_document(p)
    assert "file is 51.0 MiB; the limit is 50 MiB" in str(info.value)


def test_a_copy_whose_chinese_became_question_marks_is_warned_about(tmp_path):
    source = raw_path("qingcheng-2023").read_text(encoding="utf-8")
    p = tmp_path / "r.txt"
    p.write_text("".join("?" if ord(c) > 127 else c for c in source), encoding="ascii")
    doc = read_document(p)
    assert any("no Chinese characters" in w for w in doc.warnings)
    assert not read_document(raw_path("qingcheng-2023")).warnings
