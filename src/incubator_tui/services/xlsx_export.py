"""Excel exports (DOMAIN 9): a year's report and the blank inspection sheet for a month.

The report has one sheet each for the monthly totals (organisations × months,
totals below the threshold in force coloured), the item scores, the monthly
ranking (通报: organisations by total, with the month's average), the flags,
the cases and the ratings.  Headers are in the app's language (Chinese by
default); column widths follow the display width of the text, a Chinese
character counting two.  openpyxl is imported only here, when a file is
written.  The data is read with the services the app uses, so the file shows
what the screens show.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from incubator_tui.i18n import get_language, t
from incubator_tui.services.exchange import ExchangeError, fsync_dir, private_new_file, remove_quietly

if TYPE_CHECKING:
    from incubator_tui.db import Database

LOW_FILL = "F8CBAD"  # a soft red that prints as grey
HEADER_FILL = "DDEBF7"


@dataclass
class XlsxReport:
    path: Path
    centre: str
    what: str
    sheets: tuple[str, ...] = ()
    rows: int = 0


def display_width(value: object) -> int:
    """Columns a value takes on screen and paper: CJK (wide and full-width) characters count two."""
    s = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _total_number(x: Fraction) -> float:
    """A total for a cell: rounded half up to one decimal first (the number shown everywhere)."""
    from incubator_tui.rules.scoring import round_half_up

    return float(round_half_up(x, 1))


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise ExchangeError("exchange.out_is_folder", path=str(out))
    if not out.parent.is_dir():
        raise ExchangeError("exchange.out_no_folder", path=str(out), folder=str(out.parent))


def _save(wb, out: Path) -> None:  # noqa: ANN001 - an openpyxl Workbook
    """Written beside the target and renamed: a failure never leaves half a workbook."""
    part = out.with_name(f".{out.name}.part")
    remove_quietly(part)
    try:
        private_new_file(part)
        wb.save(part)
        os.replace(part, out)
        fsync_dir(out.parent)
    except OSError as exc:
        raise ExchangeError("exchange.write_failed", path=str(out), detail=exc.strerror or str(exc)) from exc
    finally:
        remove_quietly(part)


class _Sheet:
    """A worksheet filled row by row, remembering each column's widest text."""

    def __init__(self, wb, title: str, headers: list[str]) -> None:  # noqa: ANN001
        from openpyxl.styles import Alignment, Font, PatternFill

        self.ws = wb.create_sheet(title)
        self.widths = [display_width(h) for h in headers]
        self.ws.append(headers)
        bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
        for cell in self.ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.ws.freeze_panes = "B2"
        self.rows = 0

    def add(self, values: list[Any]) -> int:
        self.ws.append(values)
        self.rows += 1
        for i, v in enumerate(values):
            w = display_width(v)
            if i >= len(self.widths):
                self.widths.append(w)
            elif w > self.widths[i]:
                self.widths[i] = w
        return self.ws.max_row

    def finish(self, *, cap: int = 60) -> None:
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = min(cap, w + 2)


# --------------------------------------------------------------------------- the year's report


def default_year(db: Database, centre_id: str) -> int:
    from incubator_tui.services.clock import current_month
    from incubator_tui.services.flags import latest_scored_month

    with db.reading() as conn:
        latest = latest_scored_month(conn, centre_id)
    return int((latest or current_month())[:4])


def write_workbook(db: Database, out: Path | str, *, year: int | None = None, centre: str | None = None) -> XlsxReport:
    """The year's report for the centre (the only one, or ``centre``); ``year`` defaults to the
    year of the latest score."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    from incubator_tui.rules.months import months_between
    from incubator_tui.rules.scoring import format_total, is_low
    from incubator_tui.rules.settings import threshold_for
    from incubator_tui.services.case_reasons import case_reasons
    from incubator_tui.services.cases import list_cases
    from incubator_tui.services.centres import Checklists, resolve_centre, setting_entries
    from incubator_tui.services.flags import compute_flags
    from incubator_tui.services.reviews import ratings_for_year

    out = Path(out).expanduser()
    _check_out(out)
    with db.reading() as conn:
        ref = resolve_centre(conn, centre, required_if_many=True)
        if ref is None:
            raise ExchangeError("exchange.no_centre", path=str(db.path))
    year = year or default_year(db, ref.id)
    months = months_between(f"{year}-01", f"{year}-12")
    low_fill = PatternFill("solid", fgColor=LOW_FILL)
    en = get_language() == "en"
    wb = Workbook()
    wb.remove(wb.active)
    with db.reading() as conn:
        checklists = Checklists(conn, ref.id)
        threshold = threshold_for(setting_entries(conn, ref.id))
        orgs = _members(conn, ref.id, year)
        results = _month_results(conn, ref.id, year)
        paused = {r[0] for r in conn.execute(text(
            "SELECT month FROM centre_month WHERE centre_id = :c AND paused = :t AND month BETWEEN :a AND :b"),
            {"c": ref.id, "t": True, "a": months[0], "b": months[-1]})}
        exempt = {(r[0], r[1]) for r in conn.execute(text(
            "SELECT e.org_id, e.month FROM exemption e JOIN organisation o ON o.id = e.org_id "
            "WHERE o.centre_id = :c AND e.active = :t AND e.month BETWEEN :a AND :b"),
            {"c": ref.id, "t": True, "a": months[0], "b": months[-1]})}

        def total(org_id: str, month: str) -> Fraction | None:
            r = results.get((org_id, month))
            if r is None or month in paused or (org_id, month) in exempt:
                return None
            earned, max_cent, scored, na = r
            items = len(checklists.items_for(month))
            if scored == 0 or scored + na < items or max_cent == 0:
                return None
            return Fraction(10 * earned, max_cent)

        # 1. Monthly totals: organisations × months, low totals coloured.
        totals = _Sheet(wb, t("xlsx.sheet.totals", year=year), [
            t("xlsx.col.org"), *[t("xlsx.col.month_n", n=int(m[5:])) for m in months], t("xlsx.col.average")])
        for org in orgs:
            values: list[Any] = [org.name]
            lows = []
            complete = []
            for i, m in enumerate(months):
                x = total(org.id, m) if org.member_in(m) else None
                if x is None:
                    mark = ""
                    if org.member_in(m) and (m in paused or (org.id, m) in exempt):
                        mark = t("xlsx.paused") if m in paused else t("xlsx.exempt")
                    values.append(mark)
                    continue
                complete.append(x)
                values.append(_total_number(x))
                if is_low(x, threshold(m)):
                    lows.append(i + 2)
            values.append(_total_number(sum(complete) / len(complete)) if complete else "")
            row = totals.add(values)
            for col in lows:
                totals.ws.cell(row=row, column=col).fill = low_fill
            for col in range(2, len(values) + 1):
                totals.ws.cell(row=row, column=col).number_format = "0.0"
        totals.finish()

        # 2. Item scores: one row per organisation and month scored.
        codes: dict[str, str] = {}
        names = _item_names(conn, ref.id)
        for m in months:
            for it in checklists.items_for(m):
                codes.setdefault(it.code, names.get(it.id, it.name))
        items_sheet = _Sheet(wb, t("xlsx.sheet.items"), [
            t("xlsx.col.org"), t("xlsx.col.month"), *codes.values(), t("xlsx.col.total"), t("xlsx.col.reasons")])
        scores = _item_scores(conn, ref.id, year)
        for org in orgs:
            for m in months:
                cells = scores.get((org.id, m))
                if not cells:
                    continue
                by_code = {code: cell for code, cell in cells}
                row: list[Any] = [org.name, m]
                reasons = []
                for code in codes:
                    cell = by_code.get(code)
                    if cell is None:
                        row.append("")
                        continue
                    value_cent, na, reason = cell
                    row.append("N/A" if na else ("" if value_cent is None else value_cent / 100))
                    if reason:
                        reasons.append(f"{codes[code]}：{reason}" if not en else f"{codes[code]}: {reason}")
                x = total(org.id, m)
                row.append(_total_number(x) if x is not None else "")
                row.append("；".join(reasons) if not en else "; ".join(reasons))
                items_sheet.add(row)
        items_sheet.finish()

        # 3. Monthly ranking (通报): by total, with the month's average of complete totals.
        ranking = _Sheet(wb, t("xlsx.sheet.ranking"), [
            t("xlsx.col.month"), t("xlsx.col.rank"), t("xlsx.col.org"), t("xlsx.col.total"),
            t("xlsx.col.month_average"), t("xlsx.col.below")])
        for m in months:
            ranked = sorted(((x, org.name) for org in orgs if org.member_in(m)
                             for x in [total(org.id, m)] if x is not None), key=lambda p: (-p[0], p[1]))
            if not ranked:
                continue
            average = sum(x for x, _ in ranked) / len(ranked)
            rank = 0
            previous = None
            for n, (x, name) in enumerate(ranked, start=1):
                if x != previous:
                    rank, previous = n, x  # equal totals share a rank
                row_no = ranking.add([m, rank, name, _total_number(x), _total_number(average),
                                      t("xlsx.yes") if is_low(x, threshold(m)) else ""])
                if is_low(x, threshold(m)):
                    ranking.ws.cell(row=row_no, column=4).fill = low_fill
        ranking.finish()

        # 4. Flags as of the year's last month that has begun.
        from incubator_tui.services.dates import centre_month

        as_of = min(months[-1], centre_month(conn, ref.id))
        flags = _Sheet(wb, t("xlsx.sheet.flags"), [
            t("xlsx.col.org"), t("xlsx.col.level"), t("xlsx.col.streak"), t("xlsx.col.months"), t("xlsx.col.as_of")])
        if as_of >= months[0]:
            for f in sorted(compute_flags(conn, ref.id, as_of), key=lambda f: (f.level != "red", f.org)):
                flags.add([f.org, t(f"xlsx.level.{f.level}"), f.streak.count,
                           "，".join(f"{mm} {format_total(x)}" for mm, x in zip(f.months, f.totals)), as_of])
        flags.finish()

        # 5. Cases, open and closed.
        cases = _Sheet(wb, t("xlsx.sheet.cases"), [
            t("xlsx.col.org"), t("xlsx.col.kind"), t("xlsx.col.state"), t("xlsx.col.opened"),
            t("xlsx.col.deadline"), t("xlsx.col.reason")])
        # The reason in the language of this workbook, as the cases screen and ``cases`` show it
        # (the stored sentence is in the language of the day the case opened).
        reasons = case_reasons(conn, ref.id)
        for c in list_cases(conn, ref.id):
            cases.add([c.org, t(f"case_kind.{c.kind}"), t(f"case_state.{c.state}"), c.opened_on.isoformat(),
                       c.deadline.isoformat() if c.deadline else "", reasons.get(c.id, c.reason)])
        cases.finish()

        # 6. Ratings of the year (finalised or live).
        ratings = _Sheet(wb, t("xlsx.sheet.ratings", year=year), [
            t("xlsx.col.org"), t("xlsx.col.composite"), t("xlsx.col.stars"), t("xlsx.col.finalised")])
        from incubator_tui.rules.scoring import round_half_up

        for r in sorted(ratings_for_year(conn, ref.id, year), key=lambda r: r.org):
            ratings.add([r.org, "" if r.composite is None else float(round_half_up(r.composite, 2)),
                         "" if r.stars is None else r.stars, t("xlsx.yes") if r.finalised else ""])
        ratings.finish()
    _save(wb, out)
    sheets = tuple(wb.sheetnames)
    return XlsxReport(out, ref.name, t("xlsx.what_report", year=year), sheets,
                      totals.rows + items_sheet.rows + ranking.rows)


@dataclass(frozen=True)
class _Member:
    id: str
    name: str
    first: str
    last: str | None

    def member_in(self, month: str) -> bool:
        return self.first <= month and (self.last is None or month <= self.last)


def _item_names(conn, centre_id: str) -> dict[str, str]:  # noqa: ANN001
    """item id -> its name in the app's language (the English name when there is one, with --lang en)."""
    rows = conn.execute(text(
        "SELECT i.id, i.name, i.name_en FROM checklist_item i JOIN checklist_version v ON v.id = i.version_id "
        "WHERE v.centre_id = :c"), {"c": centre_id}).all()
    en = get_language() == "en"
    return {r[0]: (r[2] or r[1]) if en else r[1] for r in rows}


def _members(conn, centre_id: str, year: int) -> list[_Member]:  # noqa: ANN001
    """The organisations that belonged to the centre in some month of ``year``, by name."""
    rows = conn.execute(text(
        "SELECT id, name, entry_date, end_date FROM organisation WHERE centre_id = :c"), {"c": centre_id}).all()
    out = []
    for org_id, name, entry, end in rows:
        first = str(entry)[:7]
        last = str(end)[:7] if end else None
        if first <= f"{year}-12" and (last is None or last >= f"{year}-01"):
            out.append(_Member(org_id, name, first, last))
    return sorted(out, key=lambda m: m.name)


def _month_results(conn, centre_id: str, year: int) -> dict[tuple[str, str], tuple[int, int, int, int]]:  # noqa: ANN001
    rows = conn.execute(text(
        "SELECT r.org_id, r.month, r.earned_cent, r.max_cent, r.scored, r.na_count FROM month_result r "
        "JOIN organisation o ON o.id = r.org_id WHERE o.centre_id = :c AND r.month BETWEEN :a AND :b"),
        {"c": centre_id, "a": f"{year}-01", "b": f"{year}-12"}).all()
    return {(r[0], r[1]): (r[2], r[3], r[4], r[5]) for r in rows}


def _item_scores(conn, centre_id: str, year: int) -> dict[tuple[str, str], list]:  # noqa: ANN001
    rows = conn.execute(text(
        "SELECT s.org_id, s.month, i.code, s.value_cent, s.na, s.reason FROM score s "
        "JOIN checklist_item i ON i.id = s.item_id JOIN organisation o ON o.id = s.org_id "
        "WHERE o.centre_id = :c AND s.month BETWEEN :a AND :b ORDER BY i.position"),
        {"c": centre_id, "a": f"{year}-01", "b": f"{year}-12"}).all()
    out: dict[tuple[str, str], list] = {}
    for org_id, month, code, value_cent, na, reason in rows:
        if value_cent is None and not na and not reason:
            continue  # a cleared cell
        out.setdefault((org_id, month), []).append((code, (value_cent, bool(na), reason)))
    return out


# --------------------------------------------------------------------------- the inspection sheet


def write_inspection_sheet(db: Database, out: Path | str, month: str, *, centre: str | None = None) -> XlsxReport:
    """A blank sheet for the month's walk-round: every member organisation with the items and
    maxima in force that month, and room to write the score and the reason for lost points.
    Landscape, the header rows repeated on every page, fitted to the page's width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from incubator_tui.rules.scoring import cents_to_text
    from incubator_tui.services.centres import Checklists, resolve_centre

    out = Path(out).expanduser()
    _check_out(out)
    with db.reading() as conn:
        ref = resolve_centre(conn, centre, required_if_many=True)
        if ref is None:
            raise ExchangeError("exchange.no_centre", path=str(db.path))
        items = Checklists(conn, ref.id).items_for(month)
        names = _item_names(conn, ref.id)
        orgs = [m for m in _members(conn, ref.id, int(month[:4])) if m.member_in(month)]
    wb = Workbook()
    ws = wb.active
    ws.title = t("xlsx.sheet.inspection", month=month)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ncols = 2 + 2 * len(items) + 2
    ws.append([t("xlsx.inspection_title", centre=ref.name, month=month)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([t("xlsx.inspection_note")])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    header: list[Any] = [t("xlsx.col.no"), t("xlsx.col.org")]
    for it in items:
        name = names.get(it.id, it.name)
        header += [t("xlsx.col.item_score", item=name, max=cents_to_text(it.max_cent)), t("xlsx.col.item_reason")]
    header += [t("xlsx.col.total"), t("xlsx.col.signature")]
    ws.append(header)
    for cell in ws[3]:
        cell.font, cell.alignment, cell.border = Font(bold=True), centre_align, box
    for n, org in enumerate(orgs, start=1):
        ws.append([n, org.name] + [""] * (ncols - 2))
        row = ws.max_row
        ws.row_dimensions[row].height = 32  # room to write by hand
        for col in range(1, ncols + 1):
            cell = ws.cell(row=row, column=col)
            cell.border = box
            cell.alignment = wrap if col == 2 else centre_align
    widths = [5, max([display_width(o.name) for o in orgs] + [display_width(header[1])]) + 2]
    for it in items:
        widths += [max(8, min(14, display_width(header[len(widths)]) // 2 + 2)), 16]
    widths += [8, 10]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.row_dimensions[3].height = 36
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.freeze_panes = "C4"
    _save(wb, out)
    return XlsxReport(out, ref.name, t("xlsx.what_sheet", month=month), (ws.title,), len(orgs))
