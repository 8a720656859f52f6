"""`incubator-tui finalise` and `ratings --json`'s state (#10), and ratings from before schema 0006."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from incubator_tui.cli import main
from incubator_tui.services.reviews import amend_rating, set_peer_ratings, set_review_input
from tests.helpers import make_org, score_month

YEAR = 2025


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-01-20")


def run(capsys, db_path, *args: str) -> tuple[int, str, str]:
    rc = main([*args, "--db", str(db_path)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def rated_org(db, centre, name: str, value: int, **inputs) -> str:
    org = make_org(db, centre, name, date(2024, 1, 1))
    for m in range(1, 7):
        score_month(db, centre, org, f"{YEAR}-{m:02d}", str(value / 10))
    with db.session() as s:
        set_review_input(s, org, YEAR, "tester", party_cent=value * 100, self_cent=value * 100,
                         public_cent=value * 100, **inputs)
        set_peer_ratings(s, org, YEAR, [(None, value * 100)] * 3, "tester")
    return org


def test_finalise_prints_who_was_rated_who_cannot_be_and_the_cases(db, db_path, centre, capsys):
    rated_org(db, centre, "五星社", 95)
    low = rated_org(db, centre, "三星社", 70)
    make_org(db, centre, "缺评社", date(2024, 1, 1))
    rc, out, err = run(capsys, db_path, "finalise", "--year", str(YEAR))
    assert rc == 0, err
    assert "已定级：五星社 ★★★★★（综合 95.00）" in out and "已定级：三星社 ★★★（综合 70.00）" in out
    assert "不能定级：缺评社（缺党建落实、月度积分、自评、互评、群众评）" in out
    assert "立年度整改案件：三星社（3星）" in out
    with db.engine.connect() as c:
        assert c.execute(text("SELECT kind FROM org_case WHERE org_id = :o"), {"o": low}).scalars().all() == ["annual"]
        assert c.execute(text("SELECT COUNT(*) FROM rating WHERE priority")).scalar() == 1
    # Again: nothing new to rate (exit 1), nothing changed, the reason on stderr.
    rc, out, err = run(capsys, db_path, "finalise", "--year", str(YEAR))
    assert rc == 1 and "没有可以定级的组织" in err and "此前已定级 2 个组织" in out
    with db.engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM rating")).scalar() == 2
        assert c.execute(text("SELECT COUNT(*) FROM org_case")).scalar() == 1


def test_finalise_with_nothing_rateable_exits_1_and_unknown_centre_too(db, db_path, centre, capsys):
    make_org(db, centre, "缺评社", date(2024, 1, 1))
    rc, out, err = run(capsys, db_path, "finalise", "--year", str(YEAR))
    assert rc == 1 and "不能定级：缺评社" in out
    rc, _out, err = run(capsys, db_path, "finalise", "--year", str(YEAR), "--centre", "没有这个中心")
    assert rc == 1 and err
    with pytest.raises(SystemExit) as exit_:
        run(capsys, db_path, "finalise", "--year", "20x5")
    assert exit_.value.code == 2


def test_ratings_json_state_matches_the_screen(db, db_path, centre, capsys):
    fin = rated_org(db, centre, "定级社", 85)
    amended = rated_org(db, centre, "修改社", 85)
    live = rated_org(db, centre, "实时社", 75)
    with db.session() as s:
        from incubator_tui.services.reviews import finalise_year

        finalise_year(s, centre.id, YEAR, "tester")
    with db.session() as s:
        rating_id = s.execute(text("SELECT id FROM rating WHERE org_id = :o"), {"o": amended}).scalar()
        amend_rating(s, rating_id, 3, "复查", "tester")
    vetoed = rated_org(db, centre, "否决社", 90, veto="安全事故")
    rated_org(db, centre, "后加社", 80)  # inputs after the year was finalised: live until finalised again
    with db.session() as s:
        set_review_input(s, live, YEAR, "tester", party_cent=7600)  # live after finalising: not rated then
    rc, out, _ = run(capsys, db_path, "ratings", "--year", str(YEAR), "--json")
    assert rc == 0
    rows = {r["org"]: r for r in json.loads(out)}
    assert rows["定级社"]["state"] == "finalised" and rows["定级社"]["stars"] == 4
    assert rows["修改社"]["state"] == "amended" and rows["修改社"]["stars"] == 3
    assert rows["否决社"]["state"] == "vetoed" and rows["否决社"]["stars"] == 1
    assert rows["后加社"]["state"] == "live" and rows["后加社"]["stars"] == 4
    assert rows["实时社"]["state"] == "finalised"  # it was rated then: 3 stars, its later input changes nothing
    from incubator_tui.services.access import read
    from incubator_tui.services.reviews import review_year

    screen = {r.org: (r.state, r.stars) for r in read(db, review_year, centre.id, YEAR).rows}
    assert {k: (v["state"], v["stars"]) for k, v in rows.items()} == {k: screen[k] for k in rows}
    assert fin and vetoed


def test_a_rating_from_before_0006_gets_its_publicity_from_its_date(db, centre):
    org = rated_org(db, centre, "旧社", 85)
    with db.session() as s:
        from incubator_tui.services.reviews import finalise_year

        finalise_year(s, centre.id, YEAR, "tester")
        s.execute(text("UPDATE rating SET publicity_until = NULL"))  # as the upgrade leaves older ratings
    from incubator_tui.services.access import read
    from incubator_tui.services.reviews import request_review, review_year

    row = next(r for r in read(db, review_year, centre.id, YEAR).rows if r.org_id == org)
    assert row.publicity_until == date(2026, 1, 26) and row.state == "finalised"
    from incubator_tui.errors import UserError

    with db.session() as s:
        rating_id = s.execute(text("SELECT id FROM rating")).scalar()
        with pytest.raises(UserError, match="公示期已于 2026-01-26 结束"):
            request_review(s, rating_id, "晚了", "tester", on=date(2026, 1, 27))
        request_review(s, rating_id, "按时", "tester", on=date(2026, 1, 26))
