"""The command line as scripts use it: exit codes, JSON shapes, centres, languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incubator_tui.cli import main
from incubator_tui.services.centres import create_centre
from tests.helpers import make_org, score_month


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def flagged(db, centre):
    """晨光 red (5.5, 5.0, 5/9 of 10 = 5.555...), 稷下 amber, 爱心 fine."""
    a = make_org(db, centre, "晨光公益服务社")
    b = make_org(db, centre, "稷下青年书画社")
    c = make_org(db, centre, "爱心助学协会")
    for m, x in (("2025-12", "5.5"), ("2026-01", "5")):
        score_month(db, centre, a, m, x)
    score_month(db, centre, a, "2026-02", "5", na=("records",))
    for m, x in (("2025-12", "6"), ("2026-01", "5"), ("2026-02", "5")):
        score_month(db, centre, b, m, x)
    for m in ("2025-12", "2026-01", "2026-02"):
        score_month(db, centre, c, m, "9")
    return db


def test_flags_json_shape(capsys, flagged, db_path: Path) -> None:
    rc, out, _ = run_cli(capsys, "flags", "--db", str(db_path), "--json")
    assert rc == 0
    data = json.loads(out)
    assert [(d["org"], d["streak"], d["months"], d["totals"]) for d in data] == [
        ("晨光公益服务社", 3, ["2025-12", "2026-01", "2026-02"], [5.5, 5.0, 5.56])
    ]


def test_flags_as_of_an_earlier_month(capsys, flagged, db_path: Path) -> None:
    rc, out, _ = run_cli(capsys, "flags", "--db", str(db_path), "--json", "--as-of", "2026-01")
    assert rc == 0 and json.loads(out) == []


def test_flags_human_output_is_chinese_by_default_and_english_on_request(capsys, flagged, db_path: Path) -> None:
    rc, out, _ = run_cli(capsys, "flags", "--db", str(db_path))
    assert rc == 0 and "晨光公益服务社" in out and "连续 3 个月" in out
    rc, out, _ = run_cli(capsys, "flags", "--db", str(db_path), "--lang", "en")
    assert rc == 0 and "3 months in a row" in out


def test_cases_json_shape(capsys, flagged, db_path: Path) -> None:
    rc, out, _ = run_cli(capsys, "cases", "--db", str(db_path), "--json")
    assert rc == 0
    data = json.loads(out)
    assert len(data) == 1
    d = data[0]
    assert (d["org"], d["kind"], d["state"], d["months"]) == (
        "晨光公益服务社", "monthly", "to_interview", ["2025-12", "2026-01", "2026-02"])
    assert len(d["opened"]) == 10 and d["opened"][4] == "-"


@pytest.mark.parametrize("args", [
    ("flags", "--as-of", "2026-13"),
    ("flags", "--as-of", "26-1"),
    ("ratings",),
    ("ratings", "--year", "20x6"),
    ("flags", "--no-such-option"),
    ("import", "things", "x.csv"),
])
def test_usage_errors_exit_2(capsys, flagged, db_path: Path, args) -> None:
    with pytest.raises(SystemExit) as err:
        main([*args, "--db", str(db_path)])
    assert err.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["flags", "cases", ("ratings", "--year", "2025")])
def test_read_commands_on_a_missing_database_exit_1_and_create_nothing(capsys, tmp_path: Path, command) -> None:
    path = tmp_path / "missing.sqlite"
    args = [command] if isinstance(command, str) else list(command)
    rc, _, err = run_cli(capsys, *args, "--db", str(path))
    assert rc == 1 and "数据库不存在" in err
    assert not path.exists()


def test_not_a_database_is_refused_untouched(capsys, tmp_path: Path) -> None:
    path = tmp_path / "scores.sqlite"
    path.write_text("名称,月份\n", encoding="utf-8")
    rc, _, err = run_cli(capsys, "flags", "--db", str(path))
    assert rc == 1 and "不是 SQLite" in err
    assert path.read_text(encoding="utf-8") == "名称,月份\n"


def test_several_centres_report_all_or_the_named_one(capsys, flagged, db, db_path: Path) -> None:
    with db.session() as s:
        other = create_centre(s, "稷下文化创客中心", "t", category="culture")
    org = make_org(db, other, "稷下皮影艺术团")
    for m in ("2025-12", "2026-01", "2026-02"):
        score_month(db, other, org, m, "4")
    rc, out, _ = run_cli(capsys, "flags", "--db", str(db_path), "--json")
    assert rc == 0
    assert [(d["org"], d["centre"]) for d in json.loads(out)] == [
        ("晨光公益服务社", "测试孵化中心"), ("稷下皮影艺术团", "稷下文化创客中心")]
    rc, out, _ = run_cli(capsys, "cases", "--db", str(db_path), "--json", "--centre", "稷下文化创客中心")
    assert [d["org"] for d in json.loads(out)] == ["稷下皮影艺术团"]
    rc, _, err = run_cli(capsys, "flags", "--db", str(db_path), "--centre", "不存在的中心")
    assert rc == 1 and "不存在的中心" in err


def test_the_real_command_runs_and_never_prints_a_traceback(flagged, db_path: Path) -> None:
    exe = Path(sys.executable).parent / "incubator-tui"
    env = {**os.environ, "INCUBATOR_TUI_DB": str(db_path)}
    proc = subprocess.run([str(exe), "flags", "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["org"] == "晨光公益服务社"
    proc = subprocess.run([str(exe), "flags", "--as-of", "2026-13"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "YYYY-MM" in proc.stderr


def test_a_command_leaves_one_complete_file(capsys, tmp_path: Path, monkeypatch) -> None:
    """Every connection is closed when a command ends, so SQLite checkpoints the WAL into the
    database: a copy of the file alone (what a user hands over or backs up) holds everything."""
    import shutil
    import sqlite3

    monkeypatch.setenv("INCUBATOR_TUI_HOME", str(tmp_path / "home"))
    path = tmp_path / "demo.sqlite"
    rc, _out, err = run_cli(capsys, "demo", "--db", str(path), "--orgs", "5", "--months", "3")
    assert rc == 0, err
    assert not (tmp_path / "demo.sqlite-wal").exists()
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    con = sqlite3.connect(copy)
    try:
        assert con.execute("SELECT COUNT(*) FROM organisation").fetchone()[0] == 5
    finally:
        con.close()
