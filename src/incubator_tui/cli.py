"""The command line (DOMAIN 10, a fixed interface).

Headless commands never import Textual; only opening the app does.  Errors
go to stderr as one clear sentence with exit code 1 (input or data rejected)
or 2 (usage); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from incubator_tui import __version__
from incubator_tui.errors import UserError
from incubator_tui.i18n import set_language, t
from incubator_tui.schema import HEAD as SCHEMA_HEAD

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


# argparse's own words come from gettext message ids; each one a user can meet is mapped to a key
# of the catalogue, so that help and usage errors speak the language in force (#13).
_ARGPARSE_WORDS = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positionals",
    "options": "cli.argparse.options",
}
_ARGPARSE_MESSAGES = (
    ("argument %(argument_name)s: %(message)s", "cli.argparse.argument"),
    ("invalid choice: %(value)r (choose from %(choices)s)", "cli.argparse.invalid_choice"),
    ("the following arguments are required: %s", "cli.argparse.required"),
    ("one of the arguments %s is required", "cli.argparse.one_of_required"),
    ("unrecognized arguments: %s", "cli.argparse.unrecognized"),
    ("expected one argument", "cli.argparse.expected_one"),
    ("expected at least one argument", "cli.argparse.expected_at_least_one"),
    ("expected at most one argument", "cli.argparse.expected_at_most_one"),
    ("ambiguous option: %(option)s could match %(matches)s", "cli.argparse.ambiguous"),
    ("invalid %(type)s value: %(value)r", "cli.argparse.invalid_value"),
    ("not allowed with argument %s", "cli.argparse.not_allowed_with"),
    ("ignored explicit argument %r", "cli.argparse.ignored_explicit"),
)
_message_patterns: list | None = None


def _patterns() -> list:
    """Each argparse message id as a pattern that reads its parameters back out of the message."""
    global _message_patterns
    if _message_patterns is None:
        import re

        _message_patterns = []
        for msgid, key in _ARGPARSE_MESSAGES:
            pattern = re.escape(msgid)
            pattern = re.sub(r"%\\\(([a-z_]+)\\\)[rsd]", r"(?P<\1>.*?)", pattern)
            pattern = re.sub(r"%[rsd]", r"(?P<arg>.*?)", pattern)
            _message_patterns.append((re.compile(pattern, re.DOTALL), key))
    return _message_patterns


def argparse_message(message: str) -> str:
    """An argparse error message in the language in force; one it does not know stays as it is
    (our own argument types already raise translated messages)."""
    for pattern, key in _patterns():
        match = pattern.fullmatch(message)
        if match:
            params = match.groupdict()
            if "message" in params:  # "argument X: <a message of its own>"
                params["message"] = argparse_message(params["message"])
            return t(key, **params)
    return message


class _Formatter(argparse.HelpFormatter):
    """argparse's help with its own words (``usage:``, section titles) from the catalogue."""

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 - argparse's signature
        super().add_usage(usage, actions, groups, t("cli.argparse.usage") if prefix is None else prefix)

    def start_section(self, heading):  # noqa: ANN001 - argparse's signature
        key = _ARGPARSE_WORDS.get(heading) if heading else None
        super().start_section(t(key) if key else heading)


class _Parser(argparse.ArgumentParser):
    """argparse in the catalogue's language (help, usage, errors) with usage errors on exit code 2."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's signature
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=t("cli.help_help"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, t("cli.usage_error", prog=self.prog, message=argparse_message(message)) + "\n")


def _month_arg(text: str) -> str:
    from incubator_tui.rules.errors import DomainError
    from incubator_tui.rules.months import parse_month

    try:
        return parse_month(text)
    except DomainError:
        raise argparse.ArgumentTypeError(t("cli.bad_month", value=text)) from None


def _year_arg(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(t("cli.bad_year", value=text))
    return int(text)


def _int_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("cli.bad_int", value=text)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("cli.bad_number", value=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(t("cli.bad_number", value=text))
    return value


def _common(p: argparse.ArgumentParser, *, top: bool) -> None:
    # On sub-commands the defaults are suppressed so that `--db` before or
    # after the command both work.
    default = None if top else argparse.SUPPRESS
    p.add_argument("--db", type=Path, default=default, metavar="PATH", help=t("cli.help_db"))
    p.add_argument("--lang", choices=("zh", "en"), default=default, help=t("cli.help_lang"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="incubator-tui", description=t("cli.description"))
    _common(parser, top=True)
    parser.add_argument("--version", action="version", help=t("release.help_version"),
                        version=t("release.version", version=__version__, schema=SCHEMA_HEAD))
    parser.add_argument("--demo", action="store_true", help=t("cli.help_app_demo"))
    parser.add_argument("--exit-when-ready", action="store_true", help=t("cli.help_exit_when_ready"))
    parser.add_argument("--edit-district", action="store_true", help=t("district.cli.help_edit"))
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND",
                                title=t("cli.commands_title"))

    demo = sub.add_parser("demo", help=t("cli.help_demo"), description=t("cli.help_demo"))
    _common(demo, top=False)
    demo.add_argument("--orgs", type=_positive_int, default=40, help=t("cli.help_demo_orgs"))
    demo.add_argument("--months", type=_positive_int, default=24, help=t("cli.help_demo_months"))
    demo.add_argument("--seed", type=_int_arg, default=2026, help=t("cli.help_demo_seed"))

    imp = sub.add_parser("import", help=t("cli.help_import"), description=t("cli.help_import"))
    _common(imp, top=False)
    imp.add_argument("kind", choices=("orgs", "scores", "reviews", "checklist", "holidays"), metavar="KIND",
                     help=t("cli.help_import_kind"))
    imp.add_argument("file", type=Path, metavar="FILE", help=t("cli.help_import_file"))
    imp.add_argument("--centre", metavar="NAME", help=t("cli.help_centre"))

    flags = sub.add_parser("flags", help=t("cli.help_flags"), description=t("cli.help_flags"))
    _common(flags, top=False)
    flags.add_argument("--centre", metavar="NAME", help=t("cli.help_centre_report"))
    flags.add_argument("--as-of", type=_month_arg, metavar="YYYY-MM", help=t("cli.help_as_of"))
    flags.add_argument("--json", action="store_true", help=t("cli.help_json"))

    ratings = sub.add_parser("ratings", help=t("cli.help_ratings"), description=t("cli.help_ratings"))
    _common(ratings, top=False)
    ratings.add_argument("--year", type=_year_arg, required=True, metavar="YYYY", help=t("cli.help_year"))
    ratings.add_argument("--centre", metavar="NAME", help=t("cli.help_centre_report"))
    ratings.add_argument("--json", action="store_true", help=t("cli.help_json"))

    finalise = sub.add_parser("finalise", help=t("review.cli.help_finalise"),  # #10, DOMAIN 6
                              description=t("review.cli.help_finalise"))
    _common(finalise, top=False)
    finalise.add_argument("--year", type=_year_arg, required=True, metavar="YYYY", help=t("cli.help_year"))
    finalise.add_argument("--centre", metavar="NAME", help=t("cli.help_centre_report"))

    cases = sub.add_parser("cases", help=t("cli.help_cases"), description=t("cli.help_cases"))
    _common(cases, top=False)
    cases.add_argument("--centre", metavar="NAME", help=t("cli.help_centre_report"))
    cases.add_argument("--json", action="store_true", help=t("cli.help_json"))

    from incubator_tui.cli_exchange import add_parsers  # export, merge, backup, restore

    add_parsers(sub)

    settings = sub.add_parser("settings", help=t("cli.help_settings"), description=t("cli.help_settings"))
    _common(settings, top=False)
    settings.add_argument("--centre", metavar="NAME", help=t("cli.help_centre"))
    settings.add_argument("--as-of", type=_month_arg, metavar="YYYY-MM", help=t("cli.help_settings_as_of"))
    settings.add_argument("--json", action="store_true", help=t("cli.help_json"))
    return parser


def _pre_language(argv: list[str]) -> str:
    """The language for messages, decided before parsing so that help and usage
    errors are translated too: --lang, else the config setting, else Chinese."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("zh", "en"):
            return argv[i + 1]
        if arg.startswith("--lang=") and arg[7:] in ("zh", "en"):
            return arg[7:]
    from incubator_tui.config import load_config

    return load_config().language


def _db_path(args: argparse.Namespace) -> tuple[Path, bool]:
    """(path, explicit): the --db path, else INCUBATOR_TUI_DB, else the data dir."""
    from incubator_tui import paths

    db = getattr(args, "db", None)
    if db is not None:
        return Path(db).expanduser(), True
    import os

    return paths.default_db_path(), bool(os.environ.get("INCUBATOR_TUI_DB"))


# The database this command opened: after an unexpected error it is checked, so
# that a damaged file is reported as such rather than as an internal error.
_opened = None


def _open(args: argparse.Namespace, *, create: bool, read_only: bool = False):
    """Open the database; reading commands pass ``read_only`` so that a database they
    may not write (a read-only file or folder) is read instead of refused."""
    global _opened
    from incubator_tui.db import open_database

    path, explicit = _db_path(args)
    if create and not explicit:
        from incubator_tui import paths

        paths.private_dir(path.parent, fix_existing=True)  # the platformdirs data dir, 0700
    _opened = open_database(path, create=create, read_only=read_only)
    return _opened


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _round2(x) -> float:
    from incubator_tui.rules.scoring import round_half_up

    return float(round_half_up(x, 2))


def cmd_app(args: argparse.Namespace) -> int:
    import gc

    # Start-up makes a few hundred thousand objects that live as long as the app (modules,
    # classes, styles) and next to no garbage: CPython's collector would scan them again
    # and again meanwhile (~35 ms of a ~450 ms start).  It stays off until the app has
    # mounted, which then freezes what was made and turns it on (``resume_gc``).
    was_on = gc.isenabled()
    gc.disable()
    try:
        db = _open(args, create=True)
        if args.demo:
            from incubator_tui.services.centres import list_centres

            with db.reading() as s:
                empty = not list_centres(s)
            if empty:
                from incubator_tui.services.demo import create_demo

                if was_on:
                    gc.enable()  # the demo's writes make garbage of their own
                create_demo(db)
                gc.disable()
        from incubator_tui.app import IncubatorApp
        from incubator_tui.config import load_config

        app = IncubatorApp(db, config=load_config(), exit_when_ready=args.exit_when_ready,
                           edit_district=args.edit_district, resume_gc=was_on)
        app.run()
    finally:
        if was_on:
            gc.enable()
    return app.return_code or 0


def cmd_demo(args: argparse.Namespace) -> int:
    from incubator_tui.services.demo import create_demo

    db = _open(args, create=True)
    report = create_demo(db, orgs=args.orgs, months=args.months, seed=args.seed)
    _out(t("cli.demo_done", path=str(db.path), centre=report.centre, orgs=report.orgs, first=report.first_month,
           last=report.last_month))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from incubator_tui.config import load_config
    from incubator_tui.services import imports

    db = _open(args, create=True)
    if args.kind in ("checklist", "holidays"):
        from incubator_tui.services import settings_imports

        fn = {"checklist": settings_imports.import_checklist, "holidays": settings_imports.import_holidays}[args.kind]
    else:
        fn = {"orgs": imports.import_orgs, "scores": imports.import_scores, "reviews": imports.import_reviews}[args.kind]
    try:
        report = fn(db, args.file, args.centre, load_config().operator)
    except BaseException:
        # A refused import into a path that had no database leaves none behind:
        # only the file this run made (or filled) is undone, never anything else.
        db.discard_if_new()
        raise
    for line in imports.report_lines(report):
        _out(line)
    return EXIT_OK


def _centres(session, name: str | None):
    from incubator_tui.services.centres import list_centres, resolve_centre

    centre = resolve_centre(session, name)
    return [centre] if centre is not None else list_centres(session)


def cmd_flags(args: argparse.Namespace) -> int:
    from incubator_tui.rules.scoring import format_total
    from incubator_tui.services.flags import compute_flags, default_as_of

    db = _open(args, create=False, read_only=True)
    result = []
    with db.reading() as s:  # SQL text only: the ORM is not imported
        centres = _centres(s, args.centre)
        for centre in centres:
            as_of = args.as_of or default_as_of(s, centre.id)
            if as_of is None:
                continue
            for f in compute_flags(s, centre.id, as_of, include_amber=False):
                result.append((centre.name, as_of, f))
    result.sort(key=lambda r: (r[2].org, r[0]))
    if args.json:
        _json([
            {"org": f.org, "streak": f.streak.count, "months": list(f.months),
             "totals": [_round2(x) for x in f.totals], "centre": centre_name, "as_of": as_of}
            for centre_name, as_of, f in result
        ])
        return EXIT_OK
    if not result:
        _out(t("cli.flags_none"))
        return EXIT_OK
    many = len(centres) > 1
    for centre_name, as_of, f in result:
        months = t("sep.comma").join(f"{m} {format_total(x)}" for m, x in zip(f.months, f.totals))
        prefix = f"[{centre_name}] " if many else ""
        _out(t("cli.flag_line", prefix=prefix, org=f.org, streak=f.streak.count, months=months, as_of=as_of))
    return EXIT_OK


def cmd_ratings(args: argparse.Namespace) -> int:
    from incubator_tui.rules.scoring import round_half_up
    from incubator_tui.services.reviews import ratings_for_year

    db = _open(args, create=False, read_only=True)
    rows = []
    with db.reading() as s:  # SQL text only: the ORM is not imported
        centres = _centres(s, args.centre)
        for centre in centres:
            rows.extend((centre.name, r) for r in ratings_for_year(s, centre.id, args.year))
    rows.sort(key=lambda r: (r[1].org, r[0]))
    if args.json:
        _json([
            {"org": r.org, "composite": None if r.composite is None else _round2(r.composite), "stars": r.stars,
             "centre": c, "finalised": r.finalised, "state": r.state}
            for c, r in rows
        ])
        return EXIT_OK
    if not rows:
        _out(t("cli.ratings_none", year=args.year))
        return EXIT_OK
    for _centre, r in rows:
        composite = "—" if r.composite is None else str(round_half_up(r.composite, 2))
        stars = "—" if r.stars is None else "★" * r.stars
        state = t("cli.finalised") if r.finalised else t("cli.live")
        _out(t("cli.rating_line", org=r.org, composite=composite, stars=stars, state=state))
    return EXIT_OK


def cmd_finalise(args: argparse.Namespace) -> int:
    """Finalise a year (DOMAIN 6): who was rated, who cannot be, the cases opened; exit 1 when
    nothing could be rated (also when everything was finalised before)."""
    from incubator_tui.rules.scoring import round_half_up
    from incubator_tui.services.reviews import finalise_year

    db = _open(args, create=False)
    rated = 0
    with db.session() as s:
        for centre in _centres(s, args.centre):
            res = finalise_year(s, centre.id, args.year, db_operator())
            rated += len(res.rated)
            for r in res.rated:
                composite = "—" if r.composite is None else str(round_half_up(r.composite, 2))
                _out(t("review.cli.rated", org=r.org, stars="★" * r.stars, composite=composite))
            for r in res.not_rated:
                _out(t("review.cli.cannot", org=r.org, what=t("sep.enum").join(t(f"rules.component.{c}") for c in r.missing)))
            for org, stars in res.cases_opened:
                _out(t("review.cli.case", org=org, stars=stars))
            if res.already:
                _out(t("review.cli.already", n=len(res.already)))
    if not rated:
        sys.stderr.write(f"{t('cli.error_prefix')}{t('review.cli.nothing', year=args.year)}\n")
        return EXIT_REJECTED
    return EXIT_OK


def db_operator() -> str:
    """Who the audit trail names for a command: the configured operator (the OS user by default)."""
    from incubator_tui.config import load_config

    return load_config().operator


def cmd_cases(args: argparse.Namespace) -> int:
    from incubator_tui.services.case_reasons import case_reasons
    from incubator_tui.services.cases import list_cases

    db = _open(args, create=False, read_only=True)
    with db.reading() as s:  # SQL text only: the ORM is not imported
        centre_ids = {c.id for c in _centres(s, args.centre)}
        rows = [c for c in list_cases(s) if c.centre_id in centre_ids]
        reasons = case_reasons(s) if rows and not args.json else {}
    if args.json:
        _json([
            {"org": c.org, "kind": c.kind, "state": c.state, "opened": c.opened_on.isoformat(),
             "months": list(c.months) if c.kind == "monthly" else [], "centre": c.centre}
            for c in rows
        ])
        return EXIT_OK
    if not rows:
        _out(t("cli.cases_none"))
        return EXIT_OK
    for c in rows:
        _out(t("cli.case_line", org=c.org, kind=t(f"case_kind.{c.kind}"), state=t(f"case_state.{c.state}"),
               opened=c.opened_on.isoformat(), reason=reasons.get(c.id, c.reason)))
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    from incubator_tui.errors import UsageError
    from incubator_tui.services import settings as service
    from incubator_tui.services.centres import list_centres, resolve_centre

    db = _open(args, create=False, read_only=True)
    with db.reading() as s:  # SQL text only: the ORM is not imported
        centre = resolve_centre(s, args.centre)
        if centre is None:
            names = [c.name for c in list_centres(s)]
            if names:
                raise UsageError("centre.needed", names=t("sep.enum").join(names))
            raise UserError("settings.no_centre")
        view = service.read_settings(s, centre.id, args.as_of or service.current_month(s, centre.id))
    if args.json:
        _json(service.settings_json(view))
    else:
        for line in service.settings_lines(view):
            _out(line)
    return EXIT_OK


COMMANDS = {None: cmd_app, "demo": cmd_demo, "import": cmd_import, "flags": cmd_flags, "ratings": cmd_ratings,
            "cases": cmd_cases, "finalise": cmd_finalise,
            "settings": cmd_settings}

from incubator_tui.cli_exchange import COMMANDS as _EXCHANGE_COMMANDS  # noqa: E402 (light: imports on use)

COMMANDS.update(_EXCHANGE_COMMANDS)


def main(argv: list[str] | None = None) -> int:
    global _opened
    _opened = None
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(_pre_language(argv))
    args = build_parser().parse_args(argv)
    if getattr(args, "lang", None):
        set_language(args.lang)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        sys.stderr.write(f"{t('cli.error_prefix')}{exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `incubator-tui cases | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the user gets a sentence, the log gets the traceback
        if _opened is not None and not _opened.healthy():  # a damaged page read as nonsense
            from incubator_tui.errors import DatabaseError

            sys.stderr.write(f"{t('cli.error_prefix')}{DatabaseError('db.corrupt', path=str(_opened.path))}\n")
            return EXIT_REJECTED
        log = _log_crash()
        sys.stderr.write(t("cli.internal_error", detail=f"{type(exc).__name__}: {exc}", log=log) + "\n")
        return EXIT_REJECTED
    finally:
        # Close every connection: the last close checkpoints the WAL into the file, so the
        # database is one complete file when the command ends (a copy of it is whole).
        if _opened is not None:
            _opened.dispose()


def _log_crash() -> str:
    import traceback

    from incubator_tui import paths

    try:
        path = paths.private_dir(paths.data_dir(), fix_existing=True) / "crash.log"
        with paths.open_private_append(path) as fh:  # 0600: a traceback may quote personal data
            fh.write(traceback.format_exc() + "\n")
        return str(path)
    except OSError:
        return "-"


if __name__ == "__main__":
    raise SystemExit(main())
