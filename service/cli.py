"""The `rota` command line (SPEC §4): parse arguments, run one command, map failures to exits.

Exit codes: 0 ok, 1 runtime failure, 2 bad input or config. Errors are one clear line each on
stderr; a traceback only with --debug. Each command lives in service/commands/.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from datetime import date

from service.config.load import ConfigError
from service.errors import RotaError, UsageError

EXIT_OK, EXIT_RUNTIME, EXIT_INPUT = 0, 1, 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser = argparse.ArgumentParser(
        prog="rota",
        parents=[common],
        description="Run the rhythm of a remote mentorship program by email and calendar.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, config: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        if config:
            p.add_argument(
                "-c", "--config", required=True, metavar="FILE", help="the program's TOML file"
            )
        return p

    command("check-config", "validate a config file")

    p = command("plan", "print the fair schedule")
    p.add_argument("--from", dest="first", type=_date, metavar="DATE")
    p.add_argument("--until", dest="last", type=_date, metavar="DATE")
    p.add_argument("--format", choices=("table", "json", "ics", "html"), default="table")
    p.add_argument(
        "--method", choices=("auto", "exact", "heuristic"), default="auto", help=argparse.SUPPRESS
    )
    p = command("preview", "print the exact .eml Rota would send")
    p.add_argument(
        "kind",
        metavar="KIND",
        choices=(
            "checkin",
            "reminder",
            "escalation",
            "forward",
            "invite",
            "cancel",
            "evaluation",
            "digest",
        ),
    )
    p.add_argument("--to", metavar="EMAIL")
    p.add_argument("--series", metavar="ID")
    p.add_argument("--week", type=int, metavar="N")

    p = command("parse", "classify and extract one message (.eml) and print JSON", config=False)
    p.add_argument("file", metavar="FILE.eml")
    p.add_argument(
        "-c", "--config", metavar="FILE", help="also check the sender against this program"
    )

    p = command("send-test", "send one test email through the configured transport")
    p.add_argument("--to", required=True, metavar="EMAIL")

    p = command("status", "what is due next, the outbox, the inbox, items waiting for review")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless a daemon has been alive in the last few minutes (for health checks)",
    )

    p = command("run", "the daemon: send and read mail as the program's rhythm says")
    p.add_argument("--once", action="store_true", help="run every job that is due now and exit")
    p.add_argument(
        "--new-store",
        action="store_true",
        help="start on an empty store although this program already ran with another one "
        "(every invite and prompt is sent again)",
    )

    p = command("report", "participation, attendance, mentor answers and burden")
    p.add_argument("--format", choices=("table", "json", "html", "csv"), default="table")

    p = command("export", "one Markdown file per mentee with every check-in and goal")
    p.add_argument("--markdown", required=True, metavar="DIR")

    p = command("search", "full-text search over check-ins")
    p.add_argument("query", nargs="+", metavar="QUERY")

    p = command("simulate", "run the program on a simulated clock into a maildir")
    p.add_argument("--until", required=True, type=_date, metavar="DATE")
    p.add_argument("--from", dest="first", type=_date, metavar="DATE")
    p.add_argument("--out", metavar="DIR", help="maildir to write into (default: the config's)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def run(args: argparse.Namespace) -> int:
    from service.commands import dispatch

    return dispatch(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ConfigError as bad:
        for line in bad.lines:
            print(line, file=sys.stderr)
        return EXIT_INPUT
    except UsageError as bad:
        print(f"rota: {bad}", file=sys.stderr)
        return EXIT_INPUT
    except RotaError as bad:
        if args.debug:
            traceback.print_exc()
        print(f"rota: {bad}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as bad:  # a file or folder the config names: say which and why
        if args.debug:
            traceback.print_exc()
        where = f": {bad.filename}" if getattr(bad, "filename", None) else ""
        print(f"rota: {bad.strerror or bad}{where}", file=sys.stderr)
        return EXIT_RUNTIME
    except Exception as bad:  # a crash still gets one readable line
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"rota: internal error: {type(bad).__name__}: {bad} (run with --debug for details)",
                file=sys.stderr,
            )
        return EXIT_RUNTIME


if __name__ == "__main__":
    sys.exit(main())
