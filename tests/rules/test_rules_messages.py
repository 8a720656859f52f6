"""The rules' message catalogue and the errors that use it; the import hygiene of the rules."""

import os
import pickle
from datetime import date
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from incubator_tui.i18n import get_language, set_language
from incubator_tui.i18n.rules import MESSAGES
from incubator_tui.rules import cases, credit_code, months, rating, scoring, settings
from incubator_tui.rules.errors import DomainError, ScoreError

RULES_DIR = Path(cases.__file__).parent


@pytest.fixture
def lang():
    before = get_language()
    yield set_language
    set_language(before)


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_keys_are_prefixed_and_both_languages_take_the_same_params():
    for key, (zh, en) in MESSAGES.items():
        assert key.startswith("rules."), key
        assert zh and en, key
        assert placeholders(zh) == placeholders(en), key


def test_every_key_the_rules_use_is_in_the_catalogue():
    used = set()
    for path in RULES_DIR.glob("*.py"):
        used |= set(re.findall(r"""["'](rules\.[a-z_]+(?:\.[a-z_]+)*)["']""", path.read_text(encoding="utf-8")))
    assert used, "the scan found nothing"
    assert used - MESSAGES.keys() == set()


def raised():
    """One error of each kind the rules raise, with the params they really pass."""
    calls = [
        lambda: months.parse_month("2024-13"),
        lambda: months.parse_date("2024-02-30"),
        lambda: credit_code.compute_check_char("123"),
        lambda: credit_code.compute_check_char("1234567890123456I"),
        lambda: scoring.parse_score("x", 200),
        lambda: scoring.parse_score("-1", 200),
        lambda: scoring.parse_score("3", 200),
        lambda: scoring.parse_score("1.2", 200),
        lambda: cases.next_state("rectified", "withdraw"),
        lambda: cases.validate_extension(date(2024, 1, 2), date(2024, 1, 1), "r"),
        lambda: cases.require_reason(""),
        lambda: cases.validate_objection(date(2024, 1, 2), date(2024, 1, 1)),
        lambda: cases.validate_objection(date(2024, 1, 2), date(2024, 2, 1)),
        lambda: settings.coerce("nope", 1),
        lambda: settings.coerce("threshold", "x"),
        lambda: rating.validate_component("party", 101),
    ]
    for call in calls:
        with pytest.raises(DomainError) as e:
            call()
        yield e.value


def test_every_error_renders_in_both_languages(lang):
    for err in raised():
        for language in ("zh", "en"):
            lang(language)
            text = str(err)
            assert text and err.key not in text and "{" not in text, (language, err.key, text)


def test_warnings_and_credit_code_params_render(lang):
    from incubator_tui.i18n import t

    for code in ("51370303MJE3512345", "51370303MJE351234", "51370303MJE35123IE"):
        r = credit_code.check_credit_code(code)
        key = r.error_key or r.warning_key
        for language in ("zh", "en"):
            lang(language)
            assert "{" not in t(key, **r.params)
    lang("zh")
    assert t("rules.holidays_missing", years="2025").startswith("2025年")
    assert t("rules.peer_few_raters") == "互评人数少于3个"


def test_str_uses_the_language_at_display_time(lang):
    err = ScoreError("rules.score_above_max", value="2.5", max="2")
    lang("zh")
    assert str(err) == "分数“2.5”超过该项满分2分"
    lang("en")
    assert str(err) == "The score “2.5” is above the item's maximum of 2"


def test_errors_pickle_with_their_params():
    err = pickle.loads(pickle.dumps(ScoreError("rules.score_off_step", value="1.2", step="0.5")))
    assert type(err) is ScoreError and err.key == "rules.score_off_step" and err.params == {"value": "1.2", "step": "0.5"}
    assert repr(err) == "ScoreError('rules.score_off_step', **{'value': '1.2', 'step': '0.5'})"


def test_rules_import_without_textual_or_sqlalchemy():
    code = (
        "import sys, importlib\n"
        "for m in ('months','credit_code','scoring','streaks','cases','workdays','rating','settings','membership','errors'):\n"
        "    importlib.import_module('incubator_tui.rules.' + m)\n"
        "str(__import__('incubator_tui.rules.errors', fromlist=['x']).DomainError('rules.reason_required'))\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlalchemy', 'sqlmodel', 'rich', 'openpyxl')]\n"
        "assert not heavy, heavy\n"
    )
    src = str(Path(cases.__file__).parents[2])
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": src})
