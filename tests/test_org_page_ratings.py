"""The organisation page's ratings: read once, and their story told on the centre's clock.

``services.org_page.load_org_page`` builds its rating rows from ``services.reviews.rating_history``
alone; the history's event times are stored in UTC and given in the centre's time zone setting.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from incubator_tui.services.access import read
from incubator_tui.services.org_page import load_org_page
from incubator_tui.services.reviews import rating_history
from tests.helpers import make_org


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-15")


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def _rating(db, org: str, year: int, stars: int, original: int, *, priority: bool = False,
            amendments=(), requests=()) -> str:
    """A finalised rating with its amendments ``(at, old, new, reason)`` and requests for review
    ``(recorded_at, received_on, text, decided_at, reason)`` (a decided_at: confirmed), as stored."""
    from incubator_tui.models import Rating, RatingAmendment, RatingRequest

    with db.session() as s:
        r = Rating(org_id=org, year=year, composite="1697/20", stars=stars, original_stars=original,
                   priority=priority, finalised_at=_utc(year + 1, 1, 10, 2, 0))
        s.add(r)
        s.flush()
        for at, old, new, reason in amendments:
            s.add(RatingAmendment(rating_id=r.id, at=at, operator="王主任", old_stars=old, new_stars=new,
                                  reason=reason))
        for at, received, text, decided, reason in requests:
            s.add(RatingRequest(rating_id=r.id, received_on=received, text=text, recorded_at=at,
                                recorded_by="王主任", decision="confirmed" if decided else "pending",
                                decision_reason=reason, decided_at=decided, decided_by="李主任" if decided else ""))
        return r.id


def _set_zone(db, centre, zone: str) -> None:
    from incubator_tui.services.settings import save_centre

    from incubator_tui.services.dates import centre_timezone

    save_centre(db, centre.id, {"timezone": zone}, "王主任")  # Asia/Shanghai is the default: no change
    with db.read_session() as s:
        assert centre_timezone(s, centre.id) == zone


def test_event_times_are_on_the_centres_clock(db, centre, today):
    """Stored 2026-01-31 17:30 UTC, the amendment happened at 01:30 on 1 February in Shanghai;
    the request recorded the previous evening (local) comes first, both to the minute."""
    _set_zone(db, centre, "Asia/Shanghai")
    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    _rating(db, org, 2025, 3, 4,
            amendments=[(_utc(2026, 1, 31, 17, 30), 4, 3, "安全检查不合格")],
            requests=[(_utc(2026, 1, 31, 12, 5), date(2026, 1, 31), "互评人数不足", None, "")])

    [history] = read(db, rating_history, org)

    assert [(when, kind) for when, _op, kind, _t in history.events] == [
        ("2026-01-31 20:05", "request"), ("2026-02-01 01:30", "amended")]


def test_event_times_follow_the_centres_zone_setting(db, centre, today):
    """Another zone, another wall clock: the same instants in Berlin (UTC+1 in winter)."""
    _set_zone(db, centre, "Europe/Berlin")
    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    _rating(db, org, 2025, 3, 4, amendments=[(_utc(2026, 1, 31, 17, 30), 4, 3, "安全检查不合格")],
            requests=[(_utc(2026, 1, 20, 1, 0), date(2026, 1, 20), "互评人数不足", _utc(2026, 1, 25, 23, 15),
                       "材料已核实")])

    [history] = read(db, rating_history, org)

    assert [(when, op, kind) for when, op, kind, _t in history.events] == [
        ("2026-01-20 02:00", "王主任", "request"), ("2026-01-26 00:15", "李主任", "confirmed"),
        ("2026-01-31 18:30", "王主任", "amended")]
    # A caller that knows the zone may say it.
    [named] = read(db, rating_history, org, "Asia/Shanghai")
    assert [when for when, *_rest in named.events] == ["2026-01-20 09:00", "2026-01-26 07:15", "2026-02-01 01:30"]


def test_events_are_in_time_order_across_kinds_and_carry_their_amendments(db, centre, today):
    """Two ratings, each with its own story: amendments and requests interleaved by instant, the
    amendments' old and new stars beside them in the same order, newest year first."""
    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    _rating(db, org, 2024, 4, 5, amendments=[(_utc(2025, 2, 3, 1, 0), 5, 4, "消防检查不合格")])
    _rating(db, org, 2025, 2, 4, priority=False,
            amendments=[(_utc(2026, 3, 1, 1, 0), 3, 2, "年报逾期"), (_utc(2026, 1, 28, 1, 0), 4, 3, "安全检查不合格")],
            requests=[(_utc(2026, 2, 1, 1, 0), date(2026, 2, 1), "互评人数不足", _utc(2026, 2, 5, 1, 0), "材料已核实")])

    newest, oldest = read(db, rating_history, org)

    assert (newest.year, oldest.year) == (2025, 2024)
    assert [kind for _w, _o, kind, _t in newest.events] == ["amended", "request", "confirmed", "amended"]
    assert newest.amendments == ((4, 3, "安全检查不合格"), (3, 2, "年报逾期"))
    assert oldest.amendments == ((5, 4, "消防检查不合格"),) and oldest.priority is False


def test_the_page_tells_each_ratings_story_oldest_year_first(db, centre, today):
    """What the page shows: years oldest first, amendments in the page's short words, requests and
    decisions in the review's, in time order; stars, composite, priority and the finalising day."""
    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    _rating(db, org, 2024, 5, 5, priority=True)
    _rating(db, org, 2025, 2, 4,
            amendments=[(_utc(2026, 3, 1, 1, 0), 3, 2, "年报逾期"), (_utc(2026, 1, 28, 1, 0), 4, 3, "安全检查不合格")],
            requests=[(_utc(2026, 2, 1, 1, 0), date(2026, 2, 1), "互评人数不足", _utc(2026, 2, 5, 1, 0), "材料已核实")])

    with db.read_session() as s:
        page = load_org_page(s, org)

    first, second = page.ratings
    assert (first.year, first.stars, first.original_stars, first.priority, first.events) == (2024, 5, 5, True, ())
    assert first.finalised_on == date(2025, 1, 10)
    assert (second.year, second.stars, second.original_stars, second.priority) == (2025, 2, 4, False)
    assert second.amendments == ((4, 3, "安全检查不合格"), (3, 2, "年报逾期"))
    assert second.events == ("调整 4→3 星：安全检查不合格", "2026-02-01 收到复核申请：互评人数不足",
                             "复核维持原评：材料已核实", "调整 3→2 星：年报逾期")


def test_the_page_reads_each_rating_table_once(db, centre, today):
    """One load of the page: one statement on ``rating``, one on ``rating_amendment``, one on
    ``rating_request``, however many ratings the org has (it read them twice, and each rating's
    amendments and requests one rating at a time)."""
    org = make_org(db, centre, "书香社区读书会", date(2024, 1, 1))
    for year in (2023, 2024, 2025):
        _rating(db, org, year, 3, 4, amendments=[(_utc(year + 1, 2, 1, 1, 0), 4, 3, "年报逾期")],
                requests=[(_utc(year + 1, 1, 20, 1, 0), date(year + 1, 1, 20), "互评人数不足", None, "")])
    tables = Counter()
    pattern = re.compile(r"\b(?:FROM|JOIN)\s+(rating|rating_amendment|rating_request)\b", re.IGNORECASE)

    def count(_conn, _cursor, statement, *_args) -> None:
        tables.update(set(pattern.findall(statement)))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.read_session() as s:
            page = load_org_page(s, org)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert [r.year for r in page.ratings] == [2023, 2024, 2025]
    assert all(len(r.events) == 2 for r in page.ratings)
    assert tables == {"rating": 1, "rating_amendment": 1, "rating_request": 1}
