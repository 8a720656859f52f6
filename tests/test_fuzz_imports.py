"""Fuzzing the importers (issue 7, CI): a few hundred mutated CSV and XLSX files, built here
from a fixed seed, each imported through the real services (and a share through the command
line).  None may end in anything but a report or a UserError (no traceback, no "internal
error", no crash.log), and every refusal leaves the database's dump identical."""

from __future__ import annotations

import hashlib
import io
import random
import sqlite3
import zipfile
from pathlib import Path

import pytest

from incubator_tui.cli import main
from incubator_tui.errors import UserError
from incubator_tui.i18n import t
from incubator_tui.services.imports import import_orgs, import_reviews, import_scores

from tests.helpers import make_org, score_month

SEED = 20261130
IMPORTERS = {"orgs": import_orgs, "scores": import_scores, "reviews": import_reviews}
ORGS = ["晨光公益服务社", "稷下青年书画社", "爱心助学协会"]

BASE = {
    "orgs": [["名称", "类别", "组织形式", "入驻日期", "联系人", "联系电话", "统一社会信用代码"],
             ["晨光公益服务社", "社区服务", "社会团体", "2024-01-01", "张三", "13800000000", ""],
             ["新来的志愿队", "志愿服务", "初创团队", "2025/3/1", "李四", "13900000000", ""],
             ["稷下青年书画社", "文化艺术", "社会服务机构", "2024年1月1日", "", "", ""]],
    "scores": [["名称", "月份", "plan", "hygiene", "party", "activity", "records", "safety", "备注"],
               ["晨光公益服务社", "2026-09", "2", "1.5", "2", "2", "1", "1", "卫生不达标"],
               ["稷下青年书画社", "2026/9", "1", "1", "N/A", "2", "0.5", "1", ""],
               ["爱心助学协会", "2026年10月", "2", "2", "2", "2", "1", "1", ""]],
    "reviews": [["名称", "年度", "党建", "自评", "互评", "群众评", "一票否决"],
                ["晨光公益服务社", "2025", "85", "90", "80;稷下青年书画社:88", "92", ""],
                ["稷下青年书画社", "2025", "70", "75.5", "85", "80", ""]],
}

ODD_VALUES = [
    "=1+1", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1:A9)", "+1", "-1", "nan", "inf", "-inf", "1e999", "1E5",
    "9" * 5000, "0x10", "١٢", "２．５", "1,5", "2024-02-30", "0000-01-01", "9999-12-31", "2024/13/1", "2027-01",
    "1900-01-00", "", " ", "N/A", "不适用", "\u202e晨光", "\ufeff晨光公益服务社", "晨光公益服务社\u200b", "\x85",
    "x" * 20_000, "[bold]x[/]", "'; DROP TABLE score; --", "𠀀" * 30, "-0", "0.001", "100.001", "2.5",
]


def csv_bytes(rows, rng: random.Random) -> bytes:
    out = io.StringIO()
    import csv

    csv.writer(out, delimiter=rng.choice([",", ",", ";", "\t"])).writerows(rows)
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "gb18030"])
    return out.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def mutate_rows(rows, rng: random.Random) -> list[list]:
    rows = [list(r) for r in rows]
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(5)
        r = rng.randrange(len(rows))
        if kind == 0 and rows[r]:  # an odd value in a cell (the header included, sometimes)
            rows[r][rng.randrange(len(rows[r]))] = rng.choice(ODD_VALUES)
        elif kind == 1 and rows[0]:  # a duplicated header column
            c = rng.randrange(len(rows[0]))
            rows[0].append(rows[0][c])
            for row in rows[1:]:
                row.append(rng.choice(ODD_VALUES))
        elif kind == 2:  # a row repeated, or cut short
            rows.insert(r, list(rows[r]) if rng.random() < 0.5 else rows[r][: rng.randrange(len(rows[r]) + 1)])
        elif kind == 3:  # title rows above the header
            rows.insert(0, [rng.choice(["孵化中心月度考评表", "", "名称"])])
        else:  # a row of odd values
            rows.append([rng.choice(ODD_VALUES) for _ in rows[0]])
    return rows


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return b"\xff"
    kind = rng.randrange(5)
    if kind == 0:  # truncated
        return data[: rng.randrange(len(data))]
    if kind == 1:  # bytes flipped
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if kind == 2:  # a NUL byte
        i = rng.randrange(len(data))
        return data[:i] + b"\x00" + data[i:]
    if kind == 3:  # re-encoded (UTF-16 as Excel's "Unicode text", Latin-1, Big5 ...)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data[::-1]
        return text.encode(rng.choice(["utf-16", "latin-1", "big5", "shift_jis", "cp1252"]), errors="replace")
    return data + data[: rng.randrange(len(data))]  # a second copy glued on, cut anywhere


def mutate_sheet(data: bytes, rng: random.Random) -> bytes:
    """Change the sheet's XML inside a valid zip: truncated, odd raw values, lying dimension, formula."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            body = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                kind = rng.randrange(4)
                if kind == 0:
                    body = body[: rng.randrange(len(body))]
                elif kind == 1:
                    value = rng.choice(["1e999", "nan", "-inf", "9" * 5000, "1.5", "abc", "", "-1e308"])
                    body = body.replace(b"<v>", f"<v>{value}".encode(), 1) if rng.random() < 0.5 else \
                        body.replace(b'<c r="C2"', f'<c r="C2" t="n"><v>{value}</v></c><c r="Z2"'.encode(), 1)
                elif kind == 2:
                    body = body.replace(b'<dimension ref="', b'<dimension ref="A1:' + rng.choice(
                        [b"B2", b"XFD1048576", b"A1"]) + b'" x="', 1)
                else:
                    body = body.replace(b"<v>", b"<f>1+1</f><v>", 1)
            dst.writestr(name, body)
    return out.getvalue()


def dump_hash(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def cases(rng: random.Random) -> list[tuple[str, str, bytes]]:
    """(kind, file name, content): CSV and XLSX, mutated in rows, bytes or sheet XML."""
    out = []
    for kind, rows in BASE.items():
        for i in range(60):
            mutated = mutate_rows(rows, rng) if rng.random() < 0.8 else rows
            data = csv_bytes(mutated, rng)
            if rng.random() < 0.35:
                data = mutate_bytes(data, rng)
            out.append((kind, f"{kind}-{i}.csv", data))
        for i in range(40):
            mutated = mutate_rows(rows, rng) if rng.random() < 0.6 else rows
            mutated = [[c.replace("\x85", "").replace("\u202e", "") if isinstance(c, str) else c for c in r]
                       for r in mutated]  # openpyxl refuses to write control characters
            data = xlsx_bytes(mutated)
            roll = rng.random()
            if roll < 0.35:
                data = mutate_sheet(data, rng)
            elif roll < 0.55:
                data = mutate_bytes(data, rng)
            out.append((kind, f"{kind}-{i}.xlsx", data))
    return out


@pytest.fixture
def seeded(db, centre, monkeypatch):
    monkeypatch.setenv("INCUBATOR_TUI_TODAY", "2026-11-05")
    ids = [make_org(db, centre, name) for name in ORGS]
    score_month(db, centre, ids[0], "2026-08", "5.5")
    return db


def test_mutated_files_end_in_a_report_or_a_clear_refusal(seeded, db_path, tmp_path, capsys):
    rng = random.Random(SEED)
    all_cases = cases(rng)
    assert len(all_cases) == 300
    internal = t("cli.internal_error", detail="", log="")[:4]
    outcomes = {"imported": 0, "refused": 0}
    failures = []
    before = dump_hash(db_path)
    for n, (kind, name, data) in enumerate(all_cases):
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        if n % 5 == 0:  # a share through the command line, as a user runs it
            rc = main(["import", kind, str(path), "--db", str(db_path)])
            err = capsys.readouterr().err
            ok = rc in (0, 1) and "Traceback" not in err and internal not in err and (rc == 0 or name in err)
            refused = rc == 1
            if not ok:
                failures.append((name, rc, err[-300:]))
        else:
            try:
                IMPORTERS[kind](seeded, path, None, "fuzz")
                refused = False
            except UserError as exc:
                refused = True
                if name not in str(exc):  # every refusal names the file
                    failures.append((name, "the file is not named", str(exc)[:200]))
            except Exception as exc:  # noqa: BLE001 - the point of the test
                failures.append((name, type(exc).__name__, str(exc)[:200]))
                continue
        after = dump_hash(db_path)
        if refused:
            outcomes["refused"] += 1
            if after != before:
                failures.append((name, "refusal changed the database", ""))
        else:
            outcomes["imported"] += 1
        before = after
    assert not failures, failures[:10]
    assert outcomes["refused"] > 100 and outcomes["imported"] > 10, outcomes  # both paths were exercised
    assert not list((tmp_path / "home").rglob("crash.log"))
