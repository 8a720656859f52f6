"""services/dashboard.py: the dashboard's numbers, without a terminal."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from tests.helpers import make_org, score_month
from incubator_tui.services.cases import list_cases, record_interview, record_review
from incubator_tui.services.centres import Checklists, create_centre
from incubator_tui.services.dashboard import list_centres, load_dashboard
from incubator_tui.services.flags import compute_flags
from incubator_tui.services.scoring import Cell, save_cells, set_exempt, set_paused

TODAY = date(2026, 11, 15)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", TODAY.isoformat())
    return TODAY


def _partial(db, centre, org_id, month):
    with db.session() as s:
        item = Checklists(s, centre.id).items_for(month)[0]
        save_cells(s, centre.id, org_id, month, {item.id: Cell(100)}, "tester")


def test_progress_counts_like_the_grid(db, centre, today):
    done = make_org(db, centre, "甲")
    half = make_org(db, centre, "乙")
    make_org(db, centre, "丙")  # nothing entered
    exempt = make_org(db, centre, "丁")
    make_org(db, centre, "戊", entry=date(2026, 12, 1))  # not yet a member in November
    score_month(db, centre, done, "2026-11", "8.0")
    _partial(db, centre, half, "2026-11")
    with db.session() as s:
        set_exempt(s, centre.id, exempt, "2026-11", "外出培训", "tester")
        p = load_dashboard(s, centre.id).progress
        from incubator_tui.services.scoring import load_grid

        grid = load_grid(s, centre.id, "2026-11")
    assert (p.month, p.members, p.complete, p.incomplete, p.not_started, p.exempt) == ("2026-11", 4, 1, 1, 1, 1)
    assert (p.complete, p.incomplete, p.not_started) == grid.progress()
    assert not p.paused


def test_paused_month_is_reported(db, centre, today):
    make_org(db, centre, "甲")
    with db.session() as s:
        set_paused(s, centre.id, "2026-11", True, "tester")
        d = load_dashboard(s, centre.id)
    assert d.progress.paused
    assert d.trend[-1].paused and d.trend[-1].average is None


def test_flags_as_of_the_current_month_match_compute_flags(db, centre, today):
    red = make_org(db, centre, "红队")
    amber = make_org(db, centre, "黄队")
    fine = make_org(db, centre, "好队")
    for m, total in (("2026-08", "5.5"), ("2026-09", "5.0"), ("2026-10", "4.5")):
        score_month(db, centre, red, m, total)
        score_month(db, centre, fine, m, "8.0")
    score_month(db, centre, amber, "2026-09", "5.0")
    score_month(db, centre, amber, "2026-10", "5.5")
    _partial(db, centre, red, "2026-11")  # November half entered: still red (in progress)
    with db.session() as s:
        d = load_dashboard(s, centre.id)
        expected = compute_flags(s, centre.id, "2026-11")
    assert [(f.org, f.level, f.months, f.totals) for f in d.flags] == [
        (f.org, f.level, f.months, f.totals) for f in expected
    ]
    assert [f.org for f in d.red] == ["红队"] and [f.org for f in d.amber] == ["黄队"]
    assert d.red[0].months == ("2026-08", "2026-09", "2026-10")
    assert d.red[0].totals == (Fraction(11, 2), Fraction(5), Fraction(9, 2))


def test_flags_read_from_a_window_still_match_compute_flags(db, centre, today):
    """The dashboard walks only the orgs whose latest complete month (of the last six) is low
    or missing: streaks anchored before the window, exempt and paused months, a threshold
    raised mid-way and a recovery must all come out as compute_flags counts them."""
    from incubator_tui.services.centres import set_setting

    with db.session() as s:
        set_paused(s, centre.id, "2026-07", True, "tester")  # before anyone has scores in it
    old = make_org(db, centre, "甲旧红", entry=date(2025, 1, 1))  # low in spring, nothing since
    for m in ("2026-03", "2026-04", "2026-05"):
        score_month(db, centre, old, m, "4.0")
    exempt = make_org(db, centre, "乙免评", entry=date(2025, 1, 1))  # its latest complete month exempt
    for m, total in (("2026-08", "5.0"), ("2026-09", "5.0"), ("2026-10", "9.0")):
        score_month(db, centre, exempt, m, total)
    back = make_org(db, centre, "丙回升", entry=date(2025, 1, 1))  # low, then a good month
    for m, total in (("2026-06", "4.0"), ("2026-08", "4.0"), ("2026-09", "4.0"), ("2026-10", "8.0")):
        score_month(db, centre, back, m, total)
    paused = make_org(db, centre, "丁停评", entry=date(2025, 1, 1))  # low around a paused month
    for m in ("2026-05", "2026-06", "2026-08"):
        score_month(db, centre, paused, m, "5.0")
    raised = make_org(db, centre, "戊提标", entry=date(2025, 1, 1))  # 6.5: low only once the bar is 7
    for m in ("2026-09", "2026-10", "2026-11"):
        score_month(db, centre, raised, m, "6.5")
    fine = make_org(db, centre, "己良好", entry=date(2025, 1, 1))
    score_month(db, centre, fine, "2026-10", "8.0")
    with db.session() as s:
        set_exempt(s, centre.id, exempt, "2026-10", "外出培训", "tester")
        set_setting(s, centre.id, "threshold", "2026-10", "7", "tester")
    with db.session() as s:
        d = load_dashboard(s, centre.id)
        expected = compute_flags(s, centre.id, "2026-11")
    assert [(f.org, f.level, f.months, f.totals) for f in d.flags] == [
        (f.org, f.level, f.months, f.totals) for f in expected
    ]
    levels = {f.org: (f.level, f.months) for f in d.flags}
    assert levels["甲旧红"] == ("red", ("2026-03", "2026-04", "2026-05"))
    assert levels["乙免评"] == ("amber", ("2026-08", "2026-09"))
    assert levels["丁停评"] == ("red", ("2026-05", "2026-06", "2026-08"))
    assert levels["戊提标"] == ("amber", ("2026-10", "2026-11"))
    assert "丙回升" not in levels and "己良好" not in levels


def test_open_cases_with_deadlines_overdue_first(db, centre, monkeypatch):
    late = make_org(db, centre, "乙逾期")
    fresh = make_org(db, centre, "甲新案")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-10-08")
    for m, total in (("2026-08", "5.5"), ("2026-09", "5.0"), ("2026-10", "4.5")):
        score_month(db, centre, late, m, total)
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")  # an interview is recorded once held
    with db.session() as s:
        case = list_cases(s, centre.id)[0]
        record_interview(s, case.id, "tester", on=date(2026, 10, 9), place="二楼",  # default deadline: 30 days,
                         interviewers="王主任")  # 2026-11-08
    for m, total in (("2026-09", "5.0"), ("2026-10", "5.0"), ("2026-11", "5.0")):
        score_month(db, centre, fresh, m, total)
    with db.session() as s:
        d = load_dashboard(s, centre.id)
    assert [(c.org, c.state, c.deadline, c.overdue) for c in d.cases] == [
        ("乙逾期", "rectifying", date(2026, 11, 8), True),
        ("甲新案", "to_interview", None, False),
    ]
    assert [c.org for c in d.overdue] == ["乙逾期"]


def test_deadline_day_itself_is_not_overdue_and_closed_cases_are_left_out(db, centre, monkeypatch):
    org = make_org(db, centre, "甲")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-10-08")
    for m, total in (("2026-08", "5.5"), ("2026-09", "5.0"), ("2026-10", "4.5")):
        score_month(db, centre, org, m, total)
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-20")  # events are recorded once they happened
    with db.session() as s:
        case = list_cases(s, centre.id)[0]
        record_interview(s, case.id, "tester", on=date(2026, 10, 9), place="二楼", interviewers="王主任")
    with db.session() as s:
        on_the_day = load_dashboard(s, centre.id, today=date(2026, 11, 8)).cases
        record_review(s, case.id, "tester", on=date(2026, 11, 8), passed=True)
    assert on_the_day[0].deadline == date(2026, 11, 8) and not on_the_day[0].overdue
    with db.session() as s:
        assert load_dashboard(s, centre.id, today=date(2026, 11, 20)).cases == ()


def test_exit_ordered_case_counts_the_handover_deadline(db, centre, monkeypatch):
    org = make_org(db, centre, "甲")
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-10-08")
    for m, total in (("2026-08", "5.5"), ("2026-09", "5.0"), ("2026-10", "4.5")):
        score_month(db, centre, org, m, total)
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-10")  # events are recorded once they happened
    with db.session() as s:
        case = list_cases(s, centre.id)[0]
        record_interview(s, case.id, "tester", on=date(2026, 10, 9), place="二楼", interviewers="王主任")
        record_review(s, case.id, "tester", on=date(2026, 11, 9), passed=False)
    with db.session() as s:
        line = load_dashboard(s, centre.id, today=date(2026, 11, 10)).cases[0]
    assert line.state == "exit_ordered"
    assert line.deadline is not None and line.deadline > date(2026, 11, 9)  # 15 working days after the notice
    assert not line.overdue


def test_trend_is_the_mean_of_complete_totals_over_twelve_months(db, centre, today):
    a = make_org(db, centre, "甲", entry=date(2025, 1, 1))
    b = make_org(db, centre, "乙", entry=date(2025, 1, 1))
    score_month(db, centre, a, "2025-11", "2.0")  # outside the window (Dec 2025 - Nov 2026)
    score_month(db, centre, a, "2026-10", "8.0")
    score_month(db, centre, b, "2026-10", "7.5")
    _partial(db, centre, b, "2026-11")
    with db.session() as s:
        trend = load_dashboard(s, centre.id).trend
    assert [p.month for p in trend][0] == "2025-12" and trend[-1].month == "2026-11" and len(trend) == 12
    by_month = {p.month: p for p in trend}
    assert by_month["2026-10"].average == Fraction(155, 20) and by_month["2026-10"].count == 2
    assert by_month["2026-11"].average is None  # only an incomplete month
    assert all(p.threshold == 6 for p in trend)


def test_list_centres_by_name(db):
    with db.session() as s:
        create_centre(s, "稷下文化创客中心", "tester")
        create_centre(s, "淄江之家社会组织发展中心", "tester")
        create_centre(s, "A 中心", "tester")
        names = [c.name for c in list_centres(s)]
    assert names == sorted(names) and names[0] == "A 中心"


def test_the_dashboard_load_at_start_up_leaves_the_settings_service_unimported(db, centre, today):
    """The holiday warning comes from the setting entries the load already read: the settings
    service (800 lines, ~10 ms to import and compile) is not part of start-up, and the warning
    is still the settings service's answer."""
    import subprocess
    import sys

    from incubator_tui.services.settings import years_without_holidays

    db.dispose()
    code = (
        "import sys\n"
        "from incubator_tui.db import open_database\n"
        "from incubator_tui.services.access import read\n"
        "from incubator_tui.services.dashboard import list_centres, load_scope\n"
        f"database = open_database({str(db.path)!r})\n"
        "centre = read(database, list_centres)[0]\n"
        "print(list(read(database, load_scope, (centre.id,)).holidays_missing))\n"
        "print('incubator_tui.services.settings' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    missing, imported = proc.stdout.strip().rsplit("\n", 1)
    with db.reading() as conn:
        assert missing == str(years_without_holidays(conn, centre.id, today))
    assert missing != "[]"  # a fresh centre has no holiday lists: the warning is there
    assert imported == "False"
