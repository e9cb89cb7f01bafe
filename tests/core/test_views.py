"""Views of a snapshot: summary, breakdown, agency view and the table they share."""

from __future__ import annotations

import polars as pl
import pytest

from kpitui.core import views
from kpitui.core.load.loader import build_snapshot

DEFS = """
[[group]]
id = "g1"
name = "Nhóm một"

[[indicator]]
id = "zeta"
name = "Zeta (defined first)"
group = "g1"
unit = "%"
target = 50

[[indicator]]
id = "alpha"
name = "Alpha"
unit = "hồ sơ"
target = 10

[[indicator]]
id = "mu"
name = "Mu (no data)"
target = 1

[[agency]]
id = "p"
name = "Province"

[[agency]]
id = "d2"
name = "District 2 (defined first)"
parent = "p"

[[agency]]
id = "d1"
name = "District 1"
parent = "p"

[[agency]]
id = "c2"
name = "Commune 2"
parent = "d1"

[[agency]]
id = "c1"
name = "Commune 1"
parent = "d1"
"""

ROWS = """\
indicator,agency,period,value,numerator,denominator,note
zeta,c1,2023-01,,1,4,first
zeta,c2,2023-01,,1,4,
zeta,d2,2023-01,,2,4,
zeta,c1,2023-02,,2,4,leaf note
zeta,c2,2023-02,,3,4,
zeta,d2,2023-02,,3,4,district note
alpha,c1,2023-02,4,,,
alpha,d1,2023-02,9,,,d1 reported its own total
alpha,d2,2023-02,2,,,
"""


@pytest.fixture
def snap(dataset):
    s = build_snapshot([str(dataset({"defs.toml": DEFS, "obs.csv": ROWS}))])
    assert s.errors == 0, [f.format() for f in s.findings]
    return s


def col(frame: pl.DataFrame, name: str) -> list:
    return frame.get_column(name).to_list()


def test_summary_one_row_per_indicator_in_definition_order(snap):
    frame = views.summary(snap)
    assert col(frame, "indicator") == ["zeta", "alpha", "mu"]
    assert col(frame, "agency") == ["p", "p", "p"]
    assert col(frame, "name") == ["Zeta (defined first)", "Alpha", "Mu (no data)"]
    assert col(frame, "group") == ["g1", None, None]
    assert col(frame, "group_name") == ["Nhóm một", None, None]
    assert col(frame, "unit") == ["%", "hồ sơ", ""]
    assert col(frame, "period") == ["2023-02", "2023-02", None]
    # zeta: (2 + 3 + 3) / (4 + 4 + 4); alpha: 9 (d1's own total) + 2.
    assert col(frame, "value") == pytest.approx([100 * 8 / 12, 11.0, None])
    assert col(frame, "status") == ["met", "met", "missing"]


def test_breakdown_children_of_the_headline_in_definition_order(snap):
    frame = views.breakdown(snap, "zeta")
    assert col(frame, "agency") == ["d2", "d1"]
    assert col(frame, "agency_name") == ["District 2 (defined first)", "District 1"]
    assert col(frame, "parent") == ["p", "p"]
    assert col(frame, "value") == pytest.approx([75.0, 62.5])
    assert col(frame, "note") == ["district note", None]
    assert col(frame, "change") == pytest.approx([25.0, 62.5 - 25.0])


def test_breakdown_subtree_is_pre_order(snap):
    frame = views.breakdown(snap, "zeta", subtree=True)
    assert col(frame, "agency") == ["p", "d2", "d1", "c2", "c1"]
    assert col(frame, "depth") == [0, 1, 1, 2, 2]
    assert col(frame, "leaf") == [False, True, False, True, True]
    assert col(frame, "note") == [None, "district note", None, None, "leaf note"]
    assert col(frame, "numerator") == [8.0, 3.0, 5.0, 3.0, 2.0]
    sub = views.breakdown(snap, "zeta", parent="d1", subtree=True)
    assert col(sub, "agency") == ["d1", "c2", "c1"]


def test_breakdown_of_a_parent(snap):
    frame = views.breakdown(snap, "alpha", parent="d1")
    assert col(frame, "agency") == ["c2", "c1"]
    assert col(frame, "value") == [None, 4.0]
    # A sum indicator's target (10) is the province's: a commune without a [[target]] of
    # its own has none (SPEC §9.4), it is not "behind" the province's total.
    assert col(frame, "status") == ["missing", "no_target"]
    assert col(frame, "target") == [None, None]
    d1 = (
        views.breakdown(snap, "alpha", subtree=True)
        .filter(pl.col("agency") == "d1")
        .row(0, named=True)
    )
    assert d1["value"] == 9.0
    assert d1["reported"] is True
    assert d1["note"] == "d1 reported its own total"


def test_breakdown_of_a_leaf_is_empty(snap):
    # A leaf has no children: no rows (and no SchemaError from an untyped empty frame).
    frame = views.breakdown(snap, "alpha", parent="c1")
    assert frame.height == 0


def test_agency_view(snap):
    frame = views.summary(snap, agency="d1")
    assert col(frame, "indicator") == ["zeta", "alpha", "mu"]
    assert col(frame, "agency") == ["d1", "d1", "d1"]
    assert col(frame, "value") == pytest.approx([62.5, 9.0, None])
    leaf = views.summary(snap, agency="c1")
    assert col(leaf, "value") == pytest.approx([50.0, 4.0, None])
    assert col(leaf, "note") == ["leaf note", None, None]


def test_agencies_of(snap):
    assert views.agencies_of(snap) == ["d2", "d1"]
    assert views.agencies_of(snap, "d1") == ["c2", "c1"]
    assert views.agencies_of(snap, subtree=True) == ["p", "d2", "d1", "c2", "c1"]
    assert views.agencies_of(snap, "c1") == []


def test_table_keeps_the_order_of_the_agencies_given(snap):
    frame = views.table(snap, ["alpha", "zeta"], ["c1", "p"])
    # Indicators in definition order, agencies as given.
    assert frame.select("indicator", "agency").rows() == [
        ("zeta", "c1"),
        ("zeta", "p"),
        ("alpha", "c1"),
        ("alpha", "p"),
    ]
    assert col(frame, "value") == pytest.approx([50.0, 100 * 8 / 12, 4.0, 11.0])


def test_history_is_oldest_first_up_to_the_current_period(snap):
    row = views.summary(snap).row(0, named=True)
    assert row["history_periods"] == ["2023-01", "2023-02"]
    assert row["history"] == pytest.approx([100 * 4 / 12, 100 * 8 / 12])
    row = views.summary(snap, as_of="2023-01").row(0, named=True)
    assert row["history_periods"] == ["2023-01"]
    assert row["period"] == "2023-01"
    alpha = views.summary(snap, as_of="2023-01").row(1, named=True)
    assert (alpha["period"], alpha["value"], alpha["status"]) == (None, None, "missing")


def test_data_set_without_observations(dataset):
    snap = build_snapshot([str(dataset({"defs.toml": DEFS}))])
    assert snap.findings == ()
    frame = views.summary(snap)
    assert col(frame, "status") == ["missing", "missing", "missing"]
    assert views.breakdown(snap, "zeta", subtree=True).height == 5


def test_breakdown_without_any_agency_is_empty(dataset):
    # No agency defined and no observation: the headline has no children.
    folder = dataset({"defs.toml": '[[indicator]]\nid = "x"\nname = "X"\n'})
    snap = build_snapshot([str(folder)])
    assert snap.agency_count == 0
    assert views.breakdown(snap, "x").height == 0
