"""Readers: encodings, .docx with real tables, PDF text layers, and every kind of bad input."""

from __future__ import annotations

import subprocess
import sys

import docx
import pytest

from conftest import raw_path
from pipeline.errors import InputError
from pipeline.ingest import read_document
from pipeline.layout import analyze


def test_gbk_copy_reads_like_the_utf8_original(tmp_path):
    original = read_document(raw_path("hengyang-2021"))
    gbk = tmp_path / "hengyang-gbk.txt"
    gbk.write_bytes(raw_path("hengyang-2021").read_text(encoding="utf-8").encode("gb18030"))
    copy = read_document(gbk)
    assert copy.encoding == "gb18030"
    assert copy.original == original.original
    assert [t.grid() for t in analyze(copy.normalized).tables] == [
        t.grid() for t in analyze(original.normalized).tables
    ]


def test_utf8_with_bom(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + "部门整体支出绩效自评表\n".encode())
    doc = read_document(p)
    assert doc.encoding == "utf-8-sig"
    assert doc.original.startswith("部门")


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b"  \n\n\t\n", "file is empty"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("report.xls", "一二三".encode(), "unsupported file type"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable .docx"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj\n<<", "PDF"),
    ],
)
def test_bad_input_is_a_typed_error_naming_the_file(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        read_document(p)
    assert e.value.path == str(p)
    assert reason in e.value.reason
    assert name in str(e.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        read_document(tmp_path)


def test_truncated_utf8_file_keeps_what_is_there(tmp_path):
    data = raw_path("qingcheng-2023").read_bytes()
    cut = data[: len(data) // 2]
    while True:  # cut inside a three-byte character
        try:
            cut.decode("utf-8")
            cut = cut[:-1]
        except UnicodeDecodeError:
            break
    p = tmp_path / "truncated.txt"
    p.write_bytes(cut)
    doc = read_document(p)
    assert doc.warnings and "ends inside a UTF-8 character" in doc.warnings[0]
    assert raw_path("qingcheng-2023").read_text(encoding="utf-8").startswith(doc.original)


def test_truncated_docx_is_an_error(tmp_path):
    p = tmp_path / "t.docx"
    d = docx.Document()
    d.add_paragraph("绩效自评报告")
    d.save(p)
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(InputError, match="docx"):
        read_document(p)


def test_docx_with_a_real_table_in_document_order(tmp_path):
    d = docx.Document()
    d.add_paragraph("一、部门基本情况")
    table = d.add_table(rows=3, cols=4)
    cells = [
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数"],
        ["年度资金总额", "450", "450", "160.45"],
        ["其中：当年财政拨款", "450", "450", "160.45"],
    ]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.add_paragraph("二、绩效目标完成情况")
    p = tmp_path / "report.docx"
    d.save(p)
    doc = read_document(p)
    assert doc.format == "docx"
    layout = analyze(doc.normalized)
    assert len(layout.tables) == 1
    assert layout.tables[0].grid() == cells
    assert [h.text for h in layout.headings] == ["一、部门基本情况", "二、绩效目标完成情况"]
    assert (
        doc.normalized.index("一、部门基本情况")
        < layout.tables[0].start
        < doc.normalized.index("二、绩效目标")
    )


def test_pdf_text_layer(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Budget 1613.46 executed 1585.32")
    p = tmp_path / "r.pdf"
    pdf.output(str(p))
    doc = read_document(p)
    assert doc.format == "pdf"
    assert "1613.46" in doc.normalized


def test_pdf_without_text_is_refused(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    p = tmp_path / "scan.pdf"
    pdf.output(str(p))
    with pytest.raises(InputError, match="no text layer"):
        read_document(p)


def test_cli_reports_bad_file_without_traceback_and_goes_on(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "run",
            str(bad),
            str(raw_path("qingcheng-2023")),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "bad.txt" in proc.stderr and "binary" in proc.stderr
    assert (out / "qingcheng-2023.json").exists()
    assert not (out / "bad.json").exists()


def test_cli_layout_on_empty_file_is_one_line(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "layout", str(p)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "empty.txt" in proc.stderr and "file is empty" in proc.stderr
