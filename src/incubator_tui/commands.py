"""The command palette (ctrl+p): secondary actions, found by typing.

Go to each screen, switch centre (in a district database with several),
export, help, theme, quit.  Titles come from the catalogue, so the palette
speaks the app's language.  A centre's name is shown literally: hits carry
``Content`` (the palette would read a ``str`` as markup) and help lines are escaped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from incubator_tui.i18n import t
from incubator_tui.screens.contract import SCREENS_IN_ORDER
from incubator_tui.widgets.safe_text import escape_markup, plain


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


class IncubatorCommands(Provider):
    """The app's commands for the palette."""

    centres: list = []

    async def startup(self) -> None:
        app = self.app
        if getattr(app, "centre_id", None) is None:
            return

        def load() -> list:
            from incubator_tui.services.access import read
            from incubator_tui.services.dashboard import list_centres

            return read(app.db, list_centres)

        self.centres = await asyncio.to_thread(load)

    def keys(self) -> dict[str, str]:
        """action -> the key that does it on the calling screen (after the user's remapping)."""
        out: dict[str, str] = {}
        for active in self.screen.active_bindings.values():
            out.setdefault(active.binding.action, self.app.get_key_display(active.binding))
        return out

    def _help(self, text_key: str, action: str, keys: dict[str, str]) -> str:
        key = keys.get(action)
        return t(text_key) + (t("app.cmd.key", key=key) if key else "")

    def commands(self) -> list[PaletteCommand]:
        app = self.app
        keys = self.keys()
        out: list[PaletteCommand] = []
        if getattr(app, "centre_id", None) is not None:
            for mode in SCREENS_IN_ORDER:
                if mode != app.current_mode:
                    out.append(PaletteCommand(t(f"app.cmd.goto.{mode}"),
                                              self._help("app.cmd.goto_help", f"goto('{mode}')", keys),
                                              partial(app.action_goto, mode)))
            for centre in self.centres:
                if centre.id != app.centre_id:
                    out.append(PaletteCommand(t("app.cmd.switch_centre", name=centre.name),
                                              t("app.cmd.switch_centre_help"),
                                              partial(app.switch_centre, centre)))
            out.append(PaletteCommand(t("app.cmd.export"), self._help("app.cmd.export_help", "export", keys),
                                      app.action_export))
            from incubator_tui.screens.export_modal import backup_from_palette, restore_from_palette

            out.append(PaletteCommand(t("exchange.cmd.backup"), t("exchange.cmd.backup_help"),
                                      partial(backup_from_palette, app)))
            out.append(PaletteCommand(t("exchange.cmd.restore"), t("exchange.cmd.restore_help"),
                                      partial(restore_from_palette, app)))
            out.append(PaletteCommand(t("app.command.settings"),
                                      self._help("app.command.settings_help", "settings", keys), app.action_settings))
        out.append(PaletteCommand(t("app.cmd.help"), self._help("app.cmd.help_help", "help", keys), app.action_help))
        out.append(PaletteCommand(t("app.cmd.theme"), t("app.cmd.theme_help"), app.action_change_theme))
        out.append(PaletteCommand(t("app.cmd.quit"), self._help("app.cmd.quit_help", "quit", keys), app.exit))
        return out

    async def discover(self) -> Hits:
        for cmd in self.commands():
            yield DiscoveryHit(plain(cmd.title), cmd.run, text=cmd.title, help=escape_markup(cmd.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for cmd in self.commands():
            score = matcher.match(cmd.title)
            if score > 0:
                yield Hit(score, highlight(matcher, cmd.title), cmd.run, text=cmd.title,
                          help=escape_markup(cmd.help))


def highlight(matcher, title: str) -> Content:  # noqa: ANN001 - a textual.fuzzy.Matcher
    """``matcher.highlight`` reads its candidate as markup: the same highlighting on the title
    taken literally."""
    content = plain(title)
    score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    if score:
        for offset in offsets:
            if not title[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
