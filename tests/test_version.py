"""`incubator-tui --version`: the app's version and the schema version, in both languages, cheaply."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import incubator_tui
from incubator_tui import db, schema

CLI = str(Path(sys.executable).parent / "incubator-tui")


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "INCUBATOR_TUI_HOME": str(tmp_path / "home")}
    env.pop("INCUBATOR_TUI_DB", None)
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=60)


def test_version_names_the_app_and_the_schema_in_chinese_by_default(tmp_path: Path) -> None:
    proc = _run("--version", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"incubator-tui {incubator_tui.__version__}（数据库结构版本 {db.HEAD}）"
    assert not (tmp_path / "home" / "data").exists()  # nothing created, nothing opened


def test_version_in_english(tmp_path: Path) -> None:
    for args in (("--lang", "en", "--version"), ("--version", "--lang", "en")):
        proc = _run(*args, tmp_path=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"incubator-tui {incubator_tui.__version__} (database schema {db.HEAD})"


def test_the_version_is_the_packages_and_the_schema_is_the_databases() -> None:
    # The wheel's metadata (pyproject.toml) and the module's __version__ agree, so a bundle's
    # file name and `--version` tell the same release; the schema module is db's.
    assert version("incubator-tui") == incubator_tui.__version__
    assert db.SCHEMA_REVISIONS is schema.SCHEMA_REVISIONS
    assert db.HEAD == schema.SCHEMA_REVISIONS[-1]


def test_version_imports_neither_sqlalchemy_nor_textual() -> None:
    code = textwrap.dedent(
        """
        import contextlib, io, sys
        from incubator_tui.cli import main
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                main(["--version"])
        except SystemExit as exc:
            code = exc.code
        print(code, out.getvalue().strip() != "", sorted(m for m in ("sqlalchemy", "textual") if m in sys.modules))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0 True []"
