"""kpitui: a terminal monitor for government KPI targets."""

__version__ = "0.1.0"
