"""Entry templates (SPEC §8.4): write, fill in as a user would (openpyxl), read back."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from kpitui.cli import main
from kpitui.core.definitions import load_definitions
from kpitui.core.model import CsvOptions, Definitions
from kpitui.core.template import TemplateError, build
from kpitui.core.workbook import read_workbook

TOML = """\
[dashboard]
title = "Chuyển đổi số 2024"
lang = "vi"

[[indicator]]
id = "dd_kich_hoat"
name = "Tỷ lệ kích hoạt định danh điện tử"
unit = "%"
target = 80

[[indicator]]
id = "cap_quang"
name = "=Số hộ có cáp quang"
unit = "hộ"
source = "QĐ 17"

[[agency]]
id = "ba_ria"
name = "TP Bà Rịa"

[[agency]]
id = "phuoc_hung"
name = "Phường Phước Hưng"
parent = "ba_ria"

[[agency]]
id = "long_phuoc"
name = "Xã Long Phước"
parent = "ba_ria"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chi-tieu.toml").write_text(TOML, encoding="utf-8")
    return tmp_path / "data"


def definitions(folder: Path) -> Definitions:
    merged = load_definitions([str(folder / "chi-tieu.toml")])
    assert merged.findings == []
    return merged.definitions


def test_round_trip_fill_and_read_back(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(build(definitions(folder), "ba_ria", "2024-06"))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[6]]
    assert header == [
        "agency",
        None,
        "period",
        "dd_kich_hoat.numerator",
        "dd_kich_hoat.denominator",
        "cap_quang.value",
    ]
    assert [ws.cell(r, 1).value for r in (7, 8, 9)] == ["ba_ria", "phuoc_hung", "long_phuoc"]
    # Fill in as a commune officer would: some figures, a blank, a number typed as text.
    ws["D8"], ws["E8"], ws["F8"] = 120, 200, 35
    ws["D9"], ws["E9"] = 5, "1.234"
    ws["F7"] = 1500.5
    wb.save(path)

    table = read_workbook(str(path), CsvOptions())
    assert table.findings == []
    got = table.frame.select(
        "indicator",
        "agency",
        "period",
        "value",
        "numerator",
        "denominator",
        "_text_denominator",
        "_where_numerator",
    ).rows()
    assert got == [
        ("cap_quang", "ba_ria", "2024-06", 1500.5, None, None, None, None),
        ("dd_kich_hoat", "phuoc_hung", "2024-06", None, 120.0, 200.0, None, "Nhập số liệu!D8"),
        ("cap_quang", "phuoc_hung", "2024-06", 35.0, None, None, None, None),
        ("dd_kich_hoat", "long_phuoc", "2024-06", None, 5.0, None, "1.234", "Nhập số liệu!D9"),
    ]


def test_ids_locked_figures_unlocked_and_validated(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(build(definitions(folder), "ba_ria", "2024-06"))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    for ref in ("A7", "B7", "C7", "D6", "A9"):
        assert ws[ref].protection.locked, ref
    for ref in ("D7", "E8", "F9"):
        assert not ws[ref].protection.locked, ref
    (rule,) = ws.data_validations.dataValidation
    assert str(rule.sqref) == "D7:F9"
    assert (rule.type, rule.operator, rule.formula1) == ("decimal", "greaterThanOrEqual", "0")
    # A name that starts with "=" is text, never a formula.
    assert ws["F5"].value == "=Số hộ có cáp quang (hộ)"
    assert ws["F5"].data_type == "s"


def test_second_sheet_explains_and_defines(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(build(definitions(folder), "ba_ria", "2024-Q2"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Nhập số liệu", "Hướng dẫn"]
    help_ws = wb["Hướng dẫn"]
    text = [row for row in help_ws.iter_rows(values_only=True)]
    assert any("TP Bà Rịa (ba_ria)" in str(r[0]) and "2024-Q2" in str(r[0]) for r in text)
    defs = {r[0]: r for r in text if r[0] in ("dd_kich_hoat", "cap_quang")}
    assert defs["dd_kich_hoat"][3] == "80" and defs["dd_kich_hoat"][4] == "ratio"
    assert "Tử số" in defs["dd_kich_hoat"][5] and "Mẫu số" in defs["dd_kich_hoat"][5]
    assert defs["cap_quang"][6] == "QĐ 17"


def test_an_agency_without_children_has_one_row(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "form.xlsx"
    data = build(definitions(folder), "long_phuoc", "2024-06", indicators=["cap_quang"], lang="en")
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    ws = wb["Data entry"]
    assert [c.value for c in ws[6]] == ["agency", None, "period", "cap_quang.value"]
    assert ws.cell(7, 1).value == "long_phuoc" and ws.cell(8, 1).value is None


@pytest.mark.parametrize(
    ("agency", "period", "indicators", "message"),
    [
        ("xa_khong_co", "2024-06", None, "unknown agency 'xa_khong_co'"),
        ("ba_ria", "tháng sáu", None, "not a period: 'tháng sáu'"),
        ("ba_ria", "2024-06", ["khong_co"], "unknown indicator 'khong_co'"),
    ],
)
def test_unknown_ids(
    folder: Path, agency: str, period: str, indicators: list[str] | None, message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        build(definitions(folder), agency, period, indicators)


def test_cli_writes_atomically_and_never_overwrites(
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["template", str(folder), "--agency", "ba_ria", "--period", "2024-06"]) == 0
    written = tmp_path / "kpitui-template-ba_ria-2024-06.xlsx"
    assert capsys.readouterr().out.strip() == written.name
    before = written.read_bytes()
    assert (
        main(
            [
                "template",
                str(folder),
                "--agency",
                "ba_ria",
                "--period",
                "2024-06",
                "-o",
                written.name,
            ]
        )
        == 1
    )
    assert "already exists; use --force" in capsys.readouterr().err
    assert written.read_bytes() == before
    code = main(
        [
            "template",
            str(folder),
            "--agency",
            "phuoc_hung",
            "--period",
            "2024-06",
            "-o",
            written.name,
            "--force",
        ]
    )
    assert code == 0
    assert openpyxl.load_workbook(written).worksheets[0]["A7"].value == "phuoc_hung"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_cli_usage_errors(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", str(folder), "--agency", "nope", "--period", "2024-06"]) == 2
    assert "kpitui template: error: unknown agency 'nope'" in capsys.readouterr().err
    assert main(["template", str(folder), "--agency", "ba_ria", "--period", "2024-13"]) == 2
    assert "not a period" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["template", str(folder), "--period", "2024-06"])
    assert exc.value.code == 2


def test_cli_reports_broken_definitions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.toml").write_text("[[indicator]]\nid = 'a'\n", encoding="utf-8")
    assert main(["template", str(tmp_path), "--agency", "a", "--period", "2024"]) == 1
    err = capsys.readouterr().err
    assert "x.toml:1: error: indicator 'a': missing required key 'name'" in err
    assert not list(tmp_path.glob("*.xlsx"))


def test_a_dissolved_agency_has_no_form_and_no_row(tmp_path: Path) -> None:
    from kpitui.core import template
    from kpitui.core.definitions import load_definitions

    toml = tmp_path / "d.toml"
    toml.write_text(
        '[[indicator]]\nid = "cnt"\nname = "c"\n'
        '[[agency]]\nid = "p"\nname = "P"\n'
        '[[agency]]\nid = "old"\nname = "Old"\nparent = "p"\nuntil = 2025-06-30\nsuccessor = "new"\n'
        '[[agency]]\nid = "new"\nname = "New"\nparent = "p"\n',
        encoding="utf-8",
    )
    defs = load_definitions([str(toml)]).definitions
    with pytest.raises(template.TemplateError, match="'old' was dissolved on 2025-06-30"):
        template.build(defs, "old", "Tháng 7/2025")
    import io

    import openpyxl

    before = openpyxl.load_workbook(io.BytesIO(template.build(defs, "p", "2025-06")))
    after = openpyxl.load_workbook(io.BytesIO(template.build(defs, "p", "Tháng 7/2025")))

    def ids(book: openpyxl.Workbook) -> set[str]:
        return {c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c}

    assert "old" in ids(before) and "new" in ids(before)
    assert "old" not in ids(after) and "new" in ids(after)
