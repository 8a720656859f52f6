"""导入文件 (the palette's "Import a file…"): a path, what the file holds, the report.

The dialog only collects the path and the kind and shows what the import
services report (``services.imports``, ``services.settings_imports``): the
same all-or-nothing imports as ``incubator-tui import``, into the centre the
app works on, in a worker; the report names what was added or changed and the
cases the import opened, a refusal names the file's line and column.  Paths
and reports are shown as text, never as markup (``widgets.safe_text``).
Other screens read the new data when shown again (the change stamp).
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from incubator_tui.i18n import t
from incubator_tui.screens.base import BaseModal
from incubator_tui.widgets.safe_text import message, plain

KINDS = ("orgs", "scores", "reviews", "checklist", "holidays")


class ImportModal(BaseModal):
    """A file into the current centre: type the path, Enter, choose the kind, Enter."""

    CSS_PATH = "import_modal.tcss"

    BINDINGS = [Binding("escape", "close", "key.close", id="import.close")]

    busy = False
    imported = False  # something was imported (the caller may reload)

    def compose(self) -> ComposeResult:
        # The dialog scrolls as a whole: at 80×24 a long report still has room below the form.
        with VerticalScroll(id="import", classes="dialog"):
            yield Static(message("importer.title", centre=self.iapp.centre_name), classes="dialog-title",
                         markup=False)
            yield Static(message("importer.intro"), classes="dialog-text", markup=False)
            yield Label(message("importer.path"), classes="field-label", markup=False)
            yield Input("", id="import-path", compact=True)
            yield Label(message("importer.kind"), classes="field-label", markup=False)
            yield OptionList(*[Option(Content(f"{t(f'importer.kind.{k}')}  ({k})"), id=k) for k in KINDS],
                             id="import-kinds", compact=True)
            yield Static("", id="import-message", markup=False)
            yield Static(message("importer.hint"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def _say(self, text: str, kind: str = "") -> None:
        msg = self.query_one("#import-message", Static)
        msg.update(plain(text))  # file names, org names and cells are shown as they are
        msg.set_class(kind == "error", "-error")
        msg.set_class(kind == "success", "-success")

    def report_text(self) -> str:
        """What the dialog says now (the report, a refusal or a prompt), as plain text."""
        return str(self.query_one("#import-message", Static).render())

    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(self.imported)

    def _path(self) -> Path | None:
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            self._say(t("importer.path_required"), "error")
            return None
        path = Path(raw).expanduser()
        if not path.is_file():
            self._say(t("importer.no_file", path=str(path)), "error")
            return None
        return path

    @on(Input.Submitted, "#import-path")
    def _submitted(self) -> None:
        if self.busy:
            return
        if self._path() is not None:
            self._say("")
            self.query_one("#import-kinds", OptionList).focus()

    @on(OptionList.OptionSelected, "#import-kinds")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if self.busy or not event.option.id:
            return
        path = self._path()
        if path is None:
            self.query_one("#import-path", Input).focus()
            return
        self.busy = True
        self._say(t("importer.running", file=path.name))
        self._run(event.option.id, path)

    @work(thread=True, exclusive=True, group="import")
    def _run(self, kind: str, path: Path) -> None:
        from incubator_tui.errors import UserError
        from incubator_tui.services import imports, settings_imports

        fn = {"orgs": imports.import_orgs, "scores": imports.import_scores, "reviews": imports.import_reviews,
              "checklist": settings_imports.import_checklist, "holidays": settings_imports.import_holidays}[kind]
        app = self.iapp
        try:
            report = fn(app.db, path, app.centre_name, app.operator)
        except UserError as err:
            self.from_worker(self._done, False, str(err))
        except OSError as err:
            self.from_worker(self._done, False, t("importer.os_error", detail=err.strerror or str(err)))
        else:
            self.from_worker(self._done, True, "\n".join(imports.report_lines(report)))

    def _done(self, ok: bool, text: str) -> None:
        self.busy = False
        self.imported = self.imported or ok
        self._say(text, "success" if ok else "error")
        self.query_one("#import", VerticalScroll).scroll_end(animate=False)  # the report, in view


def import_from_palette(app) -> None:  # noqa: ANN001 - the app
    """The palette's "Import a file…"; the screen underneath reloads if something was imported."""
    if app.centre_id is None or isinstance(app.screen, ImportModal):
        return
    app.push_screen(ImportModal(), lambda imported: _after_import(app, imported))


def _after_import(app, imported: bool) -> None:  # noqa: ANN001
    if not imported:
        return
    reload = getattr(app.screen, "reload", None)
    if reload is not None:
        reload()
