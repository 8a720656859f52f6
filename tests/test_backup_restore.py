"""Backups: 14 daily and 12 monthly kept, `backup` now, and a `restore` that refuses what is not ours."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from incubator_tui import paths
from incubator_tui.cli import main
from incubator_tui.services.backup import (
    backup_now, daily_backup, daily_copies, restore, to_keep,
)
from incubator_tui.services.exchange import ExchangeError, export_sqlite
from tests.exchange_helpers import sha
from tests.helpers import make_org


def test_rotation_keeps_14_days_and_the_first_of_12_months(db, centre, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    start = date(2025, 1, 10)
    days = [start + timedelta(days=i) for i in range(0, 500, 3)]  # every third day for 500 days
    for d in days:
        assert daily_backup(db, folder, d) is not None
    assert daily_backup(db, folder, days[-1]) is None  # once a day
    kept = sorted(daily_copies(folder, db.path))
    newest = days[-14:]
    firsts: dict[tuple[int, int], date] = {}
    for d in days:
        firsts.setdefault((d.year, d.month), d)
    monthly = [firsts[m] for m in sorted(firsts)[-12:]]
    assert kept == sorted(set(newest) | set(monthly))
    assert len(kept) < len(days)
    # The oldest months are gone; the monthly copies are each month's first backup.
    assert date(2025, 1, 10) not in kept
    assert all(d.day <= 3 for d in monthly if d not in newest)


def test_to_keep_on_a_plain_year() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    kept = to_keep(days)
    assert len(kept) == 14 + 12  # the 14 newest days (18-31 December) and each month's first day
    assert date(2025, 12, 31) in kept and date(2025, 12, 18) in kept and date(2025, 12, 17) not in kept
    assert {d for d in kept if d.day == 1} == {date(2025, m, 1) for m in range(1, 13)}
    assert date(2024, 12, 1) not in to_keep([date(2024, 12, 1), *days])  # a 13th month goes


def test_backups_on_demand_are_never_rotated(db, centre, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    made = [backup_now(db, folder, datetime(2025, 1, 1, 9, 0, 0)) for _ in range(2)]
    assert made[0].path != made[1].path
    for i in range(40):
        daily_backup(db, folder, date(2026, 1, 1) + timedelta(days=i))
    assert all(r.path.exists() for r in made)
    con = sqlite3.connect(made[0].path)
    assert con.execute("SELECT name FROM centre").fetchone() == ("测试孵化中心",)
    con.close()


def test_cli_backup_says_where(db, centre, db_path: Path, capsys) -> None:
    assert main(["backup", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    made = list(paths.backup_dir().glob("test-*-manual.sqlite"))
    assert len(made) == 1 and str(made[0]) in out
    assert main(["backup", "--db", str(db_path.with_name("missing.sqlite"))]) == 1


def _bad(tmp_path: Path, good: Path) -> dict[str, Path]:
    bad = {}
    bad["random"] = tmp_path / "random.sqlite"
    bad["random"].write_bytes(os.urandom(4096))
    bad["truncated"] = tmp_path / "truncated.sqlite"
    bad["truncated"].write_bytes(good.read_bytes()[:6000])
    bad["foreign"] = tmp_path / "foreign.sqlite"
    con = sqlite3.connect(bad["foreign"])
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    bad["newer"] = tmp_path / "newer.sqlite"
    shutil.copyfile(good, bad["newer"])
    con = sqlite3.connect(bad["newer"])
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    return bad


@pytest.mark.parametrize("kind", ["random", "truncated", "foreign", "newer", "export"])
def test_restore_refuses_a_bad_file_with_nothing_changed(db, centre, db_path: Path, tmp_path: Path, kind,
                                                         capsys) -> None:
    good = tmp_path / "good.sqlite"
    db.backup_to(good)
    bad = _bad(tmp_path, good)
    bad["export"] = tmp_path / "export.sqlite"
    export_sqlite(db, bad["export"])
    db.dispose()
    before = sha(db_path)
    assert main(["restore", str(bad[kind]), "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert str(bad[kind]) in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sha(db_path) == before
    assert not paths.backup_dir().exists() or not list(paths.backup_dir().iterdir())


def test_restore_keeps_the_current_database_then_replaces_it(db, centre, db_path: Path, tmp_path: Path,
                                                             capsys) -> None:
    saved = tmp_path / "saved.sqlite"
    db.backup_to(saved)
    make_org(db, centre, "后来加入的组织")  # a change made after the backup
    db.dispose()
    assert main(["restore", str(saved), "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    kept = list(paths.backup_dir().glob("test-*-before-restore.sqlite"))
    assert len(kept) == 1 and str(kept[0]) in out
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM organisation").fetchone() == (0,)
    con.close()
    con = sqlite3.connect(kept[0])
    assert con.execute("SELECT name FROM organisation").fetchall() == [("后来加入的组织",)]
    con.close()
    from incubator_tui.db import open_database

    reopened = open_database(db_path)  # the app opens what was restored
    with reopened.reading() as conn:
        assert conn.exec_driver_sql("SELECT name FROM centre").scalar() == "测试孵化中心"
    reopened.dispose()


def test_restore_onto_no_database_and_onto_itself(db, centre, db_path: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.sqlite"
    db.backup_to(saved)
    with pytest.raises(ExchangeError) as err:
        restore(db_path, db_path, tmp_path / "b")
    assert err.value.key == "restore.same_file"
    with pytest.raises(ExchangeError) as err:
        restore(saved, tmp_path / "nothing.sqlite", tmp_path / "b")
    assert err.value.key == "restore.no_database"
    assert not (tmp_path / "nothing.sqlite").exists()
