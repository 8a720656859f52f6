"""The headless package never imports Textual, and an up-to-date database never imports Alembic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_headless_modules_do_not_import_textual() -> None:
    out = _run(
        """
        import sys, pkgutil, importlib
        import incubator_tui.models, incubator_tui.rules, incubator_tui.services, incubator_tui.cli, incubator_tui.db
        for pkg in (incubator_tui.rules, incubator_tui.services):
            for m in pkgutil.iter_modules(pkg.__path__):
                importlib.import_module(f"{pkg.__name__}.{m.name}")
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual',)))
        """
    )
    assert out == "[]"


def test_flags_on_current_database_imports_neither_textual_nor_alembic(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    _run(f"from incubator_tui.db import open_database; open_database({str(db)!r}, create=True)")
    out = _run(
        f"""
        import sys, io, contextlib
        from incubator_tui.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(["flags", "--db", {str(db)!r}])
        print(rc, 'textual' in sys.modules, 'alembic' in sys.modules)
        """
    )
    assert out == "0 False False"


def test_read_only_commands_and_the_dashboard_do_not_import_the_orm(tmp_path: Path) -> None:
    """SQLModel, pydantic and SQLAlchemy's ORM (~0.3 s together) wait for the first write."""
    db = tmp_path / "h.sqlite"
    _run(
        f"""
        from datetime import date
        from incubator_tui.db import open_database
        from incubator_tui.services.centres import create_centre
        from incubator_tui.services.orgs import add_org
        database = open_database({str(db)!r}, create=True)
        with database.session() as s:
            centre = create_centre(s, "测试中心", "tester", category="community")
            add_org(s, centre.id, {{"name": "晨光", "category": "community", "entry_date": date(2025, 1, 1)}}, "t")
        """
    )
    out = _run(
        f"""
        import sys, io, contextlib
        from incubator_tui.cli import main
        from incubator_tui.db import open_database
        from incubator_tui.services.dashboard import list_centres, load_dashboard
        with contextlib.redirect_stdout(io.StringIO()):
            rcs = [main(["flags", "--db", {str(db)!r}]), main(["ratings", "--year", "2025", "--db", {str(db)!r}])]
        database = open_database({str(db)!r})
        with database.reading() as conn:  # what the app does before the dashboard shows
            centre = list_centres(conn)[0]
            load_dashboard(conn, centre.id)
        print(rcs, sorted(m for m in ("sqlalchemy.orm", "sqlmodel", "pydantic") if m in sys.modules))
        """
    )
    assert out == "[0, 0] []"
