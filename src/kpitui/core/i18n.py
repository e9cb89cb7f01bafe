"""Every user-facing string of kpitui, in Vietnamese and English: the dashboard, `show` and the
exports a director reads (xlsx, html, md) take their words from this one table.

The status words are the vocabulary of SPEC §10, the same on every surface; the ``short.*``
forms are the only shortening, for narrow table cells.

The language is chosen by ``--lang``, then the data set's ``[dashboard].lang``, then the
``LANG``/``LC_ALL`` environment (``vi_VN.UTF-8`` -> vi), else English.
"""

from __future__ import annotations

import os

LANGS = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (vi, en)
    "app.title": ("Chỉ tiêu", "Indicators"),
    # the status words (SPEC §10), and their one consistent shortening for narrow cells
    "status.met": ("đạt", "met"),
    "status.near": ("gần đạt", "near"),
    "status.behind": ("chậm", "behind"),
    "status.missing": ("thiếu số liệu", "missing"),
    "status.no_target": ("không có chỉ tiêu", "no target"),
    "status.will_miss": ("dự báo không đạt", "projected to miss"),
    "short.met": ("đạt", "met"),
    "short.near": ("gần đạt", "near"),
    "short.behind": ("chậm", "behind"),
    "short.missing": ("thiếu SL", "missing"),
    "short.no_target": ("không CT", "no target"),
    "aggregate.ratio": ("tỷ số của tổng", "ratio of sums"),
    "aggregate.sum": ("tổng", "sum"),
    "aggregate.mean": ("trung bình", "mean"),
    "aggregate.min": ("nhỏ nhất", "minimum"),
    "aggregate.max": ("lớn nhất", "maximum"),
    "col.status": ("TT", "St"),
    "col.indicator": ("Chỉ tiêu", "Indicator"),
    "col.agency": ("Đơn vị", "Agency"),
    "col.group": ("Nhóm", "Group"),
    "col.value": ("Giá trị", "Value"),
    "col.target": ("Mục tiêu", "Target"),
    "col.attainment": ("Đạt", "Att."),
    "col.trend": ("Xu hướng", "Trend"),
    "col.change": ("Δ", "Δ"),
    "col.period": ("Kỳ", "Period"),
    "col.owner": ("Phụ trách", "Owner"),
    "col.fraction": ("Tử số / mẫu số", "Numerator / denominator"),
    "col.note": ("Ghi chú", "Note"),
    "col.pace": ("T.độ", "Pace"),
    "col.missing": ("Thiếu", "Miss"),
    "all_agencies": ("Toàn bộ", "All"),
    "report.errors": (
        "{errors} lỗi trong dữ liệu: các tệp có lỗi bị bỏ qua (chạy `kpitui check` để xem chi tiết)",
        "{errors} errors in the data: files with errors are left out (run `kpitui check` for details)",
    ),
    "report.error": (
        "1 lỗi trong dữ liệu: tệp có lỗi bị bỏ qua (chạy `kpitui check` để xem chi tiết)",
        "1 error in the data: the file with the error is left out (run `kpitui check` for details)",
    ),
    "pace.on_track": ("đúng tiến độ", "on track"),
    "pace.off_track": ("chậm tiến độ", "off track"),
    "pace.will_meet": ("dự báo đạt", "projected to meet"),
    "pace.will_miss": ("dự báo không đạt", "projected to miss"),
    "pace.needs": (
        "cần {amount}/tháng để đạt trước {date}",
        "needs {amount}/month to reach the target by {date}",
    ),
    "pace.expected": ("kỳ vọng", "expected"),
    "pace.projected": ("dự báo {date}", "projected {date}"),
    # keys (footer, help, command palette)
    "key.quit": ("Thoát", "Quit"),
    "key.help": ("Trợ giúp", "Help"),
    "key.search": ("Tìm", "Search"),
    "key.sort": ("Sắp xếp", "Sort"),
    "key.reverse": ("Đảo thứ tự", "Reverse order"),
    "key.filter": ("Lọc", "Filter"),
    "key.group": ("Nhóm", "Group"),
    "key.prev_period": ("Kỳ trước", "Previous period"),
    "key.next_period": ("Kỳ sau", "Next period"),
    "key.reload": ("Tải lại", "Reload"),
    "key.pause": ("Tạm dừng/tiếp tục", "Pause/resume"),
    "key.export": ("Xuất", "Export"),
    "key.quick_export": ("Xuất nhanh", "Quick export"),
    "key.details": ("Chi tiết", "Details"),
    "key.open": ("Mở", "Open"),
    "key.back": ("Quay lại", "Back"),
    "key.agency": ("Đơn vị này", "This agency"),
    "key.quality": ("Chất lượng dữ liệu", "Data quality"),
    "key.all_rows": ("Hiện/ẩn đơn vị chưa báo cáo", "Show/hide agencies without data"),
    "key.filter_status": ("Lọc: {status}", "Filter: {status}"),
    "key.filter_clear": ("Bỏ lọc", "Clear filters"),
    "key.palette": ("Bảng lệnh", "Commands"),
    "key.down": ("Xuống", "Down"),
    "key.up": ("Lên", "Up"),
    "key.page_down": ("Trang sau", "Page down"),
    "key.page_up": ("Trang trước", "Page up"),
    "key.top": ("Về đầu", "Top"),
    "key.bottom": ("Về cuối", "Bottom"),
    "key.close": ("Đóng", "Close"),
    "key.cancel": ("Hủy", "Cancel"),
    "key.jump": ("Đến đơn vị", "Go to the agency"),
    "key.kind_filter": ("Lọc theo loại", "Filter by kind"),
    "key.not_reported": ("Chưa báo cáo", "Not reported"),
    "key.lang": ("English", "Tiếng Việt"),
    # Textual's own keys (help, command palette)
    "tx.focus_next": ("Chuyển tới ô sau", "Focus next"),
    "tx.focus_previous": ("Chuyển tới ô trước", "Focus previous"),
    "tx.copy": ("Chép phần đã chọn", "Copy selected text"),
    "tx.cursor_left": ("Con trỏ sang trái", "Cursor left"),
    "tx.select_left": ("Chọn sang trái", "Select left"),
    "tx.word_left": ("Sang trái một từ", "Word left"),
    "tx.select_word_left": ("Chọn sang trái một từ", "Select a word left"),
    "tx.cursor_right": ("Con trỏ sang phải", "Cursor right"),
    "tx.select_right": ("Chọn sang phải", "Select right"),
    "tx.word_right": ("Sang phải một từ", "Word right"),
    "tx.select_word_right": ("Chọn sang phải một từ", "Select a word right"),
    "tx.delete_left": ("Xoá ký tự bên trái", "Delete left"),
    "tx.select_all": ("Chọn tất cả", "Select all"),
    "tx.home": ("Về đầu dòng", "Start of line"),
    "tx.end": ("Về cuối dòng", "End of line"),
    "tx.select_home": ("Chọn tới đầu dòng", "Select to the start"),
    "tx.select_end": ("Chọn tới cuối dòng", "Select to the end"),
    "tx.delete_right": ("Xoá ký tự bên phải", "Delete right"),
    "tx.submit": ("Xác nhận", "Submit"),
    "tx.delete_word_left": ("Xoá từ bên trái", "Delete the word left"),
    "tx.delete_all_left": ("Xoá hết bên trái", "Delete all to the left"),
    "tx.delete_word_right": ("Xoá từ bên phải", "Delete the word right"),
    "tx.delete_all_right": ("Xoá hết bên phải", "Delete all to the right"),
    "tx.cut": ("Cắt phần đã chọn", "Cut selected text"),
    "tx.paste": ("Dán", "Paste"),
    # the command palette
    "palette.placeholder": ("Tìm lệnh (không cần dấu)…", "Search for commands..."),
    "palette.no_match": ("Không có lệnh nào khớp", "No matches found"),
    # status bar
    "bar.live": ("trực tiếp", "live"),
    "bar.paused": ("tạm dừng", "paused"),
    "bar.not_watching": ("không theo dõi", "not watching"),
    "bar.past": ("xem kỳ trước", "past period"),
    "bar.pending": ("{n} thay đổi chờ", "{n} pending"),
    "bar.reloaded": ("cập nhật {time}", "reloaded {time}"),
    "bar.as_of": ("tính đến {period}", "as of {period}"),
    "bar.latest": ("số liệu đến {period}", "data to {period}"),
    "bar.loading": ("đang tải…", "loading..."),
    "bar.at_risk": ("nguy cơ", "at risk"),
    "bar.will_miss": ("sẽ trượt", "will miss"),
    "bar.search": ("tìm: {what}", "search: {what}"),
    "bar.sort": ("xếp: {what}", "sort: {what}"),
    "bar.group": ("nhóm: {what}", "group: {what}"),
    "bar.rows": ("{shown}/{total}", "{shown}/{total}"),
    # sort keys
    "sort.default": ("mặc định", "default"),
    "sort.status": ("trạng thái", "status"),
    "sort.attainment": ("mức đạt", "attainment"),
    "sort.change": ("thay đổi", "change"),
    "sort.name": ("tên", "name"),
    "sort.group": ("nhóm", "group"),
    "sort.value": ("giá trị", "value"),
    "sort.missing": ("thiếu báo cáo", "missing reporters"),
    # messages
    "msg.empty": ("Không có chỉ tiêu nào khớp bộ lọc.", "No indicator matches the filters."),
    "msg.empty_breakdown": (
        "Không có đơn vị nào có số liệu chỉ tiêu này.",
        "No agency has data for this indicator.",
    ),
    "msg.show_hidden": (
        "Nhấn {keys} để hiện {n} đơn vị chưa có số liệu.",
        "Press {keys} to show the {n} agencies without data.",
    ),
    "msg.no_agencies": ("Không có đơn vị cấp dưới.", "No agencies below this one."),
    "msg.quit_title": ("Muốn thoát?", "Do you want to quit?"),
    "msg.quit_hint": ("Nhấn {keys} để thoát kpitui.", "Press {keys} to quit kpitui."),
    "msg.lang": ("Giao diện: tiếng Việt", "Interface: English"),
    "msg.no_children": ("{name} không có đơn vị cấp dưới.", "{name} has no agencies below it."),
    "msg.exported": ("Đã xuất: {path}", "Exported: {path}"),
    "msg.export_failed": ("Không xuất được: {error}", "Export failed: {error}"),
    "msg.reload_failed": ("Không tải lại được: {error}", "Reload failed: {error}"),
    "msg.errors": ("{n} lỗi — nhấn ! để xem", "{n} errors: press ! to see them"),
    "msg.stale": ("đang dùng bản hợp lệ trước", "last good version in effect"),
    "msg.left_out": ("chưa được tính", "left out"),
    "msg.also_broken": ("còn: {files}", "also: {files}"),
    "msg.view_failed": (
        "Không tính được bảng này: {error}",
        "Could not compute this view: {error}",
    ),
    "msg.file_removed": (
        "Tệp {path} đã bị xoá hoặc đổi tên: số liệu của nó không còn được tính",
        "{path} was removed or renamed: its figures no longer count",
    ),
    "msg.file_stale": (
        "Tệp {path} có lỗi ({where}): vẫn dùng bản hợp lệ trước của nó",
        "{path} has an error ({where}): its last good version stays in effect",
    ),
    "msg.file_left_out": (
        "Tệp {path} có lỗi ({where}): chưa được tính",
        "{path} has an error ({where}): it is left out",
    ),
    "msg.file_back": ("Tệp {path} đã hợp lệ trở lại", "{path} is sound again"),
    "bar.watch_stopped": ("ngừng theo dõi", "watching stopped"),
    "msg.search_prompt": ("Tìm (không cần dấu)…", "Search (accents optional)..."),
    "msg.first_period": ("Đã ở kỳ đầu tiên.", "Already at the first period."),
    "msg.latest_period": ("Đã ở kỳ mới nhất.", "Already at the latest period."),
    "msg.loading": ("Đang tải dữ liệu…", "Loading data..."),
    # details
    "details.owner": ("Phụ trách", "Owner"),
    "details.source": ("Nguồn", "Source"),
    "details.formula": ("Công thức", "Formula"),
    "details.target": ("Mục tiêu", "Target"),
    "details.deadline": ("Hạn", "Deadline"),
    "details.direction_higher": ("càng cao càng tốt", "higher is better"),
    "details.direction_lower": ("càng thấp càng tốt", "lower is better"),
    "details.history": ("Diễn biến", "History"),
    "details.pace": ("Tiến độ", "Pace"),
    "details.missing": ("Chưa báo cáo kỳ này", "Not reported this period"),
    "details.note": ("Ghi chú", "Note"),
    "chart.value": ("giá trị", "value"),
    "chart.target": ("mục tiêu", "target"),
    "chart.expected": ("tiến độ kỳ vọng", "expected path"),
    "chart.projected": ("dự báo tại hạn", "projected at the deadline"),
    # quality
    "quality.title": ("Chất lượng dữ liệu", "Data quality"),
    "quality.where": ("Vị trí", "Where"),
    "quality.kind": ("Loại", "Kind"),
    "quality.message": ("Nội dung", "Message"),
    "quality.none": ("Không có vấn đề nào.", "No problems found."),
    "quality.counts": ("{errors} lỗi, {warnings} cảnh báo", "{errors} errors, {warnings} warnings"),
    "quality.only": ("chỉ: {kind}", "only: {kind}"),
    "kind.missing_reporter": ("Chưa báo cáo", "Not reported"),
    "kind.stale_file": ("Tệp cũ", "Stale file"),
    "kind.num_gt_den": ("Tử số > mẫu số", "Numerator > denominator"),
    "kind.den_zero": ("Mẫu số bằng 0", "Denominator is 0"),
    "kind.total_mismatch": ("Tổng không khớp", "Total mismatch"),
    "kind.duplicate": ("Dòng trùng", "Duplicate row"),
    "kind.unknown_agency": ("Đơn vị lạ", "Unknown agency"),
    "kind.unknown_indicator": ("Chỉ tiêu lạ", "Unknown indicator"),
    "kind.bad_number": ("Số không hợp lệ", "Bad number"),
    "kind.bad_period": ("Kỳ không hợp lệ", "Bad period"),
    "kind.no_value": ("Thiếu giá trị", "No value"),
    "kind.header": ("Dòng tiêu đề, cột", "Header, columns"),
    "kind.encoding": ("Bảng mã", "Encoding"),
    "kind.unreadable": ("Không đọc được tệp", "Unreadable file"),
    "kind.definitions": ("Tệp định nghĩa", "Definitions"),
    "kind.bad_id": ("Mã không hợp lệ", "Bad id"),
    "kind.other": ("Khác", "Other"),
    "what.missing_reporter": (
        "{agency} chưa báo cáo «{indicator}» kỳ {period}",
        '{agency} has not reported "{indicator}" for {period}',
    ),
    "what.num_gt_den": ("tử số lớn hơn mẫu số", "numerator exceeds denominator"),
    "what.den_zero": ("mẫu số bằng 0", "denominator is 0"),
    "what.stale_file": ("không được cập nhật {days} ngày", "not updated for {days} days"),
    # not reported (n)
    "missing.title": ("Chưa báo cáo kỳ {period}", "Not reported for {period}"),
    "missing.counts": (
        "{agencies} đơn vị, {reports} báo cáo còn thiếu",
        "{agencies} agencies, {reports} reports missing",
    ),
    "missing.under": ("Thuộc", "Under"),
    "missing.count": ("Số CT", "Count"),
    "missing.indicators": ("Chỉ tiêu chưa báo cáo", "Indicators not reported"),
    "missing.none": (
        "Mọi đơn vị đã báo cáo kỳ này.",
        "Every agency has reported for this period.",
    ),
    # export dialog
    "export.title": ("Xuất báo cáo", "Export snapshot"),
    "export.format": ("Định dạng", "Format"),
    "export.name": ("Tên tệp", "File name"),
    "export.folder": ("Thư mục", "Folder"),
    "export.ok": ("Xuất", "Export"),
    "export.cancel": ("Hủy", "Cancel"),
    # exports for people (xlsx, html, md): headings where the screen abbreviates
    "head.status": ("Trạng thái", "Status"),
    "head.attainment": ("Mức đạt", "Attainment"),
    "head.change": ("Thay đổi", "Change"),
    "head.pace": ("Tiến độ", "Pace"),
    "head.missing": ("Chưa báo cáo", "Not reported"),
    "head.numerator": ("Tử số", "Numerator"),
    "head.denominator": ("Mẫu số", "Denominator"),
    "view.summary": ("Tổng hợp chỉ tiêu", "Indicator summary"),
    "view.breakdown": ("Chi tiết theo đơn vị", "Breakdown by agency"),
    "view.agency": ("Chỉ tiêu của đơn vị", "Indicators of an agency"),
    "meta.title": ("Tiêu đề", "Title"),
    "meta.view": ("Bảng", "View"),
    "meta.indicator": ("Chỉ tiêu", "Indicator"),
    "meta.agency": ("Đơn vị", "Agency"),
    "meta.as_of": ("Tính đến kỳ", "As of period"),
    "meta.data_period": ("Số liệu", "Data period"),
    "meta.filters": ("Bộ lọc", "Filters"),
    "meta.search": ("Tìm kiếm", "Search"),
    "meta.sort": ("Sắp xếp", "Sort"),
    "meta.descending": ("giảm dần", "descending"),
    "meta.generated_at": ("Thời điểm xuất", "Generated at"),
    "meta.version": ("Phiên bản kpitui", "kpitui version"),
    "meta.files": ("Tệp dữ liệu", "Input files"),
    "file.path": ("Tệp", "File"),
    "file.sha256": ("SHA-256", "SHA-256"),
    "file.size": ("Kích thước (byte)", "Size (bytes)"),
    "file.modified": ("Sửa đổi lúc", "Modified"),
    "file.state": ("Tình trạng", "State"),
    "file.ok": ("hợp lệ", "ok"),
    "file.error": ("có lỗi, không dùng", "has errors, left out"),
    "file.stale": ("có lỗi, dùng bản hợp lệ trước", "has errors, last good version in effect"),
    "file.changed": (
        "đã thay đổi sau khi đọc (không tính mã băm)",
        "changed since it was read (not hashed)",
    ),
    # help
    "help.title": ("Phím tắt", "Keys"),
    "help.close": ("Esc hoặc ? để đóng", "Esc or ? to close"),
    # the reporting calendar (SPEC §9): same period last year, rank, shortfall, dissolved agencies
    "col.last_year": ("Cùng kỳ", "Last year"),
    "col.yoy": ("± cùng kỳ", "± last year"),
    "col.rank": ("Hạng", "Rank"),
    "col.shortfall": ("Còn thiếu", "Shortfall"),
    "head.last_year": ("Cùng kỳ năm trước", "Same period last year"),
    "head.yoy": ("So với cùng kỳ", "Change on last year"),
    "head.rank": ("Xếp hạng", "Rank"),
    "head.shortfall": ("Còn thiếu so với mục tiêu", "Shortfall to target"),
    "agency.until": ("{name} (đến {day})", "{name} (until {day})"),
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


def status_word(status: str, lang: str, short: bool = False) -> str:
    """The status word of SPEC §10 (``short``: its form for narrow table cells)."""
    return t(f"short.{status}" if short else f"status.{status}", lang)
