"""Where the bundled demo data set lives: inside the installed package, or in a checkout."""

from __future__ import annotations

from pathlib import Path


def demo_path() -> str:
    """The folder of the demo data set (Bà Rịa - Vũng Tàu, January–August 2023)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "demo", here.parent.parent / "data"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return str(candidate)
    return str(here / "demo")
