"""导出与备份 (ctrl+e): the district exchange's exports and a backup, chosen by keys.

``s`` the SQLite export for the district, ``r`` the same without contacts and
phones, ``x`` the Excel report of a year, ``i`` the blank inspection sheet of a
month, ``b`` a backup now.  Each runs in a worker (the screen shows its
progress) and says where the file went.  The screen only collects the folder,
year and month and shows what the services (``services.exchange``,
``services.xlsx_export``, ``services.backup``) report; it never overwrites a
file (names get -2, -3…).  The palette's restore opens :class:`RestoreModal`,
which asks for the file, then for a confirmation.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal
from incubator_tui.widgets.safe_text import message, plain

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
KINDS = ("sqlite", "redacted", "xlsx", "sheet", "backup")
_STEPS = {"snapshot": 1, "scope": 2, "write": 3}


def default_folder() -> Path:
    """The user's Documents folder when there is one, else the home folder."""
    home = Path.home()
    docs = home / "Documents"
    return docs if docs.is_dir() else home


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """``<folder>/<stem><suffix>``, with -2, -3… so that nothing is overwritten."""
    stem = _UNSAFE.sub("_", stem).strip(" .") or "incubator"
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def default_path(centre_name: str, month: str, folder: Path | None = None) -> Path:
    """The district export's default name: ``<folder>/<centre>-<YYYY-MM>.sqlite``."""
    return unique_path(folder or default_folder(), f"{centre_name}-{month}", ".sqlite")


def target_for(kind: str, centre: str, folder: Path, year: int, month: str) -> Path:
    if kind == "sqlite":
        return unique_path(folder, f"{centre}-{month}", ".sqlite")
    if kind == "redacted":
        return unique_path(folder, f"{centre}-{month}-{t('export.name.redacted')}", ".sqlite")
    if kind == "xlsx":
        return unique_path(folder, f"{centre}-{year}-{t('export.name.report')}", ".xlsx")
    return unique_path(folder, f"{centre}-{month}-{t('export.name.sheet')}", ".xlsx")


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class ExportModal(BaseModal):
    """ctrl+e: the exports and a backup, by keys, in a worker with progress."""

    CSS_PATH = "export_modal.tcss"

    BINDINGS = [
        Binding("s", "run('sqlite')", "export.key.sqlite", id="export.sqlite"),
        Binding("r", "run('redacted')", "export.key.redacted", id="export.redacted"),
        Binding("x", "run('xlsx')", "export.key.xlsx", id="export.xlsx"),
        Binding("i", "run('sheet')", "export.key.sheet", id="export.sheet"),
        Binding("b", "run('backup')", "export.key.backup", id="export.backup"),
        Binding("escape", "close", "key.close", id="export.close"),
    ]

    busy = False
    written: Path | None = None

    def __init__(self, start: str | None = None) -> None:
        super().__init__()
        self.start = start  # run this at once (the palette's "backup now")

    def compose(self) -> ComposeResult:
        from incubator_tui.services.clock import current_month

        month = current_month()
        with Vertical(id="export", classes="dialog"):
            yield Static(message("export.title"), classes="dialog-title", markup=False)
            yield Static(message("export.intro", centre=self.iapp.centre_name), classes="dialog-text", markup=False)
            yield OptionList(*[Option(Content(t(f"export.option.{k}")), id=k) for k in KINDS], id="export-kinds")
            yield Label(message("export.folder"), classes="field-label", markup=False)
            yield Input(str(default_folder()), id="export-folder")
            with Horizontal(id="export-when"):
                yield Label(message("export.year"), classes="field-label", markup=False)
                yield Input(month[:4], id="export-year", restrict=r"[0-9]{0,4}", max_length=4)
                yield Label(message("export.month"), classes="field-label", markup=False)
                yield Input(month, id="export-month", max_length=10)
            yield ProgressBar(total=3, show_eta=False, id="export-progress")
            yield Static("", id="export-message", markup=False)
            yield Static(message("export.hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-progress", ProgressBar).display = False
        self.query_one("#export-kinds", OptionList).focus()
        if self.start:
            self.action_run(self.start)

    def _say(self, text: str, kind: str = "") -> None:
        msg = self.query_one("#export-message", Static)
        msg.update(plain(text))  # paths and names are shown as they are, never as markup
        msg.set_class(kind == "error", "-error")
        msg.set_class(kind == "success", "-success")

    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(self.written)

    @on(OptionList.OptionSelected, "#export-kinds")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.action_run(event.option.id)

    def action_run(self, kind: str) -> None:
        """Check what was typed, then run ``kind`` in a worker."""
        from incubator_tui.rules.errors import DomainError
        from incubator_tui.rules.months import parse_month

        if self.busy:
            return
        year_text = self.query_one("#export-year", Input).value.strip()
        month_text = self.query_one("#export-month", Input).value.strip()
        folder = Path(self.query_one("#export-folder", Input).value.strip() or ".").expanduser()
        if kind != "backup" and not folder.is_dir():
            self._say(t("export.no_folder", folder=str(folder)), "error")
            return
        if not (len(year_text) == 4 and year_text.isdigit()):
            self._say(t("export.bad_year", value=year_text), "error")
            return
        try:
            month = parse_month(month_text)
        except DomainError:
            self._say(t("export.bad_month", value=month_text), "error")
            return
        dest = None if kind == "backup" else target_for(kind, self.iapp.centre_name, folder, int(year_text), month)
        self.busy = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=3 if kind in ("sqlite", "redacted") else None, progress=0)
        self._say(t("export.running", what=t(f"export.option.{kind}")))
        self._run(kind, dest, int(year_text), month)

    @work(thread=True, exclusive=True, group="export")
    def _run(self, kind: str, dest: Path | None, year: int, month: str) -> None:
        from incubator_tui.errors import UserError

        app = self.iapp
        try:
            if kind in ("sqlite", "redacted"):
                from incubator_tui.services.exchange import export_sqlite

                report = export_sqlite(app.db, dest, centre=app.centre_name, redact=kind == "redacted",
                                       operator=app.operator, progress=lambda step: self.from_worker(self._step, step))
                text = t("exchange.exported", centre=report.centre, sequence=report.sequence, path=str(report.path),
                         rows=report.rows, size=_size(report.size))
                if report.redacted:
                    text += t("exchange.exported_redacted")
                path = report.path
            elif kind == "xlsx":
                from incubator_tui.services.xlsx_export import write_workbook

                report = write_workbook(app.db, dest, year=year, centre=app.centre_name)
                text, path = t("xlsx.written", path=str(report.path), centre=report.centre, what=report.what), dest
            elif kind == "sheet":
                from incubator_tui.services.xlsx_export import write_inspection_sheet

                report = write_inspection_sheet(app.db, dest, month, centre=app.centre_name)
                text, path = t("xlsx.written", path=str(report.path), centre=report.centre, what=report.what), dest
            else:
                from incubator_tui import paths
                from incubator_tui.services.backup import backup_now

                result = backup_now(app.db, paths.backup_dir())
                text, path = t("backup.done", path=str(result.path), size=_size(result.size)), result.path
        except UserError as err:
            self.from_worker(self._done, None, str(err))
        except OSError as err:
            self.from_worker(self._done, None, t("export.os_error", detail=err.strerror or str(err)))
        else:
            self.from_worker(self._done, path, text)

    def _step(self, step: str) -> None:
        if step in _STEPS:
            self.query_one("#export-progress", ProgressBar).update(total=3, progress=_STEPS[step])

    def _done(self, path: Path | None, text: str) -> None:
        self.busy = False
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=1, progress=1 if path is not None else 0)
        if path is None:
            self._say(text, "error")
            return
        self.written = path
        self._say(text, "success")


class RestoreModal(BaseModal):
    """The palette's restore: the file to restore from, then a confirmation, then the restore."""

    CSS_PATH = "export_modal.tcss"

    BINDINGS = [Binding("escape", "close", "key.close", id="restore.close")]

    busy = False
    confirming: Path | None = None
    done = False

    def compose(self) -> ComposeResult:
        with Vertical(id="restore", classes="dialog"):
            yield Static(message("restore.title"), classes="dialog-title", markup=False)
            yield Static(message("restore.intro", path=str(self.iapp.db.path)), classes="dialog-text", markup=False)
            yield Label(message("restore.path"), classes="field-label", markup=False)
            yield Input("", id="restore-path")
            yield Static("", id="restore-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#restore-path", Input).focus()

    def _say(self, text: str, kind: str = "") -> None:
        msg = self.query_one("#restore-message", Static)
        msg.update(plain(text))
        msg.set_class(kind == "error", "-error")
        msg.set_class(kind == "success", "-success")

    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(self.done)

    @on(Input.Changed, "#restore-path")
    def _typed(self) -> None:
        self.confirming = None  # a new path needs a new confirmation

    @on(Input.Submitted, "#restore-path")
    def _submitted(self) -> None:
        if self.busy or self.done:
            return
        raw = self.query_one("#restore-path", Input).value.strip()
        if not raw:
            self._say(t("restore.path_required"), "error")
            return
        source = Path(raw).expanduser()
        if self.confirming != source:
            if not source.is_file():
                self._say(t("exchange.missing", path=str(source)), "error")
                return
            self.confirming = source
            self._say(t("restore.confirm", path=str(source), db=str(self.iapp.db.path)))
            return
        self.busy = True
        self._say(t("restore.running"))
        self._restore(source)

    @work(thread=True, exclusive=True, group="restore")
    def _restore(self, source: Path) -> None:
        from incubator_tui import paths
        from incubator_tui.errors import UserError
        from incubator_tui.services.backup import check_restorable, restore

        db = self.iapp.db
        try:
            check_restorable(source)  # before the app lets go of its connections
            db.dispose()
            result = restore(source, db.path, paths.backup_dir())
        except UserError as err:
            self.from_worker(self._done, False, str(err))
        except OSError as err:
            self.from_worker(self._done, False, t("export.os_error", detail=err.strerror or str(err)))
        else:
            text = t("restore.done", path=str(result.target), source=str(result.source))
            if result.kept is not None:
                text += " " + t("restore.kept", path=str(result.kept))
            self.from_worker(self._done, True, text)

    def _done(self, ok: bool, text: str) -> None:
        self.busy = False
        self.done = self.done or ok
        self.confirming = None
        self._say(text, "success" if ok else "error")


def backup_from_palette(app) -> None:  # noqa: ANN001 - the app
    """The palette's "backup now": the export screen, running the backup at once."""
    if app.centre_id is not None and not isinstance(app.screen, ExportModal):
        app.push_screen(ExportModal(start="backup"))


def restore_from_palette(app) -> None:  # noqa: ANN001 - the app
    """The palette's "restore": asks for the file, confirms, restores; the screens reload after."""
    if isinstance(app.screen, RestoreModal):
        return
    app.push_screen(RestoreModal(), lambda done: _after_restore(app, done))


def _after_restore(app, done: bool) -> None:  # noqa: ANN001
    if not done:
        return
    from incubator_tui.services.dashboard import list_centres

    with app.db.reading() as conn:
        centres = list_centres(conn)
    if centres and all(c.id != app.centre_id for c in centres):
        app.run_worker(app.switch_centre(centres[0]))
    else:
        reload = getattr(app.screen, "reload", None)
        if reload is not None:
            reload()
