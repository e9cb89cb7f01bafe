"""The command line: ``kpitui [PATH...]`` (the dashboard), ``check``, ``export``, ``show``,
``serve`` (the dashboard in web browsers) and ``passwd`` (its users file).

Exit codes: 0 = fine; 1 = the data has errors (or an export could not be written);
2 = usage (unknown option, indicator, agency or period; a path that does not exist).
Heavy modules (polars, textual) are imported only by the command that needs them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from kpitui import __version__

if TYPE_CHECKING:
    from kpitui.core.snapshot import Snapshot

COMMANDS = ("check", "export", "show", "template", "serve", "passwd")
EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
kpitui: a live terminal monitor of KPI targets (e.g. digital-transformation indicators).

Reads indicator definitions (*.toml) and monthly figures (*.csv) from the given folders
or files; without a path it opens the bundled demo data set.

commands:
  kpitui [PATH...]            open the live dashboard (prints the summary when not on a terminal)
  kpitui check [PATH...]      validate the data; one finding per line; exit 1 on errors
  kpitui export [PATH...]     write a snapshot (csv, json, xlsx, md, html, svg)
  kpitui show [PATH...]       print the summary (or a breakdown) to stdout
  kpitui template PATH --agency ID --period P
                              write an .xlsx entry form for an agency and period
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


def _poll_seconds(text: str) -> float:
    """--poll: a finite number of seconds the watcher can keep (0 would spin a core)."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (0.1 <= seconds <= 3600):  # also false for nan
        raise argparse.ArgumentTypeError(f"must be between 0.1 and 3600 seconds, not {text!r}")
    return seconds


def _live_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-watch", action="store_true", help="do not reload when files change")
    p.add_argument(
        "--poll",
        type=_poll_seconds,
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
    tui.add_argument(
        "--ascii",
        action="store_true",
        help="ASCII only (automatic when the locale is not UTF-8 or TERM is linux/vt100)",
    )

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
    from kpitui.core.formats import NAMES

    export.add_argument(
        "--format", "-f", choices=NAMES, default="csv", help="file format (default: csv)"
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
    show.add_argument(
        "--ascii",
        action="store_true",
        help="ASCII glyphs only (automatic when the locale is not UTF-8 or TERM is linux/vt100)",
    )

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
        "template": _template_parser(),
        "serve": serve,
        "passwd": passwd,
    }


def _template_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="kpitui template",
        description=(
            "Write an .xlsx entry form for one agency and period: a row for the agency (and one "
            "per child), a column per figure of each indicator. A filled-in form dropped into "
            "the data folder is read as it is."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="data folders or TOML files")
    p.add_argument("--agency", required=True, metavar="ID", help="the agency the form is for")
    p.add_argument("--period", required=True, metavar="P", help="the period (e.g. 2024-06)")
    p.add_argument(
        "--indicator",
        action="append",
        metavar="ID",
        help="only this indicator (repeat for several; default: all)",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="file to write (default: kpitui-template-<agency>-<period>.xlsx here)",
    )
    p.add_argument("--force", action="store_true", help="replace --output if it exists")
    p.add_argument("--lang", choices=("vi", "en"), help="language of the form")
    return p


def _paths(given: Sequence[str]) -> list[str]:
    if given:
        for p in given:
            if not os.path.exists(p):
                raise UsageError(f"no such file or folder: {p}")
        return list(given)
    from kpitui.demo import demo_path

    return [demo_path()]


def _load(paths: Sequence[str]) -> Snapshot:
    from kpitui import native_stderr
    from kpitui.core.load.loader import build_snapshot

    with native_stderr.captured():  # a Rust panic's text is not for the user: it is a finding
        return build_snapshot(paths)


def _lang(args: argparse.Namespace, snap: Snapshot | None) -> str:
    from kpitui.core.i18n import detect_lang

    return detect_lang(args.lang, snap.definitions.dashboard.lang if snap else None)


def _check_choices(snap: Snapshot, args: argparse.Namespace) -> None:
    from kpitui.core.periods import ACCEPTED_FORMS, canonical
    from kpitui.core.text import quote

    ids = [i.id for i in snap.definitions.indicators]
    if getattr(args, "indicator", None) and args.indicator not in ids:
        shown = ", ".join(ids[:12]) + (" ..." if len(ids) > 12 else "")
        raise UsageError(f"unknown indicator {args.indicator!r} (known: {shown})")
    if getattr(args, "agency", None) and args.agency not in snap.tree.ids:
        ended = snap.tree.until.get(args.agency)
        if ended is not None:
            heir = snap.tree.successor.get(args.agency)
            now = f"; its figures are now part of {heir!r}" if heir else ""
            raise UsageError(f"agency {args.agency!r} was dissolved on {ended}{now}")
        raise UsageError(f"unknown agency {args.agency!r}")
    if getattr(args, "period", None) is not None:
        period = canonical(args.period)
        if period is None:
            raise UsageError(f"not a period: {quote(args.period)} (accepted: {ACCEPTED_FORMS})")
        args.period = period  # every spelling of a period selects the same data


def _report_errors(snap: Snapshot, lang: str) -> int:
    if snap.errors:
        from kpitui.core.i18n import t

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
    from kpitui.palette import glyphs, startup_environ, wants_ascii

    snap = _load(_paths(args.paths))
    _check_choices(snap, args)
    lang = _lang(args, snap)
    view, frame = _view(snap, args)
    ascii = wants_ascii(startup_environ(), getattr(args, "ascii", False))
    marks = glyphs(ascii)
    if view == "breakdown":
        headers, rows, statuses = report.breakdown_rows(snap, frame, lang, marks)
        ind = snap.definitions.indicator(args.indicator)
        title = ind.display_name(lang) if ind else args.indicator
    else:
        headers, rows, statuses = report.summary_rows(frame, lang, marks)
        title = snap.definitions.dashboard.title
        if view == "agency":
            title = f"{title} — {snap.tree.names.get(args.agency, args.agency)}"
    if ascii:  # a terminal that shows ASCII only gets names without their accents too
        from kpitui.asciifold import to_ascii

        title, headers = to_ascii(title), [to_ascii(h) for h in headers]
        rows = [[to_ascii(c) for c in row] for row in rows]
    report.print_table(title, headers, rows, statuses)
    return _report_errors(snap, lang)


def _view_name(args: argparse.Namespace) -> str:
    return "breakdown" if args.indicator else "agency" if args.agency else "summary"


def cmd_export(args: argparse.Namespace) -> int:
    from kpitui.core import export
    from kpitui.core.text import clean

    snap = _load(_paths(args.paths))
    _check_choices(snap, args)
    lang = _lang(args, snap)
    try:
        if args.format == "svg":
            # A picture of the screen: no export table to build, no file to hash.
            from kpitui.ui.screenshot import render_svg

            view = _view_name(args)
            data = render_svg(snap, args, lang)
        else:
            view, frame = _view(snap, args)
            table = export.make_table(
                snap,
                view,
                frame,
                lang,
                as_of=args.period,
                indicator=args.indicator,
                agency=args.agency,
            )
            data = export.render(table, args.format)
        path = export.write(data, args.format, view, output=args.output, force=args.force)
    except export.ExportError as exc:
        print(f"kpitui: error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_DATA
    if path != "-":
        print(clean(path), file=sys.stderr if not sys.stdout.isatty() else sys.stdout)
    code = _report_errors(snap, lang)
    return code


def cmd_template(args: argparse.Namespace) -> int:
    from kpitui.core import template
    from kpitui.core.definitions import load_definitions
    from kpitui.core.export import ExportError

    tomls: list[str] = []
    for p in _paths(args.paths):
        if os.path.isdir(p):
            tomls += sorted(
                os.path.join(p, n) for n in os.listdir(p) if n.lower().endswith(".toml")
            )
        elif p.lower().endswith(".toml"):
            tomls.append(p)
    if not tomls:
        raise UsageError("no definitions (*.toml) in " + ", ".join(args.paths))
    merged = load_definitions(tomls)
    errors = [f for f in merged.findings if f.is_error]
    for finding in errors:
        print(finding.format(), file=sys.stderr)
    if errors:
        print("kpitui: the definitions have errors; no template written", file=sys.stderr)
        return EXIT_DATA
    lang = args.lang or merged.definitions.dashboard.lang or "vi"
    try:
        data = template.build(
            merged.definitions, args.agency, args.period, args.indicator, lang=lang
        )
    except template.TemplateError as exc:
        raise UsageError(str(exc)) from None
    period = template.canonical_period(args.period) or args.period
    output = args.output or template.default_name(args.agency, period)
    try:
        path = template.write(data, output, force=args.force)
    except ExportError as exc:
        print(f"kpitui: error: {exc}", file=sys.stderr)
        return EXIT_DATA
    print(path)
    return EXIT_OK


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


JEMALLOC_CONF = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000"
"""polars allocates with jemalloc: a long-lived dashboard returns freed pages to the system
within a second instead of keeping them (memory stays flat over thousands of reloads; see
bench/soak.py). Read by jemalloc when polars is first loaded, so set before that."""


def cmd_tui(args: argparse.Namespace) -> int:
    os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)
    paths = _paths(args.paths)
    web = os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver")
    if not (sys.stdout.isatty() and sys.stdin.isatty()) and not web:
        # No terminal (a pipe, a cron job, CI): print what the dashboard would show.
        show_args = argparse.Namespace(
            paths=paths, lang=args.lang, indicator=None, agency=None, period=None, ascii=args.ascii
        )
        return cmd_show(show_args)
    from kpitui.core.cache import PartialCache, default_dir
    from kpitui.core.load.loader import Preload

    preload = Preload(paths, PartialCache(default_dir()))  # reads while the UI is imported
    from kpitui.ui.app import run
    from kpitui.ui.terminal import ascii_wanted

    return run(paths, args, preload, ascii=ascii_wanted(args.ascii, web=web))


def _closed(stream: object) -> bool:
    """Whether a standard stream's descriptor is closed (a stream without a descriptor of
    its own, as under a test harness, is open)."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return False
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit fails no more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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
        "template": cmd_template,
        "serve": cmd_serve,
        "passwd": cmd_passwd,
    }[command]
    if sys.stdout is None or _closed(sys.stdout):
        # `kpitui check >&-`: nowhere to write the result; say so rather than fail later.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process
        writes_stdout = command in ("tui", "check", "show") or (
            command == "export" and getattr(args, "output", None) in (None, "-")
        )
        if writes_stdout:
            print(
                "kpitui: error: standard output is closed; nothing can be written", file=sys.stderr
            )
            return EXIT_DATA
    try:
        code = handler(args)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        parsers[command].print_usage(sys.stderr)
        print(f"{parsers[command].prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `kpitui show | head`: the reader went away; that is not an error.
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.filename is not None:  # a file's problem, not standard output's
            raise
        # `kpitui show > /dev/full`: the output could not be written.
        _silence_stdout()
        print(
            f"kpitui: error: cannot write to standard output: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_DATA
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
