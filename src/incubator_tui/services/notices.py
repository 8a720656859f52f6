"""Notices of a case (DOMAIN 5): 约谈通知书, 整改通知书 and 退出通知书 as Word documents.

A notice is built once as a list of blocks (title, number, paragraphs, the items
table, the signature lines): the app previews their text and the writer lays the
same blocks out on A4 with python-docx (imported only here, when a notice is
written).  Each notice carries a number per centre, kind and year (雪宫孵约〔2026〕3号)
and is recorded as an event on the case; the same notice written again before the
case moves on keeps its number.  The documents cite the organisation's entry
agreement and the centre's rules, never administrative law.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from incubator_tui.errors import UserError
from incubator_tui.rules import cases as rules
from incubator_tui.rules.cases import NoticeKind, chinese_date
from incubator_tui.services.access import reads_sql
from incubator_tui.services.clock import today as today_in_tz

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from incubator_tui.services.cases import CasePage

TITLES = {NoticeKind.INTERVIEW: "约谈通知书", NoticeKind.RECTIFICATION: "整改通知书", NoticeKind.EXIT: "退出通知书"}
FEE_RELIEF_ZH = {"utilities": "水电费减免", "service_for_rent": "以服务换租金", "none": ""}
# The details a notice needs, by the field names the details form uses: (table, column).
DETAIL_COLUMNS = {
    "centre_address": ("centre", "address"),
    "centre_contact": ("centre", "contact"),
    "centre_phone": ("centre", "phone"),
    "rules_title": ("centre", "rules_title"),
    "legal_rep": ("organisation", "legal_rep"),
    "agreement_no": ("organisation", "agreement_no"),
}


def default_folder(output_dir: str = "") -> Path:
    """``notices/`` in the installation's folder for notices and exports when one is set (the
    settings screen), else under ``INCUBATOR_TUI_HOME`` when set, else in the user's documents folder."""
    if output_dir.strip():
        return Path(output_dir.strip()).expanduser() / "notices"
    home = os.environ.get("INCUBATOR_TUI_HOME")
    if home:
        return Path(home) / "notices"
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "notices"


@dataclass(frozen=True)
class NoticeDraft:
    """What a notice says, read from the case, the centre and the organisation."""

    kind: str
    page: CasePage
    centre_id: str
    centre: str
    address: str
    contact: str
    phone: str
    rules_title: str
    prefix: str
    org_id: str
    legal_rep: str
    agreement_no: str
    agreement_start: date | None
    deposit_cent: int
    room: str
    fee_relief: str
    number: str  # the number it will carry (the next one, or the one it was written with)
    year: int
    seq: int
    missing: tuple[str, ...] = ()  # DETAIL_COLUMNS keys that are empty
    threshold: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _d(value) -> date | None:  # noqa: ANN001
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _numbering(conn, centre_id: str, case_id: str, kind: str, year: int, events) -> tuple[int, str | None]:  # noqa: ANN001
    """(sequence number, the number to reuse or None).  The same notice written again before the
    case moved on keeps its number; otherwise the next number of the centre, kind and year."""
    last_move = max((e.at for e in events if e.to_state and e.from_state != e.to_state), default=None)
    for e in reversed(events):
        if e.action == "notice" and e.data.get("kind") == kind and e.data.get("year") == year \
                and (last_move is None or e.at >= last_move):
            return int(e.data.get("seq", 0)), e.data.get("number")
    import json

    seqs = [0]
    for (data,) in conn.execute(text(
            "SELECT e.data FROM case_event e JOIN org_case c ON c.id = e.case_id "
            "WHERE c.centre_id = :c AND e.action = 'notice'"), {"c": centre_id}):
        data = json.loads(data) if isinstance(data, str) else (data or {})
        if data.get("kind") == kind and data.get("year") == year:
            seqs.append(int(data.get("seq", 0)))
    return max(seqs) + 1, None


@reads_sql
def notice_draft(conn, case_id: str, kind: str, on: date | None = None) -> NoticeDraft:  # noqa: ANN001
    """The draft of a notice of ``kind`` for the case, as of ``on`` (today)."""
    from incubator_tui.rules.settings import threshold_for
    from incubator_tui.services.cases import load_case_page
    from incubator_tui.services.centres import setting_entries

    on = on or today_in_tz()
    page = load_case_page(conn, case_id, on)
    if kind not in page.notices:
        raise UserError("notice.not_now", kind=kind, state=page.state)
    c = conn.execute(text("SELECT * FROM centre WHERE id = :id"), {"id": page.centre_id}).mappings().one()
    o = conn.execute(text("SELECT * FROM organisation WHERE id = :id"), {"id": page.org_id}).mappings().one()
    values = {"centre_address": c["address"], "centre_contact": c["contact"], "centre_phone": c["phone"],
              "rules_title": c["rules_title"], "legal_rep": o["legal_rep"], "agreement_no": o["agreement_no"]}
    missing = tuple(k for k, v in values.items() if not (v or "").strip())
    prefix = (c["notice_prefix"] or "").strip() or rules.default_notice_prefix(c["name"])
    seq, number = _numbering(conn, page.centre_id, case_id, kind, on.year, page.events)
    threshold = ""
    if page.months:
        from incubator_tui.rules.scoring import format_total

        thr = threshold_for(setting_entries(conn, page.centre_id))(page.months[-1].month)
        threshold = str(thr) if thr.denominator == 1 else format_total(thr)
    return NoticeDraft(
        kind=kind, page=page, centre_id=page.centre_id, centre=c["name"], address=c["address"] or "",
        contact=c["contact"] or "", phone=c["phone"] or "", rules_title=(c["rules_title"] or "").strip("《》 "),
        prefix=prefix, org_id=page.org_id, legal_rep=o["legal_rep"] or "", agreement_no=o["agreement_no"] or "",
        agreement_start=_d(o["agreement_start"]), deposit_cent=o["deposit_cent"] or 0, room=o["room"] or "",
        fee_relief=o["fee_relief"] or "none", number=number or rules.notice_number(prefix, kind, on.year, seq),
        year=on.year, seq=seq, missing=missing, threshold=threshold,
    )


def save_notice_details(session: Session, centre_id: str, org_id: str, values: dict[str, str], operator: str) -> None:
    """Save the centre's and the organisation's details a notice needs (audited)."""
    from incubator_tui.models import Centre, Organisation
    from incubator_tui.services import audit

    centre, org = session.get(Centre, centre_id), session.get(Organisation, org_id)
    if centre is None or org is None:
        raise UserError("notice.gone")
    for key, value in values.items():
        if key not in DETAIL_COLUMNS:
            continue
        table, column = DETAIL_COLUMNS[key]
        row = centre if table == "centre" else org
        value = value.strip()
        if not value:
            raise UserError("notice.detail_required", field=key)
        old = getattr(row, column)
        if old != value:
            audit.record(session, operator, table, row.id, column, old, value)
            setattr(row, column, value)
            session.add(row)
    session.flush()


# ---------------------------------------------------------------- the text


@dataclass(frozen=True)
class Block:
    kind: str  # title | number | to | para | table | sign | plain
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def _money(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"


def _reason_sentence(d: NoticeDraft) -> str:
    from incubator_tui.rules.scoring import format_total
    from fractions import Fraction

    p = d.page
    if p.kind == "monthly" and p.months:
        months = "、".join(f"{m.month[:4]}年{int(m.month[5:])}月（{format_total(Fraction(m.total))}分）"
                           for m in p.months if m.total)
        below = f"低于{d.threshold}分" if d.threshold else "未达到合格标准"
        return f"你单位{months}月度规范考评得分连续{len(p.months)}个月{below}"
    if p.kind == "annual" and p.rating is not None:
        r = p.rating
        composite = format_total(Fraction(r.composite)) if r.composite else "—"
        return f"你单位{r.year}年度考核综合得分{composite}分，评定为{r.stars}星级"
    return f"你单位存在严重违规情形：{p.reason}" if p.reason else "你单位存在严重违规情形"


def _basis(d: NoticeDraft) -> str:
    agreement = "《入驻协议》"
    if d.agreement_no:
        agreement += f"（协议编号：{d.agreement_no}）"
    rules_title = f"《{d.rules_title}》" if d.rules_title else "本中心管理制度"
    return f"根据你单位与本中心签订的{agreement}及{rules_title}的有关规定"


def _contact_line(d: NoticeDraft) -> str:
    return f"联系人：{d.contact or '＿＿＿＿'}    联系电话：{d.phone or '＿＿＿＿'}    地址：{d.address or '＿＿＿＿'}"


def notice_blocks(d: NoticeDraft, extra: dict[str, Any] | None = None, on: date | None = None) -> list[Block]:
    """The notice as blocks, in Chinese (notices are official documents: always Chinese)."""
    extra = extra or {}
    on = on or d.page.today
    p = d.page
    kind = NoticeKind(d.kind)
    blocks = [Block("plain", d.centre), Block("title", TITLES[kind]), Block("number", d.number),
              Block("to", f"{p.org}：")]
    if kind is NoticeKind.INTERVIEW:
        when = ""
        if extra.get("date"):
            when = chinese_date(date.fromisoformat(extra["date"])) + (f"{extra['clock']}" if extra.get("clock") else "")
        blocks += [
            Block("para", f"{_basis(d)}，{_reason_sentence(d)}。为督促你单位规范运行，本中心决定对你单位进行约谈提醒。"),
            Block("para", f"约谈时间：{when or '＿＿＿＿'}"),
            Block("para", f"约谈地点：{extra.get('place') or '＿＿＿＿'}"),
            Block("para", f"约谈人：{extra.get('interviewers') or '＿＿＿＿'}"),
            Block("para", f"参加人员：请你单位法定代表人（负责人）{d.legal_rep or '＿＿＿＿'}准时参加。"),
            Block("para", f"需携带材料：{extra.get('bring') or '＿＿＿＿'}。"),
            Block("para", "无正当理由不参加约谈的，视为拒绝整改，本中心将依据上述协议及制度作进一步处理。"),
            Block("para", "特此通知。"),
            Block("para", _contact_line(d)),
        ]
    elif kind is NoticeKind.RECTIFICATION:
        interview = chinese_date(p.interview_date) if p.interview_date else "＿＿＿＿"
        rows = tuple((str(n), i.description, i.owner, chinese_date(i.deadline)) for n, i in enumerate(p.items, 1))
        latest = max((i.deadline for i in p.items), default=None)
        blocks += [
            Block("para", f"{_basis(d)}，本中心于{interview}就{_reason_sentence(d)}一事对你单位进行了约谈。"
                          f"经查，你单位存在以下问题：{p.problems or '＿＿＿＿'}。"),
            Block("para", f"你单位承诺：{p.commitments}。" if p.commitments else "请你单位按下列要求限期整改："),
        ]
        if p.commitments:
            blocks.append(Block("para", "请你单位按下列要求限期整改："))
        blocks += [
            Block("table", rows=(("序号", "整改事项", "责任人", "整改期限"), *rows)),
            Block("para", f"本中心将于整改期限届满后（{chinese_date(latest) if latest else '＿＿＿＿'}后）通过现场检查和查阅台账"
                          "的方式进行复查验收。"),
            Block("para", "逾期未整改或经复查整改不到位的，本中心将依据上述协议及制度责令你单位退出孵化中心。"),
            Block("para", "特此通知。"),
            Block("para", _contact_line(d)),
        ]
    else:
        review = chinese_date(p.review_date) if p.review_date else "＿＿＿＿"
        interview = chinese_date(p.interview_date) if p.interview_date else "＿＿＿＿"
        notice = p.notice_date or on
        handover = chinese_date(p.handover_deadline) if p.handover_deadline else "＿＿＿＿"
        objection = chinese_date(p.objection_deadline) if p.objection_deadline else "＿＿＿＿"
        relief = FEE_RELIEF_ZH.get(d.fee_relief, "")
        keys = f"交还{('房间（' + d.room + '）') if d.room else '所用场地'}钥匙及中心提供的设施设备"
        deposit = f"入驻押金{_money(d.deposit_cent)}元经核验无误后予以退还" if d.deposit_cent else "结清相关费用"
        blocks += [
            Block("para", f"因{_reason_sentence(d)}，本中心于{interview}对你单位进行了约谈并要求限期整改。"
                          f"{review}经复查验收，{p.review_findings or '你单位整改不到位'}。"),
            Block("para", f"{_basis(d)}（整改不到位的，中心可责令其退出），本中心决定责令你单位退出孵化中心，"
                          f"自{chinese_date(notice)}起生效。"),
            Block("para", f"请你单位于{handover}前（{p.handover_days}个工作日内）办理退出交接手续：{keys}，{deposit}。"),
            Block("para", f"自退出之日起，你单位享受的{relief}政策同时终止。" if relief
                  else "自退出之日起，你单位在本中心享受的各项扶持政策同时终止。"),
            Block("para", f"如对本决定有异议，可于{objection}前向本中心书面提出申诉，说明理由并附相关材料；"
                          "逾期未提出的，视为无异议。"),
            Block("para", "特此通知。"),
            Block("para", _contact_line(d)),
        ]
    blocks += [
        Block("sign", f"{d.centre}（盖章）"),
        Block("sign", chinese_date(on)),
        Block("plain", f"签收人（{p.org}）：＿＿＿＿＿＿    签收日期：＿＿＿＿年＿＿月＿＿日"),
    ]
    return blocks


def notice_paragraphs(d: NoticeDraft, extra: dict[str, Any] | None = None) -> list[str]:
    """The notice's text, line by line (the app's preview)."""
    out: list[str] = []
    for b in notice_blocks(d, extra):
        if b.kind == "table":
            out += ["  ".join(row) for row in b.rows]
        elif b.kind == "sign":
            out.append(" " * 24 + b.text)
        elif b.kind == "para":
            out.append("  " + b.text)
        else:
            out.append(b.text)
    return out


# ---------------------------------------------------------------- the document

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def notice_path(folder: Path, org: str, kind: str, on: date) -> Path:
    """组织名-通知书-日期.docx in ``folder`` (a name already there gets -2, -3, ...)."""
    stem = f"{_UNSAFE.sub('_', org).strip() or 'org'}-{TITLES[NoticeKind(kind)]}-{on.isoformat()}"
    path = folder / f"{stem}.docx"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.docx"
        n += 1
    return path


def write_notice(
    session: Session, case_id: str, kind: str, operator: str, *, folder: Path, extra: dict[str, Any] | None = None,
    on: date | None = None,
) -> Path:
    """Write the notice into ``folder`` (never over a file) and record it as an event on the case,
    in one transaction: if the event cannot be recorded the file is removed again."""
    from incubator_tui.models import OrgCase
    from incubator_tui.services.cases import _event

    on = on or today_in_tz()
    draft = notice_draft(session, case_id, kind, on)
    if draft.missing:
        raise UserError("notice.details_missing", fields="、".join(draft.missing))
    extra = dict(extra or {})
    blocks = notice_blocks(draft, extra, on)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError("notice.folder_failed", folder=str(folder), detail=err.strerror or str(err)) from err
    path = _claim(folder, draft.page.org, kind, on)
    try:
        render_docx(blocks, path)
        case = session.get(OrgCase, case_id)
        data = {"kind": kind, "number": draft.number, "year": draft.year, "seq": draft.seq, "file": str(path),
                "date": on.isoformat(), **{k: v for k, v in extra.items() if k in ("time", "place", "interviewers",
                                                                                  "bring")}}
        _event(session, case, "notice", case.state, case.state, operator, f"{TITLES[NoticeKind(kind)]} {draft.number}",
               data)
        session.flush()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _claim(folder: Path, org: str, kind: str, on: date) -> Path:
    """Create the notice's file empty and private (0600), under a name nobody has: never overwrites."""
    from incubator_tui import paths

    for _ in range(100):
        path = notice_path(folder, org, kind, on)
        try:
            paths.private_file(path, exclusive=True)
            return path
        except FileExistsError:
            continue  # taken between the look and the creation: the next name
        except OSError as err:
            raise UserError("notice.folder_failed", folder=str(folder), detail=err.strerror or str(err)) from err
    raise UserError("notice.folder_failed", folder=str(folder), detail="")


def render_docx(blocks: list[Block], path: Path) -> None:
    """Lay the blocks out on A4 (python-docx, imported here only)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(3.7 - 1)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = "FangSong"
    normal.font.size = Pt(16)  # 三号
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")

    def para(text_: str, *, align=None, size: float | None = None, bold: bool = False, font: str | None = None,  # noqa: ANN001
             indent: bool = False) -> None:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        run = p.add_run(text_)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if font:
            run.font.name = font
            run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    for b in blocks:
        if b.kind == "title":
            para(b.text, align=WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True, font="宋体")
        elif b.kind == "number":
            para(b.text, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif b.kind == "plain" and b is blocks[0]:
            para(b.text, align=WD_ALIGN_PARAGRAPH.CENTER, size=18, font="黑体")
        elif b.kind == "para":
            para(b.text, indent=True)
        elif b.kind == "sign":
            para(b.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif b.kind == "table":
            table = doc.add_table(rows=0, cols=len(b.rows[0]))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for i, row in enumerate(b.rows):
                cells = table.add_row().cells
                for cell, value in zip(cells, row):
                    cell.text = value
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(12)
                        run.bold = i == 0
        else:
            para(b.text)
    doc.core_properties.title = next((b.text for b in blocks if b.kind == "title"), "")
    doc.save(str(path))
