"""Every symbol the dashboard draws, in Unicode or in ASCII (SPEC §10): the status glyphs,
bars, sparklines and arrows of ``kpitui.palette``, and the dashboard's own marks."""

from __future__ import annotations

from dataclasses import dataclass

from kpitui.palette import ASCII, UNICODE, GlyphSet


@dataclass(frozen=True)
class Marks:
    glyphs: GlyphSet
    """Status glyphs, bars, sparklines, arrows, the warning sign."""
    cursor: str
    """In the gutter of the cursor row (visible without colour and reverse video)."""
    child: str
    """After an agency that has agencies below it."""
    crumb: str
    """Between the parts of the breadcrumbs."""
    sep: str
    """Between the parts of a line (status bar, details)."""
    cut: str
    """At the end of text cut to fit a cell (one cell wide)."""
    dash: str
    """No value, and between a sentence and its addition."""
    live: str
    paused: str
    off: str
    stopped: str
    past: str
    """Before "past period": the user looks at an earlier period, not at live figures."""
    at_risk: str
    error: str
    descending: str
    times: str
    delta: str
    """The heading of the change column."""
    chart_blocks: str
    """Bar heights in eighths of a row, from empty to full."""
    chart_target: str
    chart_expected: str
    chart_projection: str
    axis_top: str
    axis: str
    axis_corner: str
    axis_rule: str
    search: str
    """The command palette's search icon."""


UNICODE_MARKS = Marks(
    glyphs=UNICODE,
    cursor="▶",
    child="▸",
    crumb=" › ",
    sep=" · ",
    cut="…",
    dash="—",
    live="●",
    paused="‖",
    off="○",
    stopped="✗",
    past="◀",
    at_risk="!",
    error="✗",
    descending="↓",
    times="×",
    delta="Δ",
    chart_blocks=" ▁▂▃▄▅▆▇█",
    chart_target="─",
    chart_expected="•",
    chart_projection="░",
    axis_top="┤",
    axis="│",
    axis_corner="└",
    axis_rule="─",
    search="🔎",
)
ASCII_MARKS = Marks(
    glyphs=ASCII,
    cursor=">",
    child=">",
    crumb=" > ",
    sep=" | ",
    cut="~",
    dash="-",
    live="*",
    paused="||",
    off="o",
    stopped="x",
    past="<",
    at_risk="*",
    error="x",
    descending="v",
    times="x",
    delta="+/-",
    chart_blocks=" ..==####",
    chart_target="-",
    chart_expected="*",
    chart_projection=":",
    axis_top="+",
    axis="|",
    axis_corner="+",
    axis_rule="-",
    search=">",
)


def marks(ascii: bool) -> Marks:
    return ASCII_MARKS if ascii else UNICODE_MARKS
