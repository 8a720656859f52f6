"""The command palette (ctrl+p): secondary actions, found by typing.

Go to each screen, switch centre (in a district database with several; also to all
centres at once),
export, import a file, backup, restore, settings, help, theme, quit.  Titles come
from the catalogue, so the palette speaks the app's language; each command is also
found by its other names in both languages (``palette.names.*``: ``export`` finds
导出 in the Chinese app, 导出 finds Export in the English one), ranked so that the
command a word names comes first (:func:`rank`).  A query that finds nothing gets
a line in the app's language (Textual's own "No matches found" is English only).
A centre's name is shown literally: hits carry ``Content`` (the palette would read
a ``str`` as markup) and help lines are escaped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from incubator_tui.i18n import t, texts
from incubator_tui.screens.contract import SCREENS_IN_ORDER
from incubator_tui.widgets.safe_text import escape_markup, plain


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]
    names: tuple[str, ...] = ()  # other words that find it (both languages)
    first: bool = False  # comes first among matches as good (switching centre, for 切换)


def names(*keys: str, **params: str) -> tuple[str, ...]:
    """The search words of catalogue ``keys`` in every language (``|`` separates several)."""
    out: list[str] = []
    for key in keys:
        for text in texts(key, **params):
            out.extend(w.strip() for w in text.split("|") if w.strip())
    return tuple(dict.fromkeys(out))


def rank(query: str, cmd: PaletteCommand, fuzzy: Callable[[str], float]) -> float:
    """How well ``query`` names ``cmd`` (0: not at all).  A whole name typed (4) comes before a
    title that starts with it (3), before a title or name that holds it (2), before a fuzzy
    match (1); within a tier a command marked ``first`` leads, then Textual's fuzzy score decides."""
    q = query.strip().casefold()
    if not q:
        return 0.0
    title = cmd.title.casefold()
    words = [w.casefold() for w in cmd.names]
    score = max((fuzzy(c) for c in (cmd.title, *cmd.names)), default=0.0)
    if q == title or q in words:
        tier = 4
    elif title.startswith(q):
        tier = 3
    elif q in title or any(q in w for w in words):
        tier = 2
    elif score > 0:
        tier = 1
    else:
        return 0.0
    return tier + (0.5 if cmd.first else 0.0) + 0.5 * score / (score + 100)


def for_one_centre(app, action: Callable[[], object]) -> None:  # noqa: ANN001 - the app
    """``action`` (done for one centre: an import); in the all-centres view, once a centre is chosen."""
    if getattr(app, "all_centres", False):
        app.choose_centre(then=action)
    else:
        action()


def _nothing() -> None:
    """The "no matching command" line does nothing when chosen (the palette closes)."""


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
                                              partial(app.action_goto, mode),
                                              names(f"key.{mode}", f"app.cmd.goto.{mode}", f"palette.names.{mode}",
                                                    "app.cmd.goto_help")))
            scope = tuple(getattr(app, "scope", ()) or (app.centre_id,))
            for centre in self.centres:
                if scope != (centre.id,):
                    out.append(PaletteCommand(t("app.cmd.switch_centre", name=centre.name),
                                              t("app.cmd.switch_centre_help"),
                                              partial(app.switch_centre, centre),
                                              names("app.cmd.switch_centre", "palette.names.switch_centre",
                                                    name=centre.name) + (centre.name,), first=True))
            if len(self.centres) > 1 and len(scope) < len(self.centres):  # the all-centres view
                everyone = t("district.all_centres")
                out.append(PaletteCommand(t("app.cmd.switch_centre", name=everyone), t("district.cmd.all_help"),
                                          partial(app.switch_scope, None),
                                          names("app.cmd.switch_centre", "palette.names.switch_centre",
                                                "district.all_centres", name=everyone), first=True))
            from incubator_tui.screens.export_modal import backup_from_palette, restore_from_palette
            from incubator_tui.screens.import_modal import import_from_palette

            out.append(PaletteCommand(t("palette.export"), self._help("palette.export_help", "export", keys),
                                      app.action_export, names("palette.export", "palette.names.export")))
            out.append(PaletteCommand(t("palette.import"), t("palette.import_help"),
                                      partial(for_one_centre, app, partial(import_from_palette, app)),
                                      names("palette.import", "palette.names.import")))
            out.append(PaletteCommand(t("exchange.cmd.backup"), t("exchange.cmd.backup_help"),
                                      partial(backup_from_palette, app),
                                      names("exchange.cmd.backup", "palette.names.backup")))
            out.append(PaletteCommand(t("exchange.cmd.restore"), t("exchange.cmd.restore_help"),
                                      partial(restore_from_palette, app),
                                      names("exchange.cmd.restore", "palette.names.restore")))
            out.append(PaletteCommand(t("app.command.settings"),
                                      self._help("app.command.settings_help", "settings", keys), app.action_settings,
                                      names("app.command.settings", "palette.names.settings")))
        out.append(PaletteCommand(t("app.cmd.help"), self._help("app.cmd.help_help", "help", keys), app.action_help,
                                  names("app.cmd.help", "key.help", "palette.names.help")))
        out.append(PaletteCommand(t("app.cmd.theme"), t("app.cmd.theme_help"), app.action_change_theme,
                                  names("app.cmd.theme", "palette.names.theme")))
        out.append(PaletteCommand(t("app.cmd.quit"), self._help("app.cmd.quit_help", "quit", keys), app.exit,
                                  names("app.cmd.quit", "key.quit", "palette.names.quit")))
        return out

    async def discover(self) -> Hits:
        for cmd in self.commands():
            yield DiscoveryHit(plain(cmd.title), cmd.run, text=cmd.title, help=escape_markup(cmd.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = False
        for cmd in self.commands():
            score = rank(query, cmd, matcher.match)
            if score > 0:
                found = True
                yield Hit(score, highlight(matcher, cmd.title), cmd.run, text=cmd.title,
                          help=escape_markup(cmd.help))
        if not found and query.strip():
            yield Hit(0.001, plain(t("palette.no_matches"), "italic"), _nothing, text=t("palette.no_matches"),
                      help=escape_markup(t("palette.no_matches_help")))


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
