"""Where the app keeps its data, backups and configuration (platformdirs).

``INCUBATOR_TUI_DB`` overrides the database path and ``INCUBATOR_TUI_HOME``
moves everything (data, config, backups) under one folder: the tests use both
so they never touch the user's real files.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "incubator-tui"
DB_FILENAME = "incubator.sqlite"


def _home() -> Path | None:
    home = os.environ.get("INCUBATOR_TUI_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def backup_dir() -> Path:
    return data_dir() / "backups"


def default_db_path() -> Path:
    override = os.environ.get("INCUBATOR_TUI_DB")
    if override:
        return Path(override).expanduser()
    return data_dir() / DB_FILENAME
