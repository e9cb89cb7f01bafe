"""Findings: what `kpitui check` prints and the dashboard shows on its error line.

A finding is compiler style, ``path:line[:col]: error|warning: message``, so that editors
and terminals can jump to it. Every message that quotes text from a data file quotes it
through :func:`kpitui.core.text.quote`, so no control character reaches a terminal.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from kpitui.core.text import clean


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=False)
class Finding:
    """One problem found in one file, at a line (0 = the file as a whole)."""

    path: str
    line: int
    severity: Severity
    message: str
    col: int = 0
    agency: str | None = None
    """The agency the finding is about, when there is one (for the data-quality panel)."""
    indicator: str | None = None
    """The indicator the finding is about, when there is one."""
    kind: str = ""
    """A stable machine name of the check, e.g. ``num_gt_den``; used to group findings."""
    place: str = ""
    """Where in the file, when a line number does not say it: a workbook cell
    (``BC thang!D14``), a parquet row (``row 88``) or a table row's key
    (``[dd_kich_hoat,ba_ria,2023-08]``). Replaces ``line:col`` in :meth:`location`."""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        loc = clean(self.path)  # a file name can hold an escape sequence too
        if self.place:
            sep = "" if self.place.startswith("[") else ":"
            return f"{loc}{sep}{clean(self.place)}"
        if self.line:
            loc += f":{self.line}"
            if self.col:
                loc += f":{self.col}"
        return loc

    def format(self) -> str:
        return f"{self.location()}: {self.severity.value}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str, int, str]:
        return (self.path, self.line, self.col, self.place, 0 if self.is_error else 1, self.message)

    def __str__(self) -> str:
        return self.format()


def error(
    path: str,
    line: int,
    message: str,
    *,
    col: int = 0,
    agency: str | None = None,
    indicator: str | None = None,
    kind: str = "",
    place: str = "",
) -> Finding:
    return Finding(path, line, Severity.ERROR, message, col, agency, indicator, kind, place)


def warning(
    path: str,
    line: int,
    message: str,
    *,
    col: int = 0,
    agency: str | None = None,
    indicator: str | None = None,
    kind: str = "",
    place: str = "",
) -> Finding:
    return Finding(path, line, Severity.WARNING, message, col, agency, indicator, kind, place)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)


def count(findings: Iterable[Finding]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for f in findings:
        if f.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
