"""The bundled demo data set (data/): clean, and its August 2023 figures are the article's."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kpitui import cli
from kpitui.core import views
from kpitui.core.load.loader import build_snapshot

REPO = Path(__file__).resolve().parents[2]

# Province values of 2023-08 as printed in the article (data/README.md), and the targets of
# data/indicators.toml (None = no target).
ARTICLE = {
    "dvctt_toan_trinh": (100, 100),
    "dvctt_tich_hop_dvcqg": (68, None),
    "tt_truc_tuyen_gd": (69.88, None),
    "tthc_nvtc_ttoan": (84.18, None),
    "dvctt_xac_thuc": (100, 100),
    "hs_truc_tuyen": (97.5, 100),
    "hs_truc_tuyen_tu_xa": (10.5, 50),
    "hs_so_hoa": (50.2, 100),
    "cong_ttdt_tin_nhiem": (76, 100),
    "kt_sme_nen_tang": (50.13, 30),
    "kt_ttkdtm_diem_ban": (91.53, None),
    "xh_cap_quang": (105.48, 85),
    "xh_tk_thanh_toan": (84.02, 75),
    "xh_hssk": (85, 80),
    "xh_cong_to_dien_tu": (100, 100),
    "xh_chu_ky_so": (1.53, 20),
    "xh_luong_huu_ttkdtm": (63, None),
    "dd_kich_hoat": (100 * 309104 / 615198, 100),
    "dd_muc2_cbcc": (7999, None),
    "cccd_lop12": (100, 100),
}


@pytest.fixture(scope="module")
def demo():
    return build_snapshot([str(REPO / "data")])


@pytest.fixture(scope="module")
def august(demo):
    frame = views.summary(demo)
    return {r["indicator"]: r for r in frame.iter_rows(named=True)}


NUM_GT_DEN = [
    f"data/obs-2023-{m:02d}.csv:159: warning: 'xh_cap_quang' at 'vung_tau' "
    f"2023-{m:02d}: numerator exceeds denominator"
    for m in range(1, 7)
] + [
    # July is the departments' workbook (a title block above the table), August a CSV file
    # whose commune rows of two indicators came as the form Biểu 01.
    "data/obs-2023-07.xlsx:Báo cáo tháng 7!A162: warning: 'xh_cap_quang' at 'vung_tau' "
    "2023-07: numerator exceeds denominator",
    "data/obs-2023-08.csv:146: warning: 'xh_cap_quang' at 'vung_tau' "
    "2023-08: numerator exceeds denominator",
]
# Long Phuoc's missing August reports are intended demo situations; `check` may list them.
MISSING_REPORTS = {
    f"data: warning: '{ind}' at 'long_phuoc': no report for 2023-08 "
    "(reported earlier in the target period)"
    for ind in ("hs_so_hoa", "hs_truc_tuyen_tu_xa")
}


def test_check_data_exits_0_with_only_the_expected_warnings(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert cli.main(["check", "data"]) == 0
    lines = capsys.readouterr().out.splitlines()
    findings = lines[:-1]
    assert [f for f in findings if "numerator exceeds denominator" in f] == NUM_GT_DEN
    others = [f for f in findings if f not in NUM_GT_DEN]
    assert set(others) <= MISSING_REPORTS, others
    assert lines[-1] == (
        f"21 indicators, 29 agencies, 1734 observations: 0 errors, {len(findings)} warnings"
    )


def test_demo_is_the_default_data_set(capsys):
    code = cli.main(["show", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "Chuyển đổi số 2023 — tỉnh Bà Rịa - Vũng Tàu"


def test_every_indicator_is_at_august_2023_at_the_province(demo, august):
    assert demo.tree.headline == "brvt"
    assert len(august) == 21
    assert {r["period"] for r in august.values()} == {"2023-08"}
    assert {r["agency"] for r in august.values()} == {"brvt"}


@pytest.mark.parametrize("indicator", sorted(ARTICLE))
def test_august_province_figures_equal_the_article(august, indicator):
    value, target = ARTICLE[indicator]
    row = august[indicator]
    assert row["value"] == value  # exactly, not approximately
    assert row["target"] == target


def test_e_id_activation_counts_and_status(august):
    dd = august["dd_kich_hoat"]
    assert (dd["numerator"], dd["denominator"]) == (309104.0, 615198.0)
    assert round(dd["value"], 1) == 50.2
    assert dd["status"] == "behind"
    assert august["dd_muc2_cbcc"]["status"] == "no_target"


def test_statuses_of_the_demo(august):
    assert august["xh_cap_quang"]["attainment"] == 105.48 / 85
    assert august["xh_cap_quang"]["status"] == "met"
    assert august["hs_truc_tuyen"]["status"] == "near"  # 97.5 / 100
    assert august["hs_truc_tuyen_tu_xa"]["attainment"] == 10.5 / 50
    assert august["hs_truc_tuyen_tu_xa"]["status"] == "behind"
    late = august["hs_tre_han"]
    assert late["direction"] == "lower"
    assert late["value"] == pytest.approx(100 * 9312 / 388000)  # 2.4 %
    assert late["attainment"] == pytest.approx(2 / 2.4)
    assert late["status"] == "near"


def test_long_phuoc_missed_two_august_reports(demo, august):
    assert august["hs_truc_tuyen_tu_xa"]["missing_reporters"] == 1
    assert august["hs_so_hoa"]["missing_reporters"] == 1
    assert august["hs_truc_tuyen"]["missing_reporters"] == 0
    frame = views.breakdown(demo, "hs_so_hoa", parent="ba_ria")
    lp = frame.filter(pl.col("agency") == "long_phuoc").row(0, named=True)
    assert (lp["value"], lp["status"], lp["missing_reporters"]) == (None, "missing", 1)
    ba_ria = (
        views.breakdown(demo, "hs_so_hoa").filter(pl.col("agency") == "ba_ria").row(0, named=True)
    )
    assert ba_ria["missing_reporters"] == 1
    assert ba_ria["reported"] is False  # a roll-up, never reported
