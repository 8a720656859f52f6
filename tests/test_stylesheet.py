"""The app's style sheet re-parses only what changed (start-up speed), and a new theme still
recolours everything."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.css.stylesheet import StylesheetParseError

from incubator_tui.app import IncubatorApp, ReusingStylesheet
from incubator_tui.config import Config
from tests.waiting import wait_until

ACCENT = "Static { background: $accent; }"
OTHER = "Label { color: red; }"


def _sheet() -> ReusingStylesheet:
    sheet = ReusingStylesheet(variables={"accent": "#ff0000"})
    sheet.add_source(ACCENT, read_from=("a.tcss", ""))
    sheet.parse()
    return sheet


def test_a_reparse_with_the_same_variables_parses_only_the_new_source() -> None:
    sheet = _sheet()
    before = list(sheet.rules)
    sheet.add_source(OTHER, read_from=("b.tcss", ""))  # a new screen's CSS
    sheet.set_variables({"accent": "#ff0000"})  # what App.refresh_css does, then reparse
    sheet.reparse()
    assert len(sheet.rules) == 2
    assert sheet.rules[0] is before[0]  # Textual's own reparse parses it again into new rules


def test_new_variables_parse_everything_again_with_their_values() -> None:
    sheet = _sheet()
    sheet.set_variables({"accent": "#0000ff"})
    sheet.reparse()
    assert sheet.rules[0].styles.background == Color.parse("#0000ff")


def test_a_broken_source_is_reported_and_the_rules_in_force_stay() -> None:
    sheet = _sheet()
    before = list(sheet.rules)
    sheet.add_source("Static { colour: red; }", read_from=("bad.tcss", ""))
    with pytest.raises(StylesheetParseError):
        sheet.reparse()
    assert sheet.rules == before


async def test_the_app_recolours_on_a_new_theme(db, centre) -> None:
    app = IncubatorApp(db, config=Config(operator="tester", keys={}))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: getattr(app.screen, "loaded", False), what="the dashboard")
        assert isinstance(app.stylesheet, ReusingStylesheet)
        dark = app.screen.styles.background
        app.theme = "textual-light"
        await pilot.pause()
        light = Color.parse(app.get_css_variables()["background"])
        assert light != dark and app.screen.styles.background == light
