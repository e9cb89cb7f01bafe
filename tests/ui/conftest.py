"""Fixtures for the dashboard tests: the demo data set, a frozen clock, no watcher."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from tests.demo import copy_csv_demo

from kpitui.ui.app import KpiApp, make_app
from kpitui.ui.config import Config
from kpitui.ui.workers import views_done

DEMO = Path(__file__).resolve().parents[2] / "data"
FROZEN = datetime(2023, 9, 14, 8, 30, 0)


def frozen_clock() -> datetime:
    return FROZEN


def demo_app(
    lang: str = "vi",
    paths: list[str] | None = None,
    watch: bool = False,
    config: Config | None = None,
    poll: float | None = None,
) -> KpiApp:
    return make_app(
        paths or [str(DEMO)], lang=lang, watch=watch, config=config, clock=frozen_clock, poll=poll
    )


async def ready(pilot, app: KpiApp, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the first snapshot is on screen."""
    waited = 0.0
    while app.snapshot is None and waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
    assert app.snapshot is not None, "the data set did not load"
    await settled(pilot, app)


async def settled(pilot, app: KpiApp) -> None:  # type: ignore[no-untyped-def]
    """Wait until the views computed in workers are on screen."""
    for _ in range(3):
        await views_done(app)
        await pilot.pause()


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo data set that a test may change."""
    return copy_csv_demo(tmp_path / "data")


DESK_TOML = """\
[dashboard]
title = "Bàn làm việc"
lang = "vi"
deadline = "2023-12-31"

[[group]]
id = "hc"
name = "Hành chính"

[[indicator]]
id = "ngay_xu_ly"
name = "Số ngày xử lý hồ sơ bình quân của các cơ quan chuyên môn cấp tỉnh và cấp huyện"
name_en = "Average days to process a dossier"
group = "hc"
unit = "ngày"
target = 5
direction = "lower"
aggregate = "mean"

[[indicator]]
id = "diem_hl"
name = "Chỉ số hài lòng của người dân"
name_en = "Citizen satisfaction score"
group = "hc"
unit = "điểm"
target = 90
aggregate = "mean"

[[indicator]]
id = "tang_nhanh"
name = "Tỷ lệ tăng nhanh"
name_en = "Rising fast"
unit = "%"
target = 100

[[indicator]]
id = "cham_mai"
name = "Tỷ lệ chậm mãi"
name_en = "Slow forever"
unit = "%"
target = 100

[[indicator]]
id = "chi_tong"
name = "Chỉ báo cáo tổng"
name_en = "Reported as a total only"
unit = "%"
target = 50

[[agency]]
id = "tinh"
name = "Tỉnh"

[[agency]]
id = "huyen_a"
name = "Huyện A"
parent = "tinh"

[[agency]]
id = "huyen_b"
name = "Huyện B"
parent = "tinh"
"""

DESK_ROWS = {
    # period: (ngay_xu_ly, diem_hl, tang_nhanh %, cham_mai %)
    "2023-01": (6.0, 80.0, 10, 10),
    "2023-02": (6.3, 83.0, 30, 11),
    "2023-03": (6.7, 85.5, 50, 12),
}


def write_desk_data(folder: Path) -> Path:
    """A small data set for the director's desk: non-% units (days, points), a lower-is-better
    indicator that got worse, one behind but projected to meet, one projected to miss, one
    reported only as a total (its breakdown has nothing to show); Huyện B has not reported
    its satisfaction score for the last month."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "desk.toml").write_text(DESK_TOML, encoding="utf-8")
    rows = ["indicator,agency,period,value,numerator,denominator,note"]
    for period, (days, points, fast, slow) in DESK_ROWS.items():
        for agency in ("huyen_a", "huyen_b"):
            rows.append(f"ngay_xu_ly,{agency},{period},{days},,,")
            if not (agency == "huyen_b" and period == "2023-03"):  # a missing reporter
                rows.append(f"diem_hl,{agency},{period},{points},,,")
            rows.append(f"tang_nhanh,{agency},{period},,{fast},100,")
            rows.append(f"cham_mai,{agency},{period},,{slow},100,")
        rows.append(f"chi_tong,tinh,{period},,20,100,")
    (folder / "obs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def desk_data(tmp_path: Path) -> Path:
    return write_desk_data(tmp_path / "desk")
