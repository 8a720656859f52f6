"""rules.names: one normalisation and one refusal for every organisation name."""

from __future__ import annotations

import unicodedata

import pytest

from incubator_tui.rules.errors import DomainError
from incubator_tui.rules.months import FutureValueError, check_not_future_date, check_not_future_month
from incubator_tui.rules.names import check_name, normalise_name, refused_char


@pytest.mark.parametrize("raw, clean", [
    ("\ufeff晨光公益服务社", "晨光公益服务社"),
    ("  晨光公益服务社\u3000", "晨光公益服务社"),
    ("\u200b \ufeff晨光\u00a0\u2060", "晨光"),
    ("Cafe\u0301", "Caf\u00e9"),
    ("晨光 公益", "晨光 公益"),  # inner spaces are the user's
    (None, ""),
])
def test_normalise_name(raw, clean):
    assert normalise_name(raw) == clean == check_name(raw)


@pytest.mark.parametrize("name, position", [
    ("a\x00b", 2), ("a\x1fb", 2), ("a\x7fb", 2), ("a\x9bb", 2),  # C0, DEL, C1
    ("ab\u202e", 3), ("\u202dab", 1), ("a\u2067b", 2), ("a\u200fb", 2), ("a\u061cb", 2),  # bidi
    ("a\u200bb", 2), ("a\u200db", 2), ("a\ufeffb", 2),  # zero-width inside
    ("a\u2028b", 2), ("a\u2029b", 2), ("a\U000e0041b", 2), ("a\ud800b", 2),
])
def test_control_and_format_characters_are_refused_naming_the_first(name, position):
    assert refused_char(name)[0] == position
    with pytest.raises(DomainError) as exc:
        check_name(name)
    assert exc.value.key == "rules.name_control"
    assert exc.value.params == {"code": f"U+{ord(name[position - 1]):04X}", "position": position}


def test_ordinary_names_of_every_script_pass():
    for name in ("晨光公益服务社", "Café Society", "𠀀字社", "社\ue000", "Ａ＆Ｂ（淄博）协会", "爱心·助学"):
        assert check_name(name) == unicodedata.normalize("NFC", name)


def test_future_months_and_dates():
    from datetime import date

    assert check_not_future_month("2026-11", "2026-11") == "2026-11"
    with pytest.raises(FutureValueError):
        check_not_future_month("2026-12", "2026-11")
    assert check_not_future_date(date(2026, 11, 5), date(2026, 11, 5)) == date(2026, 11, 5)
    with pytest.raises(FutureValueError):
        check_not_future_date(date(2026, 11, 6), date(2026, 11, 5))
