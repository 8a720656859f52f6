"""数据库快照: a consistent copy of the whole database, to hand to the district.

It is SQLite's online backup (``Database.backup_to``), so the copy is
consistent even while the app writes.  It is honestly a snapshot, not yet the
district export with its metadata (sequence number, checksum), which comes
later.  The copy is written beside the target under a temporary name and
renamed when complete and checked, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def default_folder() -> Path:
    """The user's Documents folder when there is one, else the home folder."""
    home = Path.home()
    docs = home / "Documents"
    return docs if docs.is_dir() else home


def default_path(centre_name: str, month: str, folder: Path | None = None) -> Path:
    """``<folder>/<centre>-<YYYY-MM>.sqlite``, with -2, -3… so that nothing is overwritten."""
    folder = folder or default_folder()
    stem = _UNSAFE.sub("_", centre_name).strip(" .") or "incubator"
    path = folder / f"{stem}-{month}.sqlite"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{month}-{n}.sqlite"
        n += 1
    return path


def write_snapshot(db, dest: Path) -> int:  # noqa: ANN001 - a Database
    """Write the snapshot to ``dest`` (which must not exist); returns its size in bytes.

    Raises ``ValueError`` with a catalogue key for what the user must change.
    """
    import sqlite3

    if dest.exists():
        raise ValueError("app.export.exists")
    if not dest.parent.is_dir():
        raise ValueError("app.export.no_folder")
    part = dest.with_name(dest.name + ".part")
    try:
        db.backup_to(part)
        con = sqlite3.connect(part)
        try:
            ok = con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            con.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            con.close()
        if not ok:
            raise ValueError("app.export.check_failed")
        os.replace(part, dest)
    finally:
        for leftover in (part, Path(str(part) + "-wal"), Path(str(part) + "-shm")):
            if leftover.exists():
                leftover.unlink()
    return dest.stat().st_size


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class ExportModal(BaseModal):
    """ctrl+e: write the database snapshot to a file the user can change."""

    BINDINGS = [
        Binding("escape", "close", "key.close", id="export.close"),
    ]

    busy = False
    written: Path | None = None

    def compose(self) -> ComposeResult:
        from incubator_tui.services.clock import current_month

        with Vertical(id="export", classes="dialog"):
            yield Static(t("app.export.title"), classes="dialog-title")
            yield Static(t("app.export.intro", centre=self.iapp.centre_name), classes="dialog-text")
            yield Label(t("app.export.path"), classes="field-label")
            yield Input(str(default_path(self.iapp.centre_name, current_month())), id="export-path")
            yield Static("", id="export-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("app.export.write"), id="export-write", variant="primary")
                yield Button(t("app.export.close"), id="export-close")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def _say(self, message: str, kind: str = "") -> None:
        msg = self.query_one("#export-message", Static)
        msg.update(message)
        msg.set_class(kind == "error", "-error")
        msg.set_class(kind == "success", "-success")

    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(self.written)

    @on(Button.Pressed, "#export-close")
    def _close(self) -> None:
        self.action_close()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-write")
    def _write_pressed(self) -> None:
        if self.busy:
            return
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._say(t("app.export.path_required"), "error")
            return
        from incubator_tui.services.clock import current_month

        dest = Path(raw).expanduser()
        if dest.is_dir():
            dest = default_path(self.iapp.centre_name, current_month(), dest)
            self.query_one("#export-path", Input).value = str(dest)
        self.busy = True
        self.query_one("#export-write", Button).disabled = True
        self._say(t("app.export.writing"))
        self._write(dest)

    @work(thread=True, exclusive=True, group="export")
    def _write(self, dest: Path) -> None:
        try:
            size = write_snapshot(self.iapp.db, dest)
        except ValueError as err:
            self.from_worker(self._done, dest, None, t(str(err), path=str(dest), folder=str(dest.parent)))
        except OSError as err:
            message = t("app.export.os_error", path=str(dest), detail=err.strerror or str(err))
            self.from_worker(self._done, dest, None, message)
        else:
            self.from_worker(self._done, dest, size, "")

    def _done(self, dest: Path, size: int | None, error: str) -> None:
        self.busy = False
        self.query_one("#export-write", Button).disabled = False
        if size is None:
            self._say(error, "error")
            return
        self.written = dest
        self._say(t("app.export.done", path=str(dest), size=_size(size)), "success")
        self.query_one("#export-close", Button).focus()
