"""Every user-facing string of the dashboard and the report, in Vietnamese and English.

The language is chosen by ``--lang``, then the data set's ``[dashboard].lang``, then the
``LANG``/``LC_ALL`` environment (``vi_VN.UTF-8`` -> vi), else English.
"""

from __future__ import annotations

import os

LANGS = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (vi, en)
    "app.title": ("Chỉ tiêu", "Indicators"),
    "status.met": ("đạt", "met"),
    "status.near": ("gần đạt", "near"),
    "status.behind": ("chậm", "behind"),
    "status.missing": ("thiếu số liệu", "missing"),
    "status.no_target": ("không chỉ tiêu", "no target"),
    "col.status": ("TT", "St"),
    "col.indicator": ("Chỉ tiêu", "Indicator"),
    "col.agency": ("Đơn vị", "Agency"),
    "col.group": ("Nhóm", "Group"),
    "col.value": ("Giá trị", "Value"),
    "col.target": ("Mục tiêu", "Target"),
    "col.attainment": ("Đạt", "Attained"),
    "col.trend": ("Xu hướng", "Trend"),
    "col.change": ("Δ", "Δ"),
    "col.period": ("Kỳ", "Period"),
    "col.owner": ("Phụ trách", "Owner"),
    "col.fraction": ("Tử số / mẫu số", "Numerator / denominator"),
    "col.note": ("Ghi chú", "Note"),
    "col.pace": ("Tiến độ", "Pace"),
    "col.missing": ("Thiếu BC", "Not rep."),
    "all_agencies": ("Toàn bộ", "All"),
    "summary.counts": ("{met} đạt · {near} gần · {behind} chậm · {missing} thiếu", "{met} met · {near} near · {behind} behind · {missing} missing"),
    "report.errors": (
        "{errors} lỗi trong dữ liệu: các tệp có lỗi bị bỏ qua (chạy `kpitui check` để xem chi tiết)",
        "{errors} errors in the data: files with errors are left out (run `kpitui check` for details)",
    ),
    "pace.on_track": ("đúng tiến độ", "on track"),
    "pace.off_track": ("chậm tiến độ", "off track"),
    "pace.will_meet": ("dự báo đạt", "projected to meet"),
    "pace.will_miss": ("dự báo không đạt", "projected to miss"),
    "pace.needs": ("cần {amount}/tháng để đạt trước {date}", "needs {amount}/month to reach the target by {date}"),
}


def detect_lang(explicit: str | None = None, dataset: str | None = None) -> str:
    if explicit in LANGS:
        return explicit  # type: ignore[return-value]
    if dataset in LANGS:
        return dataset  # type: ignore[return-value]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``values``."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "vi" else pair[1]
    return text.format(**values) if values else text


def status_word(status: str, lang: str) -> str:
    return t(f"status.{status}", lang)
