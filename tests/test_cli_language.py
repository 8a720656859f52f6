"""One language at a time (#13): every command of the command line, its output, its errors and its
``--help`` (each sub-command's too), run in Chinese and in English on a demo database, holds no
string of the other language.

What counts as the other language (docs/decisions.md, ## Language):

* in English output, **Chinese** is any CJK ideograph or full-width punctuation (、，；：（）「」…),
  once the user's own data is taken out: the names of centres and organisations, the centre's details,
  contacts, a veto's description; all read from the database the commands ran on;
* in Chinese output, **English** is an ASCII word of three letters or more, once names, paths, option
  names (``--as-of``), metavars and codes in capitals (``YYYY-MM``, ``PATH``, ``CSV``), the commands and
  the values a user types (``orgs``, ``xlsx``, ``zh``) and the checklist's item codes are taken out.

JSON output is data, not language: it must be the same in both languages, byte for byte.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from incubator_tui import cli
from incubator_tui.i18n import set_language

# ----------------------------------------------------------------------------- the checks

CHINESE = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # CJK ideographs
    "\u3000-\u303f"  # CJK symbols and punctuation: 、。「」《》【】〔〕
    "\uff00-\uffef"  # full-width forms: ，；：（）！？
    "\u2e80-\u2fdf\u31c0-\u31ef]"  # radicals, strokes
)
CHINESE_RUN = re.compile(CHINESE.pattern + "+")
# Words a file may hold, which an English message quotes as they are (DOMAIN 9: "N/A/不适用", the
# "name/名称" column): what to type, not a sentence.
FILE_TOKENS = ["不适用", "名称"]
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z]{3,}(?![A-Za-z0-9_])")
# Taken out of Chinese output before looking for English words (each is typed, not read):
OPTION = re.compile(r"(?<![\w])--?[A-Za-z][\w-]*")  # --as-of, -h
PATHLIKE = re.compile(r"[^\s“”\"'「」（）(),，、：]*[/\\][^\s“”\"'「」（）(),，、：]*")  # /tmp/x/y.sqlite, Asia/Shanghai
FILENAME = re.compile(r"[\w.\-]+\.(?:sqlite|xlsx|csv|log|docx)\b")
CAPITALS = re.compile(r"\b[A-Z][A-Z0-9_\-]*\b")  # PATH, YYYY-MM, DISTRICT_DB, CSV, XLSX, INCUBATOR_TUI_DB
PROG = "incubator-tui"
# The values a user types after an option or a command (argparse lists them as {orgs,scores,...}).
TYPED_VALUES = {"zh", "en", "orgs", "scores", "reviews", "checklist", "holidays", "sqlite", "xlsx", "sheet"}
PRODUCT_NAMES = {"SQLite", "Excel", "WPS"}  # names, written the same in Chinese text


def without(text: str, strings: list[str]) -> str:
    for s in sorted(strings, key=len, reverse=True):  # longest first: a name inside another
        if s:
            text = text.replace(s, " ")
    return text


def chinese_in(text: str, user_data: list[str]) -> list[str]:
    """Every piece of Chinese left once the user's data is taken out, with a little context."""
    rest = without(text, user_data + FILE_TOKENS)
    return [rest[max(0, m.start() - 20):m.end() + 20] for m in CHINESE_RUN.finditer(rest)]


def english_in(text: str, user_data: list[str], codes: set[str]) -> list[str]:
    """Every English word left in Chinese output once names, paths, options, capitals, commands,
    typed values and item codes are taken out."""
    rest = PATHLIKE.sub(" ", FILENAME.sub(" ", text))  # before names: "orgs.csv" is a file, not "orgs" + "csv"
    rest = without(rest, user_data).replace(PROG, " ")
    for pattern in (OPTION, CAPITALS):
        rest = pattern.sub(" ", rest)
    allowed = TYPED_VALUES | set(cli.COMMANDS) - {None} | PRODUCT_NAMES | codes
    return [w for w in ENGLISH_WORD.findall(rest) if w not in allowed]


def test_the_checks_find_what_they_look_for() -> None:
    """The checks themselves: the bugs of #13 are caught, names and typed words are not."""
    names = ["凤凰蹴鞠文化俱乐部", "雪宫社会组织创新发展中心"]
    assert chinese_in("凤凰蹴鞠文化俱乐部: annual case (2025年度评星为3星（综合得分77.79）)", names)
    assert chinese_in("x: 3 months in a row (2026-08 5.5，2026-09 5.0)", names)
    assert chinese_in("Settings of “雪宫社会组织创新发展中心” in force for 2026-11: party 30, monthly 30", names) == []
    assert english_in("  -h, --help  show this help message and exit", [], set()) == ["show", "this", "help",
                                                                                     "message", "and", "exit"]
    assert english_in("参数错误：invalid choice: 'things'", [], set()) == ["invalid", "choice", "things"]
    assert english_in("usage: incubator-tui import [-h] [--db PATH] {orgs,scores} FILE", [], set()) == ["usage"]
    assert english_in("已导出到 /tmp/a b/out.xlsx；时区：Asia/Shanghai；plan 工作计划：2 分", [], {"plan"}) == []
    assert english_in("「Sunrise Club」已建档", ["Sunrise Club"], set()) == []


# ----------------------------------------------------------------------------- the commands


def run(argv: list[str]) -> tuple[int, str, str]:
    """The command as a script runs it, in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(argv)
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            rc = exc.code if isinstance(exc.code, int) else 0
    set_language("zh")
    return rc, out.getvalue(), err.getvalue()


@dataclass
class Place:
    """Where a scenario runs: its own folder, with a copy of the demo database."""

    tmp: Path
    demo: Path  # a copy: commands that write may write it
    typed: list[str] = field(default_factory=list)  # what the user wrote into the files

    def file(self, name: str, rows: list[list[str]]) -> str:
        self.typed.extend(cell for row in rows for cell in row)
        path = self.tmp / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
        return str(path)


def _imports(p: Place) -> list[list[str]]:
    db = str(p.tmp / "fresh.sqlite")
    low = [["名称", "月份", "plan", "hygiene", "party", "activity", "records", "safety"]]
    for month in ("2025-01", "2025-02", "2025-03"):
        low.append(["新芽公益服务社", month, "1", "1", "1", "1", "0.5", "0.5"])
    return [
        ["import", "orgs", p.file("orgs.csv", [["名称", "类别", "入驻日期", "联系人"],
                                               ["新芽公益服务社", "社区服务", "2024-06-01", "王芳"],
                                               ["青禾读书会", "文化艺术", "2024-06-01", "李强"]]), "--db", db],
        ["import", "orgs", str(p.tmp / "orgs.csv"), "--db", db],  # again: nothing changed
        ["import", "scores", p.file("scores.csv", low), "--db", db],
        ["import", "reviews", p.file("reviews.csv", [["名称", "年度", "党建", "自评", "互评", "群众评", "一票否决"],
                                                     ["青禾读书会", "2025", "80", "90", "85;88", "90", ""]]),
         "--db", db],
        ["import", "checklist", p.file("checklist.csv", [
            ["代码", "名称", "英文名称", "满分", "生效月份"],
            ["plan", "工作计划", "Work plan", "3", "2025-06"], ["hygiene", "卫生清洁", "Hygiene", "2", "2025-06"],
            ["party", "党建工作", "Party-building", "2", "2025-06"],
            ["activity", "服务活动", "Service activities", "2", "2025-06"],
            ["safety", "安全规范", "Safety", "1", "2025-06"]]), "--db", db],
        ["import", "holidays", p.file("holidays.csv", [["日期", "类型", "名称"], ["2026-01-01", "节假日", "元旦"],
                                                       ["2026-02-14", "调休上班", "春节调休"]]), "--db", db],
        ["settings", "--db", db, "--as-of", "2026-02"],
        ["cases", "--db", db],
        ["flags", "--db", db],
        # refused: a bad value names the file, line and column; nothing is written
        ["import", "scores", p.file("bad.csv", [["名称", "月份", "plan"], ["新芽公益服务社", "2025-04", "九"]]),
         "--db", db],
        ["import", "scores", str(p.tmp / "no-such-file.csv"), "--db", db],
        # a second centre: commands that need one name them all
        ["import", "orgs", str(p.tmp / "orgs.csv"), "--db", db, "--centre", "青州孵化中心"],
        ["import", "scores", str(p.tmp / "scores.csv"), "--db", db],
        ["settings", "--db", db],
        ["flags", "--db", db],
        ["cases", "--db", db],
        ["export", "xlsx", str(p.tmp / "both.xlsx"), "--db", db],
    ]


def _exchange(p: Place) -> list[list[str]]:
    demo = str(p.demo)
    return [
        ["export", "sqlite", str(p.tmp / "centre.sqlite"), "--db", demo],
        ["export", "sqlite", str(p.tmp / "redacted.sqlite"), "--db", demo, "--redact-contacts"],
        ["export", "xlsx", str(p.tmp / "year.xlsx"), "--db", demo],
        ["export", "sheet", str(p.tmp / "sheet.xlsx"), "--db", demo, "--month", "2026-01"],
        ["export", "sheet", str(p.tmp / "sheet2.xlsx"), "--db", demo],  # usage: --month is needed
        ["merge", str(p.tmp / "district.sqlite"), str(p.tmp / "centre.sqlite")],
        ["merge", str(p.tmp / "district.sqlite"), str(p.tmp / "centre.sqlite")],  # again: nothing new
        ["merge", str(p.tmp / "district.sqlite"), str(p.tmp / "orgs-not-a-db.sqlite")],
        ["backup", "--db", demo],
    ]


def _restore(p: Place) -> list[list[str]]:
    backup = p.tmp / "copy.sqlite"
    shutil.copy(p.demo, backup)
    return [["restore", str(backup), "--db", str(p.demo)],
            ["restore", str(p.tmp / "no-such.sqlite"), "--db", str(p.demo)]]


def _reading(p: Place) -> list[list[str]]:
    demo = str(p.demo)
    return [
        ["flags", "--db", demo], ["flags", "--db", demo, "--as-of", "2025-03"],
        ["cases", "--db", demo], ["ratings", "--db", demo, "--year", "2025"],
        ["ratings", "--db", demo, "--year", "2019"], ["settings", "--db", demo],
        ["settings", "--db", demo, "--as-of", "2025-01"],
        ["flags", "--db", demo, "--centre", "没有这个中心"],
        ["flags", "--db", str(p.tmp / "missing.sqlite")],
    ]


def _usage_errors(p: Place) -> list[list[str]]:
    demo = str(p.demo)
    return [
        ["flags", "--as-of", "2026-13", "--db", demo],
        ["ratings", "--db", demo],  # --year is required
        ["ratings", "--year", "20x6", "--db", demo],
        ["import", "things", "x.csv", "--db", demo],  # invalid choice
        ["flags", "--no-such-option", "--db", demo],  # unrecognised
        ["no-such-command"],
        ["import"],  # the following arguments are required
        ["demo", "--orgs", "0", "--db", str(p.tmp / "d.sqlite")],
        ["demo", "--seed", "x", "--db", str(p.tmp / "d.sqlite")],
        ["--lang", "fr"],
        ["merge"],
    ]


def _demo(p: Place) -> list[list[str]]:
    return [["demo", "--db", str(p.tmp / "new.sqlite"), "--orgs", "6", "--months", "4"],
            ["demo", "--db", str(p.demo)]]  # refused: not empty


def _finalise(p: Place) -> list[list[str]]:
    return [["finalise", "--year", "2025", "--db", str(p.demo)],
            ["finalise", "--year", "2026", "--db", str(p.demo)]]


def _version(p: Place) -> list[list[str]]:
    return [["--version"]]


SCENARIOS: dict[str, Callable[[Place], list[list[str]]]] = {
    "reading": _reading, "imports": _imports, "exchange": _exchange, "restore": _restore,
    "usage_errors": _usage_errors, "demo": _demo, "finalise": _finalise, "version": _version,
}
# The command each scenario is there for (a command added to the CLI must get a scenario here).
COVERS = {"flags": "reading", "cases": "reading", "ratings": "reading", "settings": "reading",
          "import": "imports", "export": "exchange", "merge": "exchange", "backup": "exchange",
          "restore": "restore", "demo": "demo", "finalise": "finalise"}


def test_every_command_has_a_language_scenario() -> None:
    assert {c for c in cli.COMMANDS if c} <= COVERS.keys()


def help_commands() -> list[list[str]]:
    return [["--help"]] + [[c, "--help"] for c in cli.COMMANDS if c]


# ----------------------------------------------------------------------------- the demo database


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A demo centre made in Chinese (as a Chinese user would: its stored texts in Chinese)."""
    tmp = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INCUBATOR_TUI_HOME", str(tmp / "home"))
        mp.delenv("INCUBATOR_TUI_LANG", raising=False)
        path = tmp / "demo.sqlite"
        rc, out, err = run(["demo", "--db", str(path), "--lang", "zh"])
        assert rc == 0, err
    return path


def user_data(*paths: Path) -> list[str]:
    """What users typed into the databases the commands ran on: names, details, contacts, veto texts."""
    found: set[str] = set()
    queries = (
        "SELECT name, address, contact, phone, rules_title, notice_prefix FROM centre",
        "SELECT name, contact, phone, legal_rep, room FROM organisation",
        "SELECT reason FROM org_case WHERE kind = 'veto'",
        "SELECT veto FROM review_input",
    )
    for path in paths:
        if not path.exists():
            continue
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for q in queries:
                try:
                    rows = con.execute(q).fetchall()
                except sqlite3.DatabaseError:
                    continue  # not this app's database (a refused file)
                found.update(v for row in rows for v in row if isinstance(v, str) and v.strip())
        finally:
            con.close()
    return sorted(found)


ITEM_CODES = {"plan", "hygiene", "party", "activity", "records", "safety"}


@pytest.fixture
def place(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Place:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps help at the terminal's width
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, copy)
    (tmp_path / "orgs-not-a-db.sqlite").write_text("名称,类别\n", encoding="utf-8")
    return Place(tmp_path, copy)


def _check(lang: str, argv_list: list[list[str]], place: Place) -> list[str]:
    problems: list[str] = []
    outputs = []
    for argv in argv_list:
        if argv and argv[0] in COVERS and argv[0] not in cli.COMMANDS:
            continue  # a command another change brings (the scenario waits for it)
        rc, out, err = run([*argv, "--lang", lang])
        assert "Traceback" not in err and "internal error" not in err and "内部错误" not in err, (argv, err)
        outputs.append((argv, out + err))
    for argv, text in outputs:
        # the user's own words: the databases' names and details, the files' cells, the values typed
        names = user_data(*place.tmp.glob("*.sqlite")) + place.typed + [a for a in argv if not a.startswith("-")]
        assert text.strip(), argv  # every command says something
        found = chinese_in(text, names) if lang == "en" else english_in(text, names, ITEM_CODES)
        if found:
            problems.append(f"{' '.join(argv)} --lang {lang}: {found}\n{text}")
    return problems


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_command_output_holds_one_language(scenario: str, lang: str, place: Place) -> None:
    problems = _check(lang, SCENARIOS[scenario](place), place)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_help_holds_one_language(lang: str, place: Place) -> None:
    problems = _check(lang, help_commands(), place)
    assert not problems, "\n\n".join(problems)


def test_help_is_translated_not_only_free_of_english() -> None:
    """The texts argparse writes itself are there, in Chinese (not merely left out)."""
    rc, out, _ = run(["import", "--help"])
    assert rc == 0
    for text in ("用法：", "位置参数", "选项", "显示此帮助信息并退出"):
        assert text in out, (text, out)
    rc, _, err = run(["import", "things", "x.csv"])
    assert rc == 2 and "无效的选择" in err and "'things'" in err and "'orgs'" in err
    rc, _, err = run(["ratings"])
    assert rc == 2 and "缺少必需的参数" in err and "--year" in err
    rc, out, _ = run(["import", "--help", "--lang", "en"])
    assert "usage:" in out and "show this help message and exit" in out


@pytest.mark.parametrize("command", ["flags", "cases", "ratings", "settings"])
def test_json_is_the_same_in_both_languages(command: str, place: Place) -> None:
    argv = [command, "--json", "--db", str(place.demo)] + (["--year", "2025"] if command == "ratings" else [])
    zh = run([*argv, "--lang", "zh"])
    en = run([*argv, "--lang", "en"])
    assert zh[0] == en[0] == 0
    assert zh[1] == en[1] and zh[1].strip() not in ("", "[]")


def test_case_reasons_follow_the_language_not_the_one_they_were_opened_in(place: Place) -> None:
    """The demo's cases were opened in Chinese; in English their reasons are English, from what the
    case recorded (the low months and totals, the rating's stars and composite)."""
    _, zh, _ = run(["cases", "--db", str(place.demo), "--lang", "zh"])
    _, en, _ = run(["cases", "--db", str(place.demo), "--lang", "en"])
    assert re.search(r"年度评星为\d星（综合得分\d+\.\d\d）", zh)
    assert re.search(r"Rated \d star\(s\) for 20\d\d \(composite \d+\.\d\d\)", en)
    monthly_zh = re.search(r"（(\d{4}-\d\d \d+\.\d；\d{4}-\d\d \d+\.\d；\d{4}-\d\d \d+\.\d)）", zh)
    assert monthly_zh, zh
    assert monthly_zh.group(1).replace("；", "; ") in en
    assert len(zh.splitlines()) == len(en.splitlines())


def test_argparse_messages_we_translate_are_argparse_own() -> None:
    """Each message id mapped in cli.py is one argparse really uses (a Python that rewords one fails
    here, not silently in front of a user), and each reads back into its Chinese message."""
    import argparse
    import inspect

    source = inspect.getsource(argparse)
    for msgid, key in cli._ARGPARSE_MESSAGES:
        assert repr(msgid) in source or f'"{msgid}"' in source, msgid
        sample = msgid % {"argument_name": "--as-of", "message": "expected one argument", "value": "'x'",
                          "choices": "'a', 'b'", "option": "--ye", "matches": "--year, --yes", "type": "float"} \
            if "%(" in msgid else (msgid % "--year" if "%" in msgid else msgid)
        set_language("zh")
        translated = cli.argparse_message(sample)
        assert CHINESE.search(translated), (msgid, translated)
        assert not english_in(translated, [], set()) or key == "cli.argparse.invalid_value", (msgid, translated)
        set_language("en")
        assert cli.argparse_message(sample) == sample
        set_language("zh")
    for msgid in cli._ARGPARSE_WORDS:
        assert repr(msgid) in source, msgid


def test_the_real_command_helps_in_the_language_asked(tmp_path: Path) -> None:
    """The installed script, as a shell runs it: help in Chinese by default, English with --lang en."""
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "incubator-tui"
    env = {**os.environ, "INCUBATOR_TUI_HOME": str(tmp_path / "home"), "COLUMNS": "100"}
    env.pop("INCUBATOR_TUI_LANG", None)
    zh = subprocess.run([str(exe), "ratings", "--help"], capture_output=True, text=True, env=env, timeout=60)
    en = subprocess.run([str(exe), "ratings", "--help", "--lang", "en"], capture_output=True, text=True, env=env,
                        timeout=60)
    assert zh.returncode == en.returncode == 0
    assert "用法：" in zh.stdout and not english_in(zh.stdout, [], set())
    assert "usage:" in en.stdout and not chinese_in(en.stdout, [])
