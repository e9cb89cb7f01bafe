"""The command line: ``kpitui [PATH...]`` (the dashboard), ``check``, ``export``, ``show``,
``serve`` (the dashboard in web browsers) and ``passwd`` (its users file).

Exit codes: 0 = fine; 1 = the data has errors (or an export could not be written);
2 = usage (unknown option, indicator, agency or period; a path that does not exist).
Heavy modules (polars, textual) are imported only by the command that needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from kpitui import __version__

if TYPE_CHECKING:
    from kpitui.core.snapshot import Snapshot

COMMANDS = ("check", "export", "show", "serve", "passwd")
EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
FORMATS = ("csv", "json", "xlsx", "md", "html", "svg")

DESCRIPTION = """\
kpitui: a live terminal monitor of KPI targets (e.g. digital-transformation indicators).

Reads indicator definitions (*.toml) and monthly figures (*.csv) from the given folders
or files; without a path it opens the bundled demo data set.

commands:
  kpitui [PATH...]            open the live dashboard (prints the summary when not on a terminal)
  kpitui check [PATH...]      validate the data; one finding per line; exit 1 on errors
  kpitui export [PATH...]     write a snapshot (csv, json, xlsx, md, html, svg)
  kpitui show [PATH...]       print the summary (or a breakdown) to stdout
  kpitui serve [PATH...]      serve the dashboard to web browsers, behind a sign-in
  kpitui passwd NAME          add a user of 'serve' or change their password

Run 'kpitui COMMAND --help' for the options of a command.
"""


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="data folders or files (default: the demo data set)",
    )
    p.add_argument(
        "--lang", choices=("vi", "en"), help="language of the interface and of formatted numbers"
    )


def _live_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-watch", action="store_true", help="do not reload when files change")
    p.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        help="poll for changes every SECONDS instead of OS events (network file systems)",
    )
    p.add_argument("--no-mouse", action="store_true", help="ignore the mouse (keyboard only)")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $XDG_CONFIG_HOME/kpitui/config.toml)",
    )


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    tui = _Parser(
        prog="kpitui",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tui.add_argument("--version", action="version", version=f"kpitui {__version__}")
    _common(tui)
    _live_options(tui)

    check = _Parser(
        prog="kpitui check",
        description="Validate a data set: print every finding as path:line: severity: message.",
    )
    _common(check)

    export = _Parser(
        prog="kpitui export",
        description=(
            "Write a snapshot without a terminal. Without --indicator: one row per indicator "
            "(with --agency: that agency's figures). With --indicator: one row per agency of the "
            "tree (or of --agency's subtree), in tree order."
        ),
    )
    _common(export)
    export.add_argument(
        "--format", "-f", choices=FORMATS, default="csv", help="file format (default: csv)"
    )
    export.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="file to write ('-' = stdout); default: kpitui-<view>-<time>.<ext> here",
    )
    export.add_argument("--indicator", metavar="ID", help="breakdown of this indicator by agency")
    export.add_argument(
        "--agency", metavar="ID", help="this agency's view, or its subtree in a breakdown"
    )
    export.add_argument(
        "--period", metavar="P", help="as of this period (YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD)"
    )
    export.add_argument("--force", action="store_true", help="replace --output if it exists")
    export.add_argument(
        "--size", metavar="WxH", default="120x40", help="terminal size for svg (default: 120x40)"
    )

    show = _Parser(
        prog="kpitui show",
        description="Print the summary table (or, with --indicator, the breakdown by agency).",
    )
    _common(show)
    show.add_argument("--indicator", metavar="ID", help="breakdown of this indicator by agency")
    show.add_argument(
        "--agency", metavar="ID", help="this agency's figures, or its subtree in a breakdown"
    )
    show.add_argument("--period", metavar="P", help="as of this period")

    serve = _Parser(
        prog="kpitui serve",
        description="Serve the dashboard to web browsers (one kpitui process per visitor) to "
        "the users of --users, who sign in first. Put a TLS reverse proxy in front.",
    )
    _common(serve)
    _live_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8470, help="port to listen on (8470)")
    serve.add_argument("--users", metavar="FILE", help="the users file (see kpitui passwd)")
    serve.add_argument(
        "--max-sessions", type=int, default=8, metavar="N", help="at most N processes (8)"
    )

    passwd = _Parser(
        prog="kpitui passwd",
        description="Add a user to the users file of 'kpitui serve', or set a new password. "
        "The password is asked twice on the terminal, or read from the first line of stdin.",
    )
    passwd.add_argument("name", metavar="NAME", help="the user name")
    passwd.add_argument("--users", metavar="FILE", required=True, help="the users file")
    return {
        "tui": tui,
        "check": check,
        "export": export,
        "show": show,
        "serve": serve,
        "passwd": passwd,
    }


def _paths(given: Sequence[str]) -> list[str]:
    if given:
        for p in given:
            if not os.path.exists(p):
                raise UsageError(f"no such file or folder: {p}")
        return list(given)
    from kpitui.demo import demo_path

    return [demo_path()]


def _load(paths: Sequence[str]) -> Snapshot:
    from kpitui.core.snapshot import build_snapshot

    return build_snapshot(paths)


def _lang(args: argparse.Namespace, snap: Snapshot | None) -> str:
    from kpitui.i18n import detect_lang

    return detect_lang(args.lang, snap.definitions.dashboard.lang if snap else None)


def _check_choices(snap: Snapshot, args: argparse.Namespace) -> None:
    from kpitui.core.periods import parse_period

    ids = [i.id for i in snap.definitions.indicators]
    if getattr(args, "indicator", None) and args.indicator not in ids:
        shown = ", ".join(ids[:12]) + (" ..." if len(ids) > 12 else "")
        raise UsageError(f"unknown indicator {args.indicator!r} (known: {shown})")
    if getattr(args, "agency", None) and args.agency not in snap.tree.ids:
        raise UsageError(f"unknown agency {args.agency!r}")
    if getattr(args, "period", None) and parse_period(args.period) is None:
        raise UsageError(f"not a period: {args.period!r} (YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD)")


def _report_errors(snap: Snapshot, lang: str) -> int:
    if snap.errors:
        from kpitui.i18n import t

        key = "report.error" if snap.errors == 1 else "report.errors"
        print(f"kpitui: {t(key, lang, errors=snap.errors)}", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    snap = _load(_paths(args.paths))
    out = sys.stdout
    for finding in snap.findings:
        out.write(finding.format() + "\n")
    out.write(snap.summary_line() + "\n")
    return EXIT_DATA if snap.errors else EXIT_OK


def _view(snap: Snapshot, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from kpitui.core import views

    if args.indicator:
        frame = views.breakdown(snap, args.indicator, args.agency, as_of=args.period, subtree=True)
        return "breakdown", frame
    if args.agency:
        return "agency", views.summary(snap, as_of=args.period, agency=args.agency)
    return "summary", views.summary(snap, as_of=args.period)


def cmd_show(args: argparse.Namespace) -> int:
    from kpitui import report

    snap = _load(_paths(args.paths))
    _check_choices(snap, args)
    lang = _lang(args, snap)
    view, frame = _view(snap, args)
    if view == "breakdown":
        headers, rows, statuses = report.breakdown_rows(snap, frame, lang)
        ind = snap.definitions.indicator(args.indicator)
        title = ind.display_name(lang) if ind else args.indicator
    else:
        headers, rows, statuses = report.summary_rows(snap, frame, lang)
        title = snap.definitions.dashboard.title
        if view == "agency":
            title = f"{title} — {snap.tree.names.get(args.agency, args.agency)}"
    report.print_table(title, headers, rows, statuses)
    return _report_errors(snap, lang)


def cmd_export(args: argparse.Namespace) -> int:
    from kpitui.core import export

    snap = _load(_paths(args.paths))
    _check_choices(snap, args)
    lang = _lang(args, snap)
    view, frame = _view(snap, args)
    table = export.make_table(
        snap,
        view,
        frame,
        lang,
        with_files=args.format != "csv",
        as_of=args.period,
        indicator=args.indicator,
        agency=args.agency,
    )
    try:
        if args.format == "svg":
            from kpitui.ui.screenshot import render_svg

            data = render_svg(snap, args, lang)
        else:
            data = export.render(table, args.format)
        path = export.write(data, args.format, view, output=args.output, force=args.force)
    except export.ExportError as exc:
        print(f"kpitui: error: {exc}", file=sys.stderr)
        return EXIT_DATA
    if path != "-":
        print(path, file=sys.stderr if not sys.stdout.isatty() else sys.stdout)
    code = _report_errors(snap, lang)
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    from kpitui.serve.command import serve_command

    flags = [f"--{k.replace('_', '-')}" for k in ("no_watch", "no_mouse") if getattr(args, k)]
    values = [(f"--{k}", getattr(args, k)) for k in ("lang", "poll", "config")]
    options = flags + [str(x) for pair in values if pair[1] is not None for x in pair]
    return serve_command(
        _paths(args.paths),
        users_path=args.users,
        host=args.host,
        port=args.port,
        max_sessions=args.max_sessions,
        lang=args.lang,
        options=options,
    )


def cmd_passwd(args: argparse.Namespace) -> int:
    from kpitui.serve.users import passwd_command

    return passwd_command(args.name, args.users)


def cmd_tui(args: argparse.Namespace) -> int:
    paths = _paths(args.paths)
    web = os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver")
    if not (sys.stdout.isatty() and sys.stdin.isatty()) and not web:
        # No terminal (a pipe, a cron job, CI): print what the dashboard would show.
        show_args = argparse.Namespace(
            paths=paths, lang=args.lang, indicator=None, agency=None, period=None
        )
        return cmd_show(show_args)
    from kpitui.core.cache import PartialCache, default_dir
    from kpitui.core.snapshot import Preload

    preload = Preload(paths, PartialCache(default_dir()))  # reads while the UI is imported
    from kpitui.ui.app import run

    return run(paths, args, preload)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parsers = build_parsers()
    command = argv[0] if argv and argv[0] in COMMANDS else "tui"
    if command != "tui":
        argv = argv[1:]
    args = parsers[command].parse_args(argv)
    handler = {
        "tui": cmd_tui,
        "check": cmd_check,
        "export": cmd_export,
        "show": cmd_show,
        "serve": cmd_serve,
        "passwd": cmd_passwd,
    }[command]
    try:
        return handler(args)
    except UsageError as exc:
        parsers[command].print_usage(sys.stderr)
        print(f"{parsers[command].prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `kpitui show | head`: the reader went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except BaseException as exc:  # the last line of defence: never a traceback for a user
        # A Rust panic in polars is a BaseException; KeyboardInterrupt/SystemExit are not ours.
        if isinstance(exc, KeyboardInterrupt | SystemExit) or os.environ.get("KPITUI_DEBUG"):
            raise
        print(
            f"kpitui: unexpected error: {type(exc).__name__}: {exc}\n"
            "kpitui: please report it; set KPITUI_DEBUG=1 to see the traceback",
            file=sys.stderr,
        )
        return EXIT_DATA
