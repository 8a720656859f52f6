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


# ------------------------------------------------------------------ privacy
# The database, its -wal/-shm, backups, exports and crash.log hold personal
# data: on POSIX they are created readable by their owner only (files 0600,
# folders 0700) whatever the umask.  SQLite creates -wal/-shm itself with the
# database file's permissions, so the database file is made 0600 first.

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def _tighten(path: Path | str, mode: int) -> None:
    """Drop the group's and others' bits of a file or folder that is ours (never
    adds a bit: a read-only file stays read-only)."""
    if os.name != "posix":
        return
    try:
        st = os.stat(path)
    except OSError:
        return
    if st.st_uid == os.geteuid() and st.st_mode & 0o077:
        try:
            os.chmod(path, st.st_mode & mode & 0o7777)
        except OSError:
            pass


def private_dir(path: Path | str, *, fix_existing: bool = False) -> Path:
    """Make ``path`` and its missing parents as folders 0700; with ``fix_existing``
    an existing folder of ours loses its group and others' bits too (the app's own
    data and backup folders; never a folder the user chose, such as Documents)."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        try:
            p.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        if os.name == "posix":
            os.chmod(p, PRIVATE_DIR_MODE)  # mkdir's mode is cut by the umask
    if fix_existing and not missing:
        _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path | str, *, exclusive: bool = False) -> bool:
    """Create ``path`` (empty) with mode 0600 unless it exists; an existing file of
    ours loses its group and others' bits.  True when this call created it.
    With ``exclusive`` an existing file raises :class:`FileExistsError`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
    except FileExistsError:
        if exclusive:
            raise
        _tighten(path, PRIVATE_FILE_MODE)
        return False
    try:
        if os.name == "posix":
            os.fchmod(fd, PRIVATE_FILE_MODE)  # exact, whatever the umask
    finally:
        os.close(fd)
    return True


def open_private_append(path: Path | str):
    """``path`` opened for appending text (UTF-8), created 0600 if missing (crash.log)."""
    private_file(path)
    return open(path, "a", encoding="utf-8")


def tighten_file(path: Path | str) -> None:
    """An existing file of ours (the database, its -wal/-shm) loses group/other bits."""
    _tighten(path, PRIVATE_FILE_MODE)
