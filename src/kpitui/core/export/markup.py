"""md and html: the document (``document.build``) as a page to read, print or paste.

Markdown escapes everything its readers could take as markup; HTML is one self-contained page
(inline CSS, no script, nothing loaded from elsewhere) with an A4 print layout.
"""

from __future__ import annotations

from html import escape

from kpitui.core.export.document import Document, build
from kpitui.core.export.table import ExportTable
from kpitui.core.i18n import t
from kpitui.core.text import clean

INDENT = "\u00a0\u00a0"
"""One tree level in a markdown cell (markdown trims ordinary spaces)."""


_MD_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\|*_`[]<>#"})
"""Markdown's markup characters, each escaped with a backslash (one pass)."""


def _md(text: str) -> str:
    return clean(text).translate(_MD_ESCAPES)


def _md_code(text: str) -> str:
    return clean(text).replace("`", "'")


def render_md(table: ExportTable) -> bytes:
    doc = build(table, "page")
    lines = [f"# {_md(doc.title)}", ""]
    lines += [f"- {_md(label)}: {_md(value)}" for label, value in doc.meta]
    if doc.files:
        lines.append(f"- {_md(t('meta.files', doc.lang))}:")
        for path, digest, *_ in doc.file_rows():
            lines.append(f"  - `{_md_code(path)}` SHA-256 `{_md_code(digest)}`")
    lines += ["", "| " + " | ".join(_md(h) for h in doc.headings) + " |"]
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in doc.columns) + "|")
    for cells in doc.rows:
        shown = [INDENT * c.indent + _md(c.text) for c in cells]
        lines.append("| " + " | ".join(shown) + " |")
    return ("\n".join(lines) + "\n").encode("utf-8")


STATUS_TINT = {
    "met": "#d6ecf8",
    "near": "#fcedc2",
    "behind": "#f8d3cf",
    "missing": "#eeeeee",
    "no_target": "#f4f4f4",
}
"""Light tints of the terminal colours (``kpitui.palette``), readable when printed."""

HTML_STYLE = (
    """
body{font-family:"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;margin:24px;color:#1b1b1b}
h1{font-size:20px;margin:0 0 8px}
.meta{font-size:12px;color:#555;margin:0 0 16px;padding:0;list-style:none}
.meta li{margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee;border-bottom:2px solid #888}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
"""
    + "".join(
        f"tr.{s} td.status{{background:{c}{';font-weight:bold' if s == 'behind' else ''}}}\n"
        for s, c in STATUS_TINT.items()
    )
    + """.files{font-size:11px;color:#666;margin-top:16px;width:auto}
.files td{word-break:break-all}
@page{size:A4;margin:12mm}
@media print{body{margin:0}thead{display:table-header-group}tr{break-inside:avoid}}
"""
)


def _page(doc: Document) -> list[str]:
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(doc.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)}</title><style>{HTML_STYLE}</style></head><body>",
        f"<h1>{escape(doc.title)}</h1>",
        '<ul class="meta">',
    ]
    out += [f"<li>{escape(label)}: {escape(value)}</li>" for label, value in doc.meta]
    out.append("</ul><table><thead><tr>")
    for column, heading in zip(doc.columns, doc.headings, strict=True):
        out.append(
            f'<th class="num">{escape(heading)}</th>'
            if column.numeric
            else f"<th>{escape(heading)}</th>"
        )
    out.append("</tr></thead><tbody>")
    for cells, status in zip(doc.rows, doc.statuses, strict=True):
        out.append(f'<tr class="{escape(status)}">')
        for column, cell in zip(doc.columns, cells, strict=True):
            cls = "status" if column.key == "status" else "num" if column.numeric else ""
            attrs = f' class="{cls}"' if cls else ""
            if cell.indent:
                attrs += f' style="padding-left:{0.4 + 1.2 * cell.indent:.1f}em"'
            out.append(f"<td{attrs}>{escape(cell.text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if doc.files:
        out.append(f'<table class="files"><caption>{escape(t("meta.files", doc.lang))}</caption>')
        out.append("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in doc.file_headings) + "</tr>")
        for texts in doc.file_rows():
            out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in texts) + "</tr>")
        out.append("</table>")
    out.append("</body></html>\n")
    return out


def render_html(table: ExportTable) -> bytes:
    """One self-contained page: status tints, A4 print layout, no script."""
    return "\n".join(_page(build(table, "page"))).encode("utf-8")
