"""A small data set with every status, a group, units and a two-level tree, for the exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kpitui.core.load.loader import build_snapshot
from kpitui.core.snapshot import Snapshot

DIRECTOR_DEFS = """
[dashboard]
title = "Báo cáo tuần | =SUM(1)"
deadline = "2023-12-31"

[[group]]
id = "cqs"
name = "Chính quyền số"

[[indicator]]
id = "met_pct"
name = "Tỷ lệ hồ sơ trực tuyến"
name_en = "Online dossiers"
group = "cqs"
unit = "%"
target = 50

[[indicator]]
id = "near_pct"
name = "Tỷ lệ số hóa"
group = "cqs"
unit = "%"
target = 50

[[indicator]]
id = "behind_cnt"
name = "Số tài khoản kích hoạt"
unit = "người"
target = 1000

[[indicator]]
id = "miss_pct"
name = "Tỷ lệ thanh toán"
unit = "%"
target = 80

[[indicator]]
id = "free"
name = "Thời gian xử lý"
unit = "ngày"
aggregate = "mean"
direction = "lower"

[[agency]]
id = "p"
name = "Tỉnh"

[[agency]]
id = "a"
name = "Huyện A"
parent = "p"

[[agency]]
id = "b"
name = "Huyện B"
parent = "p"
"""

DIRECTOR_ROWS = """\
indicator,agency,period,value,numerator,denominator,note
met_pct,a,2023-07,,25,50,
met_pct,b,2023-07,,25,50,
met_pct,a,2023-08,,30,50,
met_pct,b,2023-08,,30,50,ghi chú
near_pct,a,2023-08,,45,100,
near_pct,b,2023-08,,45,100,
behind_cnt,a,2023-07,50,,,
behind_cnt,b,2023-07,100,,,
behind_cnt,a,2023-08,100,,,
behind_cnt,b,2023-08,200,,,
miss_pct,b,2023-08,40,,,
free,a,2023-08,6.5,,,
free,b,2023-08,7,,,
"""

STATUS_OF = {
    "met_pct": "met",
    "near_pct": "near",
    "behind_cnt": "behind",
    "miss_pct": "missing",
    "free": "no_target",
}
"""The headline status of each indicator of the data set (2023-08)."""


@pytest.fixture
def director(dataset: Callable[..., Path]) -> Path:
    return dataset({"defs.toml": DIRECTOR_DEFS, "obs.csv": DIRECTOR_ROWS})


@pytest.fixture
def director_snap(director: Path) -> Snapshot:
    snap = build_snapshot([str(director)])
    assert snap.errors == 0 and snap.warnings == 0, [f.format() for f in snap.findings]
    return snap


@pytest.fixture
def merged(dataset: Callable[..., Path], merger: dict[str, str]) -> Snapshot:
    """The README's example of the 2025 merger, loaded."""
    snap = build_snapshot([str(dataset(merger))])
    assert snap.errors == 0 and snap.warnings == 0, [f.format() for f in snap.findings]
    return snap
