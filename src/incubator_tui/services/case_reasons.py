"""A case's reason in the language in force, rendered from what the case recorded (#13).

A case stores its reason as a sentence in the language of the moment it opened
(``org_case.reason``: kept as it was, for the record and the notices).  Shown
again, in a list or on the command line, the reason is rendered afresh from the
structured fields the case also keeps:

* ``monthly``: the run's months and exact totals (``2025-01 4.5；2025-02 4.0``);
* ``annual``: the rating's year, composite and the stars it had when the case
  opened (an amendment made later does not rewrite why the case opened);
* ``veto``, or a case without those fields: the stored text, which is what a
  person typed (the violation's description).
"""

from __future__ import annotations

import json
from fractions import Fraction

from sqlalchemy import text

from incubator_tui.services.access import reads_sql


def monthly_reason(months: list[str] | tuple[str, ...], totals: list[str] | tuple[str, ...]) -> str:
    """``2025-01 4.5；2025-02 4.0`` (``; `` in English): each month with its total, one decimal."""
    from incubator_tui.i18n import t
    from incubator_tui.rules.scoring import format_total

    return t("sep.semicolon").join(f"{m} {format_total(Fraction(x))}" for m, x in zip(months, totals))


def annual_reason(year: int, stars: int, composite: str | Fraction | None) -> str:
    """``2025年度评星为3星（综合得分77.79）`` / ``Rated 3 star(s) for 2025 (composite 77.79)``."""
    from incubator_tui.i18n import t
    from incubator_tui.rules.scoring import round_half_up

    shown = f"{round_half_up(Fraction(composite), 2):f}" if composite is not None else "—"
    return t("review.annual_reason", year=year, stars=stars, composite=shown)


def _list(value) -> list:  # noqa: ANN001 - JSON text or an already decoded list
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or ())


@reads_sql
def case_reasons(session, centre_id: str | None = None) -> dict[str, str]:  # noqa: ANN001 - Session or Connection
    """Every case's reason (of one centre, or all), by case id, in the language in force."""
    sql = (
        "SELECT c.id, c.kind, c.reason, c.months, c.totals, r.year AS rating_year, r.composite, "
        "COALESCE((SELECT a.new_stars FROM rating_amendment a WHERE a.rating_id = r.id AND a.at <= c.opened_at "
        "          ORDER BY a.at DESC LIMIT 1), r.original_stars) AS stars "
        "FROM org_case c LEFT JOIN rating r ON r.id = c.rating_id"
    )
    params = {}
    if centre_id is not None:
        sql += " WHERE c.centre_id = :c"
        params["c"] = centre_id
    out: dict[str, str] = {}
    for r in session.execute(text(sql), params):
        months, totals = _list(r.months), _list(r.totals)
        if r.kind == "monthly" and months and len(totals) == len(months):
            out[r.id] = monthly_reason(months, totals)
        elif r.kind == "annual" and r.rating_year is not None and r.stars is not None:
            out[r.id] = annual_reason(r.rating_year, r.stars, r.composite)
        else:
            out[r.id] = r.reason or ""
    return out
