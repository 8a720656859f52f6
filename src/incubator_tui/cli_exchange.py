"""The exchange commands of the command line (DOMAIN 10): export, merge, backup, restore.

Kept beside ``cli.py`` (which registers them) so the district exchange grows
without rewriting the other commands.  Same rules: headless, lazy imports,
one sentence on stderr and exit 1 for rejected input, 2 for usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from incubator_tui.i18n import t


def add_parsers(sub) -> None:  # noqa: ANN001 - argparse's sub-parsers action
    from incubator_tui.cli import _common, _month_arg, _year_arg

    export = sub.add_parser("export", help=t("exchange.cli.help_export"), description=t("exchange.cli.help_export"))
    _common(export, top=False)
    export.add_argument("kind", choices=("sqlite", "xlsx", "sheet"), metavar="KIND", help=t("cli.help_export_kind"))
    export.add_argument("out", type=Path, metavar="OUT", help=t("cli.help_export_out"))
    export.add_argument("--centre", metavar="NAME", help=t("cli.help_centre"))
    export.add_argument("--redact-contacts", action="store_true", help=t("exchange.cli.help_redact"))
    export.add_argument("--year", type=_year_arg, metavar="YYYY", help=t("cli.help_export_year"))
    export.add_argument("--month", type=_month_arg, metavar="YYYY-MM", help=t("cli.help_export_month"))

    merge = sub.add_parser("merge", help=t("exchange.cli.help_merge"), description=t("exchange.cli.help_merge"))
    _common(merge, top=False)
    merge.add_argument("district", type=Path, metavar="DISTRICT_DB", help=t("cli.help_merge_district"))
    merge.add_argument("inputs", type=Path, nargs="+", metavar="IN", help=t("cli.help_merge_inputs"))
    merge.add_argument("--force", action="store_true", help=t("exchange.cli.help_force"))

    backup = sub.add_parser("backup", help=t("exchange.cli.help_backup"), description=t("exchange.cli.help_backup"))
    _common(backup, top=False)

    restore = sub.add_parser("restore", help=t("exchange.cli.help_restore"),
                             description=t("exchange.cli.help_restore"))
    _common(restore, top=False)
    restore.add_argument("file", type=Path, metavar="FILE", help=t("cli.help_restore_file"))


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def cmd_export(args: argparse.Namespace) -> int:
    from incubator_tui.cli import EXIT_OK, _open, _out
    from incubator_tui.config import load_config

    if args.kind == "sqlite":
        if args.year is not None or args.month is not None:
            return _usage(t("exchange.cli.export_sqlite_options"))
        from incubator_tui.services.exchange import export_sqlite

        db = _open(args, create=False)
        report = export_sqlite(db, args.out, centre=args.centre, redact=args.redact_contacts,
                               operator=load_config().operator)
        line = t("exchange.exported", centre=report.centre, sequence=report.sequence, path=str(report.path),
                 rows=report.rows, size=_size(report.size))
        _out(line + (t("exchange.exported_redacted") if report.redacted else ""))
        return EXIT_OK
    if args.redact_contacts:
        return _usage(t("exchange.cli.export_redact_sqlite_only"))
    from incubator_tui.services import xlsx_export

    if args.kind == "sheet":
        if args.month is None:
            return _usage(t("exchange.cli.export_sheet_needs_month"))
        db = _open(args, create=False)
        report = xlsx_export.write_inspection_sheet(db, args.out, args.month, centre=args.centre)
    else:
        if args.month is not None:
            return _usage(t("exchange.cli.export_xlsx_options"))
        db = _open(args, create=False)
        report = xlsx_export.write_workbook(db, args.out, year=args.year, centre=args.centre)
    _out(t("xlsx.written", path=str(report.path), centre=report.centre, what=report.what))
    return EXIT_OK


def _usage(message: str) -> int:
    from incubator_tui.cli import EXIT_USAGE

    sys.stderr.write(message + "\n")
    return EXIT_USAGE


def cmd_merge(args: argparse.Namespace) -> int:
    from incubator_tui.cli import EXIT_OK, EXIT_REJECTED, _out
    from incubator_tui.config import load_config
    from incubator_tui.services.merge import MergeRefused, merge

    try:
        report = merge(args.district, args.inputs, force=args.force, operator=load_config().operator)
    except MergeRefused as refused:
        prefix = t("cli.error_prefix")
        for line in refused.lines:
            sys.stderr.write(f"{prefix}{line}\n")
        sys.stderr.write(f"{prefix}{refused}\n")
        return EXIT_REJECTED
    for line in report_lines(report):
        _out(line)
    return EXIT_OK


def report_lines(report) -> list[str]:  # noqa: ANN001 - a MergeReport
    key = "merge.report_created" if report.created else "merge.report_header"
    lines = [t(key, path=str(report.district))]
    for r in report.results:
        action = t(f"merge.action.{r.action}", previous=r.previous)
        line = t("merge.line", centre=r.centre, sequence=r.sequence, exported=r.exported_at, action=action,
                 added=r.added, changed=r.changed)
        if r.removed:
            line += t("merge.line_removed", removed=r.removed)
        lines.append("  " + line)
    if not report.changed_anything:
        lines.append(t("merge.nothing"))
    return lines


def cmd_backup(args: argparse.Namespace) -> int:
    from incubator_tui import paths
    from incubator_tui.cli import EXIT_OK, _open, _out
    from incubator_tui.services.backup import backup_now

    db = _open(args, create=False)
    result = backup_now(db, paths.backup_dir())
    _out(t("backup.done", path=str(result.path), size=_size(result.size)))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from incubator_tui import paths
    from incubator_tui.cli import EXIT_OK, _db_path, _out
    from incubator_tui.services.backup import restore

    target, _explicit = _db_path(args)
    result = restore(args.file, target, paths.backup_dir())
    _out(t("restore.done", path=str(result.target), source=str(result.source)))
    if result.kept is not None:
        _out(t("restore.kept", path=str(result.kept)))
    return EXIT_OK


COMMANDS = {"export": cmd_export, "merge": cmd_merge, "backup": cmd_backup, "restore": cmd_restore}
