"""Fixtures that isolate every test from the user's real data and config."""

from __future__ import annotations

from pathlib import Path

import pytest

from incubator_tui.db import Database, open_database
from incubator_tui.i18n import set_language


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCUBATOR_TUI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INCUBATOR_TUI_DB", str(tmp_path / "default.sqlite"))
    monkeypatch.setenv("INCUBATOR_TUI_BUSY_MS", "300")
    monkeypatch.delenv("INCUBATOR_TUI_LANG", raising=False)
    set_language("zh")
    yield
    set_language("zh")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite"


@pytest.fixture
def db(db_path: Path) -> Database:
    database = open_database(db_path, create=True)
    yield database
    database.dispose()


@pytest.fixture
def centre(db: Database):
    """A centre with the default checklist (孵化中心, community)."""
    from incubator_tui.services.centres import create_centre

    with db.session() as s:
        return create_centre(s, "测试孵化中心", "tester", category="community")
