"""Annual review (DOMAIN 6): importing inputs and peer ratings, live ratings, finalising, amending."""

from __future__ import annotations

import csv
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from incubator_tui.errors import UserError
from incubator_tui.models import AuditEntry, OrgCase, PeerRating, Rating, RatingAmendment, ReviewInput
from incubator_tui.services.centres import create_centre, set_setting
from incubator_tui.services.imports import ImportFileError, import_reviews, import_scores
from incubator_tui.services.orgs import add_org
from incubator_tui.services.reviews import (
    amend_rating, finalise_year, ratings_for_year, set_peer_ratings, set_review_input,
)

HEADER = ["名称", "年度", "党建", "自评", "互评", "群众评", "一票否决"]


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-01-20")


def write_csv(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(rows)
    return path


def snapshot(db) -> dict:
    with db.session() as s:
        return {t.name: sorted(tuple(map(str, r)) for r in s.execute(t.select())) for t in SQLModel.metadata.sorted_tables}


@pytest.fixture
def orgs(db, centre, tmp_path):
    """甲 乙 full marks all 2025, 丙 5.0 every month, 丁 only five months, 己 no scores;
    戊 entered in 2026 (not a 2025 member)."""
    ids = {}
    with db.session() as s:
        for name, entry in [("甲", date(2024, 1, 1)), ("乙", date(2024, 1, 1)), ("丙", date(2024, 1, 1)),
                            ("丁", date(2024, 1, 1)), ("己", date(2024, 1, 1)), ("戊", date(2026, 2, 1))]:
            org, _ = add_org(s, centre.id, {"name": name, "category": "charity", "entry_date": entry}, "t")
            ids[name] = org.id
    full, low = ["2", "2", "2", "2", "1", "1"], ["1", "1", "1", "1", "0.5", "0.5"]
    rows = [["名称", "月份", "plan", "hygiene", "party", "activity", "records", "safety"]]
    for m in range(1, 13):
        rows += [["甲", f"2025-{m:02d}", *full], ["乙", f"2025-{m:02d}", *full], ["丙", f"2025-{m:02d}", *low]]
    rows += [["丁", f"2025-{m:02d}", *full] for m in range(1, 6)]
    import_scores(db, write_csv(tmp_path / "scores.csv", rows), None, "t")
    return ids


REVIEWS = [
    ["2025年度考核汇总"],
    HEADER,
    ["甲", "2025", "90", "95", "乙:80; 丙：90; 70; 戊:10", "88", ""],
    ["乙", "2025年", "50", "90", "甲:90;丙:90;丁:90", "90", ""],
    ["丙", "2025", "70", "80", "60", "70", ""],
    ["丁", "2025", "80", "80", "80;80;80", "80", "消防安全重大隐患"],
    ["己", "2025", "80", "", "", "", ""],
]


def test_import_reviews_with_named_and_unnamed_peers(db, orgs, tmp_path):
    report = import_reviews(db, write_csv(tmp_path / "r.csv", REVIEWS), None, "me")
    assert (report.added, report.changed, report.unchanged) == (5, 0, 0)
    with db.session() as s:
        peers = s.execute(select(PeerRating).where(PeerRating.org_id == orgs["甲"])).scalars().all()
        inp = s.execute(select(ReviewInput).where(ReviewInput.org_id == orgs["甲"])).scalars().one()
    assert sorted((p.rater_org_id or "", p.value_cent) for p in peers) == sorted(
        [(orgs["乙"], 8000), (orgs["丙"], 9000), ("", 7000), (orgs["戊"], 1000)])
    assert all(p.active and p.batch_id == report.batch_id for p in peers)
    assert (inp.party_cent, inp.self_cent, inp.public_cent, inp.year) == (9000, 9500, 8800, 2025)
    # 戊 entered in 2026: its rating is kept but does not count, and the report says so
    assert any("戊" in w and "第3行" in w for w in report.warnings)


@pytest.mark.parametrize("row, fragment", [
    (["甲", "2025", "90", "", "甲:90", "", ""], "第2行“互评”列（E列）：“甲”不能给自己互评"),
    (["甲", "2025", "90", "", "无名协会:90", "", ""], "第2行“互评”列（E列）：互评人“无名协会”不是本中心的组织"),
    (["甲", "2025", "90", "", "乙-90", "", ""], "第2行“互评”列（E列）：“乙-90”格式不正确"),
    (["甲", "2025", "101", "", "", "", ""], "第2行“党建”列（C列）：“101”须在0到100之间"),
    (["甲", "2025", "", "九十", "", "", ""], "第2行“自评”列（D列）：“九十”不是数字"),
    (["甲", "25年", "90", "", "", "", ""], "第2行“年度”列（B列）：“25年”不是有效的年度"),
    (["戊", "2025", "90", "", "", "", ""], "第2行“名称”列（A列）：“戊”2025年不在本中心"),
])
def test_review_errors_name_line_and_column(db, orgs, tmp_path, row, fragment):
    before = snapshot(db)
    with pytest.raises(ImportFileError) as exc:
        import_reviews(db, write_csv(tmp_path / "r.csv", [HEADER, row]), None, "me")
    assert "r.csv" in str(exc.value) and fragment in str(exc.value), str(exc.value)
    assert snapshot(db) == before


def test_veto_opens_one_case_per_org_year(db, orgs, tmp_path):
    report = import_reviews(db, write_csv(tmp_path / "r.csv", REVIEWS), None, "me")
    assert report.cases_opened == [("丁", [])]
    with db.session() as s:
        case = s.execute(select(OrgCase).where(OrgCase.kind == "veto")).scalars().one()
    assert (case.kind, case.org_id, case.year, case.reason) == ("veto", orgs["丁"], 2025, "消防安全重大隐患")
    rows = [HEADER, ["丁", "2025", "", "", "", "", "消防通道堵塞（补充说明）"]]
    again = import_reviews(db, write_csv(tmp_path / "r2.csv", rows), None, "me")
    assert again.changed == 1 and again.cases_opened == []
    with db.session() as s:
        assert len(s.execute(select(OrgCase).where(OrgCase.kind == "veto")).all()) == 1


def test_reimport_replaces_imported_peers_and_never_deletes(db, orgs, tmp_path):
    path = write_csv(tmp_path / "r.csv", REVIEWS)
    import_reviews(db, path, None, "me")
    before = snapshot(db)
    same = import_reviews(db, path, None, "me")
    assert (same.added, same.changed, same.unchanged, same.batch_id) == (0, 0, 5, None)
    assert snapshot(db) == before
    rows = [HEADER, ["甲", "2025", "", "", "乙:85", "", ""]]
    report = import_reviews(db, write_csv(tmp_path / "r2.csv", rows), None, "me")
    assert report.changed == 1
    with db.session() as s:
        peers = s.execute(select(PeerRating).where(PeerRating.org_id == orgs["甲"])).scalars().all()
        inp = s.execute(select(ReviewInput).where(ReviewInput.org_id == orgs["甲"])).scalars().one()
        retired = s.execute(select(AuditEntry).where(AuditEntry.table_name == "peer_rating",
                                                     AuditEntry.field == "active")).scalars().all()
    assert len(peers) == 5 and [(p.rater_org_id, p.value_cent) for p in peers if p.active] == [(orgs["乙"], 8500)]
    assert len(retired) == 4 and all(a.batch_id == report.batch_id for a in retired)
    assert (inp.party_cent, inp.self_cent) == (9000, 9500)  # empty cells left the stored values


def _by_org(ratings):
    return {r.org: r for r in ratings}


def test_ratings_for_year_live(db, centre, orgs, tmp_path):
    import_reviews(db, write_csv(tmp_path / "r.csv", REVIEWS), None, "me")
    with db.session() as s:
        live = _by_org(ratings_for_year(s, centre.id, 2025))
    assert list(live) == sorted(live)  # sorted by name in code-point order
    assert set(live) == {"甲", "乙", "丙", "丁", "己"}
    jia = live["甲"]
    # party 90, monthly 100, self 95, peer mean(80, 90, 70) = 80 (戊 did not belong in 2025), public 88
    assert jia.components["peer"] == 80 and jia.components["monthly"] == 100 and jia.peer_raters == 3
    assert jia.composite == Fraction(9170, 100) and jia.stars == 5 and jia.monthly_months == 12
    yi = live["乙"]  # composite 81 → 4 stars, but party 50 < 60 caps at 3
    assert yi.composite == 81 and yi.stars == 3 and yi.capped and "review.capped" in yi.warnings
    bing = live["丙"]  # (30*70 + 30*50 + 10*80 + 15*60 + 15*70) / 100 = 63.5
    assert bing.composite == Fraction(635, 10) and bing.stars == 2 and "rules.peer_few_raters" in bing.warnings
    ding = live["丁"]  # only 5 complete months: no monthly component; the veto makes it 1 star anyway
    assert ding.components["monthly"] is None and ding.composite is None and ding.stars == 1 and ding.vetoed
    ji = live["己"]
    assert ji.composite is None and ji.stars is None and ji.missing == ("monthly", "self", "peer", "public")
    with db.session() as s:
        assert [r.org for r in ratings_for_year(s, None, 2025)] == list(live)  # all centres
        assert ratings_for_year(s, centre.id, 2024) == []


def test_settings_in_force_for_december_decide(db, centre, orgs, tmp_path):
    import_reviews(db, write_csv(tmp_path / "r.csv", REVIEWS), None, "me")
    only_party = {"party": 100, "monthly": 0, "self": 0, "peer": 0, "public": 0}
    with db.session() as s:
        set_setting(s, centre.id, "weights", "2026-01", only_party, "t")  # too late for 2025
        assert _by_org(ratings_for_year(s, centre.id, 2025))["甲"].composite == Fraction(917, 10)
        set_setting(s, centre.id, "weights", "2025-12", only_party, "t")
        live = _by_org(ratings_for_year(s, centre.id, 2025))
    assert live["甲"].composite == 90 and live["己"].composite == 80  # weight-0 components are optional


def test_finalise_year(db, centre, orgs, tmp_path):
    import_reviews(db, write_csv(tmp_path / "r.csv", REVIEWS), None, "me")
    with db.session() as s:
        result = finalise_year(s, centre.id, 2025, "主任")
    assert [r.org for r in result.rated] == ["丁", "丙", "乙", "甲"]
    assert [r.org for r in result.not_rated] == ["己"]  # 戊 was not a member in 2025
    assert result.priority == ["甲"]
    assert sorted(result.cases_opened) == [("丁", 1), ("丙", 2), ("乙", 3)]
    with db.session() as s:
        ratings = {r.org_id: r for r in s.execute(select(Rating)).scalars()}
        cases = s.execute(select(OrgCase).where(OrgCase.kind == "annual")).scalars().all()
    jia = ratings[orgs["甲"]]
    assert (jia.stars, jia.original_stars, jia.priority, jia.composite) == (5, 5, True, "917/10")
    assert jia.inputs["components"]["peer"] == "80" and jia.inputs["weights"]["party"] == 30
    assert jia.inputs["date"] == "2026-01-20" and jia.finalised_by == "主任"
    assert ratings[orgs["丁"]].composite is None and ratings[orgs["丁"]].stars == 1
    assert {c.org_id for c in cases} == {orgs["乙"], orgs["丙"], orgs["丁"]}
    assert all(c.rating_id == ratings[c.org_id].id and c.year == 2025 for c in cases)

    # never overwritten: new inputs change nothing finalised, a second finalise skips them
    with db.session() as s:
        set_review_input(s, orgs["甲"], 2025, "t", party_cent=1000)
        set_review_input(s, orgs["己"], 2025, "t", self_cent=9000, public_cent=9000)
    with db.session() as s:
        live = _by_org(ratings_for_year(s, centre.id, 2025))
        again = finalise_year(s, centre.id, 2025, "主任")
    assert live["甲"].finalised and live["甲"].stars == 5 and live["甲"].composite == Fraction(917, 10)
    assert live["甲"].components["party"] == 90  # the stored inputs, not the changed ones
    assert {r.org for r in again.already} == {"甲", "乙", "丙", "丁"} and again.rated == []
    assert again.cases_opened == []
    with db.session() as s:
        assert len(s.execute(select(Rating)).all()) == 4


def test_amend_rating(db, centre, orgs, tmp_path):
    import_reviews(db, write_csv(tmp_path / "r.csv", REVIEWS), None, "me")
    with db.session() as s:
        finalise_year(s, centre.id, 2025, "主任")
        rating = s.execute(select(Rating).where(Rating.org_id == orgs["甲"])).scalars().one()
    with db.session() as s, pytest.raises(UserError, match="原因"):
        amend_rating(s, rating.id, 4, "  ", "主任")
    with db.session() as s, pytest.raises(UserError):
        amend_rating(s, rating.id, 6, "x", "主任")
    with db.session() as s:
        amend_rating(s, rating.id, 4, "年中发现台账造假", "主任")
    with db.session() as s:
        r = s.get(Rating, rating.id)
        amendment = s.execute(select(RatingAmendment)).scalars().one()
        audit = s.execute(select(AuditEntry).where(AuditEntry.row_id == rating.id, AuditEntry.field == "stars")
                          .order_by(AuditEntry.at)).scalars().all()
        live = _by_org(ratings_for_year(s, centre.id, 2025))["甲"]
    assert (r.stars, r.original_stars, r.priority) == (4, 5, False)
    assert (amendment.old_stars, amendment.new_stars, amendment.reason) == (5, 4, "年中发现台账造假")
    assert [(a.old, a.new) for a in audit][-1] == ("5", "4")
    assert live.stars == 4
    with db.session() as s:  # lowered to 3 stars: an annual case opens (once)
        amend_rating(s, rating.id, 3, "复查", "主任")
        amend_rating(s, rating.id, 2, "再查", "主任")
        assert len(s.execute(select(OrgCase).where(OrgCase.org_id == orgs["甲"], OrgCase.kind == "annual")).all()) == 1


def test_set_peer_ratings_and_inputs_by_hand(db, centre, orgs):
    with db.session() as s:
        other = create_centre(s, "另一中心", "t")
        stranger, _ = add_org(s, other.id, {"name": "外人", "category": "charity", "entry_date": date(2024, 1, 1)}, "t")
    with db.session() as s, pytest.raises(UserError, match="自己"):
        set_peer_ratings(s, orgs["甲"], 2025, [(orgs["甲"], 9000)], "t")
    with db.session() as s, pytest.raises(UserError, match="不是本中心"):
        set_peer_ratings(s, orgs["甲"], 2025, [(stranger.id, 9000)], "t")
    with db.session() as s, pytest.raises(UserError, match="0到100"):
        set_review_input(s, orgs["甲"], 2025, "t", party_cent=10001)
    with db.session() as s, pytest.raises(UserError, match="2025年不在本中心"):
        set_review_input(s, orgs["戊"], 2025, "t", party_cent=9000)
    with db.session() as s:
        assert set_peer_ratings(s, orgs["甲"], 2025, [(orgs["乙"], 9000), (None, 8000)], "t") == 2
        assert set_peer_ratings(s, orgs["甲"], 2025, [(None, 8000), (orgs["乙"], 9000)], "t") == 0
        assert set_peer_ratings(s, orgs["甲"], 2025, [(None, 7000)], "t") == 3
        res = set_review_input(s, orgs["甲"], 2025, "t", party_cent=9000, veto="安全事故")
        assert res.created and res.case is not None and res.case.kind == "veto"
        assert set_review_input(s, orgs["甲"], 2025, "t", veto="安全事故（更正）").case is None
    with db.session() as s:
        live = _by_org(ratings_for_year(s, centre.id, 2025))["甲"]
        assert live.components["peer"] == 70 and live.stars == 1
        audits = s.execute(select(AuditEntry).where(AuditEntry.table_name == "review_input")).scalars().all()
    assert {(a.field, a.new) for a in audits} >= {("party_cent", "9000"), ("veto", "安全事故")}


def test_live_monthly_component_counts_the_complete_months_it_belonged(db, centre):
    """The monthly component from the year's month results: only complete months, not exempt, not
    paused, within the org's membership; a month with an N/A item is out of a smaller maximum."""
    from incubator_tui.rules.rating import monthly_component
    from incubator_tui.services.centres import Checklists
    from incubator_tui.services.orgs import mark_left, update_org
    from incubator_tui.services.scoring import Cell, save_cells, set_exempt, set_paused
    from tests.helpers import make_org, score_month

    with db.session() as s:
        set_paused(s, centre.id, "2025-08", True, "t")  # nobody is scored in August
    part = make_org(db, centre, "庚", entry=date(2024, 1, 1))
    whole = make_org(db, centre, "辛", entry=date(2024, 1, 1))
    months = [f"2025-{m:02d}" for m in range(1, 13) if m != 8]
    part_totals = dict(zip(months, ["9.5", "9.5", "9.5", "6.5", "7.0", "8.5", "9.0", "5.5", "7.5", "8.0", "9.5"]))
    whole_totals = dict(zip(months, ["8.0", "7.5", "7.5", "6.0", "9.0", "8.5", "7.0", "6.5", "8.0", "7.5", None]))
    for m in months:
        score_month(db, centre, part, m, part_totals[m])
        if m == "2025-03":
            score_month(db, centre, whole, m, whole_totals[m], na=("records",))  # 7.5 of 9 points: 25/3
        elif whole_totals[m] is not None:
            score_month(db, centre, whole, m, whole_totals[m])
    with db.session() as s:
        item = Checklists(s, centre.id).items_for("2025-12")[0]
        save_cells(s, centre.id, whole, "2025-12", {item.id: Cell(200)}, "t")  # December half entered
        set_exempt(s, centre.id, part, "2025-10", "外出培训", "t")
        update_org(s, part, {"entry_date": date(2025, 4, 1)}, "t")  # it belonged April ...
        mark_left(s, part, "exited", date(2025, 11, 10), "t")  # ... to November
        for org_id in (part, whole):
            set_review_input(s, org_id, 2025, "t", party_cent=9000, self_cent=9000, public_cent=9000)
    with db.session() as s:
        live = _by_org(ratings_for_year(s, centre.id, 2025))
    part_counted = [Fraction(part_totals[m]) for m in ("2025-04", "2025-05", "2025-06", "2025-07", "2025-09",
                                                       "2025-11")]
    whole_counted = [Fraction(whole_totals[m]) for m in months if whole_totals[m] and m != "2025-03"]
    whole_counted.append(Fraction(25, 3))
    assert live["庚"].monthly_months == 6 and live["庚"].components["monthly"] == monthly_component(part_counted)
    assert live["辛"].monthly_months == 10 and live["辛"].components["monthly"] == monthly_component(whole_counted)


# ---------------------------------------------------------------- the review screen's services and model (#10)


def test_set_peer_rating_by_hand_retires_the_raters_earlier_one(db, orgs):
    from incubator_tui.services.reviews import set_peer_rating

    with db.session() as s:
        assert set_peer_rating(s, orgs["甲"], 2025, orgs["乙"], 8000, "t") == 1
        assert set_peer_rating(s, orgs["甲"], 2025, orgs["乙"], 8000, "t") == 0  # the same: nothing
        assert set_peer_rating(s, orgs["甲"], 2025, orgs["乙"], 8500, "t") == 2
        with pytest.raises(UserError):
            set_peer_rating(s, orgs["甲"], 2025, orgs["甲"], 9000, "t")  # never itself
        with pytest.raises(UserError):
            set_peer_rating(s, orgs["甲"], 2025, orgs["戊"], 9000, "t")  # not a 2025 member
        with pytest.raises(UserError):
            set_peer_rating(s, orgs["甲"], 2025, orgs["丙"], 10001, "t")
    with db.session() as s:
        rows = s.execute(select(PeerRating.value_cent, PeerRating.active).where(PeerRating.org_id == orgs["甲"])).all()
        audits = s.execute(select(AuditEntry.field).where(AuditEntry.table_name == "peer_rating")).scalars().all()
    assert sorted(rows) == [(8000, False), (8500, True)]  # kept, never deleted
    assert sorted(audits) == ["active", "value", "value"]


def test_inputs_of_a_finalised_org_are_frozen_and_a_later_veto_amends_it(db, centre, orgs):
    from incubator_tui.services.reviews import record_veto, set_review_value

    with db.session() as s:
        set_review_input(s, orgs["甲"], 2025, "t", party_cent=9000, self_cent=9000, public_cent=9000)
        set_peer_ratings(s, orgs["甲"], 2025, [(None, 9000)] * 3, "t")
        finalise_year(s, centre.id, 2025, "t")
    with db.session() as s, pytest.raises(UserError, match="已定级"):
        set_review_value(s, orgs["甲"], 2025, "party", 5000, "t")
    with db.session() as s:
        res = record_veto(s, orgs["甲"], 2025, "重大安全事故", "t")
    assert res.amended and res.case is not None
    with db.session() as s:
        rating = s.execute(select(Rating).where(Rating.org_id == orgs["甲"])).scalars().one()
        amendment = s.execute(select(RatingAmendment)).scalars().one()
        kinds = sorted(s.execute(select(OrgCase.kind).where(OrgCase.org_id == orgs["甲"])).scalars())
    assert (rating.stars, rating.original_stars, rating.priority) == (1, 5, False)
    assert amendment.reason == "一票否决：重大安全事故" and kinds == ["annual", "veto"]


def test_requests_for_review_within_publicity_one_at_a_time(db, centre, orgs):
    from incubator_tui.services.reviews import confirm_rating, request_review

    with db.session() as s:
        set_review_input(s, orgs["甲"], 2025, "t", party_cent=9000, self_cent=9000, public_cent=9000)
        set_peer_ratings(s, orgs["甲"], 2025, [(None, 9000)] * 3, "t")
        finalise_year(s, centre.id, 2025, "t")
    with db.session() as s:
        rating = s.execute(select(Rating)).scalars().one()
        assert rating.publicity_until == date(2026, 1, 26)  # finalised 2026-01-20, 7 days
        with pytest.raises(UserError):
            confirm_rating(s, rating.id, "维持", "t")  # nothing to decide yet
        request_review(s, rating.id, "互评有误", "t")
        with pytest.raises(UserError, match="待决定"):
            request_review(s, rating.id, "再申请", "t")
        with pytest.raises(UserError):
            confirm_rating(s, rating.id, "  ", "t")  # a reason is required
    with db.session() as s:
        amend_rating(s, rating.id, 4, "互评更正", "t")  # amending decides the request
    with db.session() as s:
        decision = s.execute(select(AuditEntry.new).where(AuditEntry.table_name == "rating_request",
                                                          AuditEntry.field == "decision")).scalars().all()
    assert decision == ["amended"]
    from incubator_tui.services.access import read
    from incubator_tui.services.reviews import priority_list, rating_history

    assert read(db, priority_list, centre.id, 2025) == []  # 4 stars now: off the priority list
    history = read(db, rating_history, orgs["甲"])
    assert [e[2] for e in history[0].events] == ["request", "amended"] and history[0].original_stars == 5


def _year(rows, **kw):
    from incubator_tui.rules.rating import DEFAULT_CUTOFFS, DEFAULT_WEIGHTS
    from incubator_tui.services.reviews import ReviewYear

    return ReviewYear(2025, rows, dict(kw.get("weights", DEFAULT_WEIGHTS)), DEFAULT_CUTOFFS, 60, 3, 6, True)


def _live(name: str, **comps):
    from incubator_tui.rules.rating import COMPONENTS
    from incubator_tui.services.reviews import LiveRating

    components = {c: (Fraction(comps[c]) if c in comps else None) for c in COMPONENTS}
    return LiveRating("c", "中心", f"id-{name}", name, 2025, components, None, None, (), peer_raters=3,
                      monthly_months=12)


def test_review_model_types_commits_and_rates_as_the_keys_go():
    from incubator_tui.editing.review_model import ReviewModel, ValueJob

    model = ReviewModel(_year([_live("甲", monthly=80, peer=80), _live("乙", monthly=90, peer=90)]), "c")
    assert (model.row, model.column) == (0, "party")
    for ch in "80":
        model.type(ch)
    assert model.row_view(0)[1].text == "80_" and model.row_view(0)[1].look == "editing"
    out = model.commit_next()
    assert [type(j) for j in out.saves] == [ValueJob] and out.saves[0].value_cent == 8000
    assert model.column == "self"
    for value in ("80", "80"):
        for ch in value:
            model.type(ch)
        model.commit_next()
    assert (model.row, model.column) == (1, "party")  # after public: the next org's party
    assert model.row_view(0)[6].text == "80.00" and model.row_view(0)[7].text == "★★★★☆"
    for ch in "101":
        model.type(ch)
    refused = model.commit_next()
    assert not refused.ok and model.buffer == "101" and model.row == 1  # refused in place
    assert model.row_view(1)[1].look == "invalid"
    model.discard()
    assert model.buffer is None and model.row_view(1)[1].text == "·"
    # a save that failed for a reason a retry may mend (the disk full): the value stays, marked
    # not saved, the rating counts it; retry saves it again, as shown
    job = out.saves[0]
    shown = model.save_failed(job, RuntimeError("磁盘已满"))
    assert model.rows[0].components["party"] == 80 and "磁盘已满" in shown.notices[0].text
    assert (model.row_view(0)[1].text, model.row_view(0)[1].mark, model.row_view(0)[1].look) == ("80", "!", "failed")
    assert model.row_view(0)[7].text == "★★★★☆" and "未保存：党建" in model.row_view(0)[9].text
    again = model.retry()
    assert [(j.component, j.value_cent, j.retry) for j in again.saves] == [("party", 8000, True)]
    assert model.row_view(0)[1].mark == "" and not model.failed
    # refused by the rules (say the year was finalised meanwhile): the stored value comes back
    shown = model.save_failed(again.saves[0], UserError("review.ui.no_rows"))
    assert model.rows[0].components["party"] is None and model.row_view(0)[1].text == "·"
    assert "未保存" in shown.notices[0].text and not model.failed


def test_weight_zero_components_are_optional(db, centre, orgs):
    """Peer and public at weight 0: an org without them is rated on the other three."""
    with db.session() as s:
        set_setting(s, centre.id, "weights", "2025-01",
                    {"party": 40, "monthly": 40, "self": 20, "peer": 0, "public": 0}, "t")
        set_review_input(s, orgs["甲"], 2025, "t", party_cent=9000, self_cent=9500)
    from incubator_tui.services.access import read
    from incubator_tui.services.reviews import review_year

    row = next(r for r in read(db, review_year, centre.id, 2025).rows if r.org == "甲")
    # (40 × 90 + 40 × 100 + 20 × 95) / 100 = 95
    assert row.composite == 95 and row.stars == 5 and row.missing == ()


def test_a_first_page_is_the_first_rows_of_the_whole_year(db, centre, orgs):
    """The review screen's first page (read without the centre's other orgs) shows exactly the
    first rows of the whole year, whatever the page size: members with and without inputs, an
    org with inputs that no longer belonged that year, a finalised rating, and peer ratings by
    raters on the page, beyond it (counted), beyond it and not members that year (not counted),
    unnamed; and the same for ``ratings_for_year``'s name order."""
    from incubator_tui.services.orgs import mark_left, update_org
    from incubator_tui.services.reviews import review_year
    from tests.helpers import make_org

    more = {name: make_org(db, centre, name) for name in ("Alpha 社", "阿尔法", "zz 末尾", "中间", "一月走")}
    more["腊月来"] = make_org(db, centre, "腊月来", entry=date(2025, 12, 31))  # members that year, no inputs
    with db.session() as s:
        set_review_input(s, orgs["甲"], 2025, "t", party_cent=9000, self_cent=9000, public_cent=9000)
        set_peer_ratings(s, orgs["甲"], 2025, [(None, 9000)] * 3, "t")
        finalise_year(s, centre.id, 2025, "t")  # 甲 only can be rated: finalised
        set_review_input(s, more["中间"], 2025, "t", party_cent=8000, self_cent=7000, public_cent=6000)
        set_review_input(s, orgs["丁"], 2025, "t", party_cent=5000, veto="违规")
        set_peer_ratings(s, more["中间"], 2025, [(orgs["乙"], 8000), (more["zz 末尾"], 9000),
                                                (more["Alpha 社"], 7000), (None, 6000)], "t")
        set_peer_ratings(s, more["阿尔法"], 2025, [(more["zz 末尾"], 5000), (orgs["丙"], 6000)], "t")
        # After the fact: zz 末尾 entered in 2026 (its ratings no longer count), 己 had left in 2024
        # (its inputs remain: a row all the same).
        set_review_input(s, orgs["己"], 2025, "t", party_cent=7000)
        update_org(s, more["zz 末尾"], {"entry_date": date(2026, 3, 1)}, "t")
        mark_left(s, orgs["己"], "exited", date(2024, 6, 30), "t")
        mark_left(s, more["一月走"], "graduated", date(2025, 1, 1), "t")
    with db.session() as s:
        whole = review_year(s, centre.id, 2025).rows
        by_name = ratings_for_year(s, centre.id, 2025)
        assert {r.org for r in whole} >= {"甲", "中间", "阿尔法", "己", "一月走", "腊月来"}
        assert "zz 末尾" not in {r.org for r in whole}
        assert not any(r.org == "己" and r.components["party"] is None for r in whole)  # not a member: its inputs
        assert {r.org: r.peer_raters for r in whole}["中间"] == 3  # zz 末尾's rating does not count
        assert {r.org: r.finalised for r in whole}["甲"]
        for n in range(1, len(whole) + 2):
            assert review_year(s, centre.id, 2025, first=n).rows == whole[:n], n
        for n in range(1, len(by_name) + 2):
            assert ratings_for_year(s, centre.id, 2025, first=n) == by_name[:n], n
