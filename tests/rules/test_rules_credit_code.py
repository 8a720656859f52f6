"""Unified social credit code (DOMAIN 2): errors for length/characters, a warning for the check character."""

import pytest

from incubator_tui.rules.credit_code import CHARSET, WEIGHTS, check_credit_code, compute_check_char
from incubator_tui.rules.errors import CreditCodeError


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(CHARSET) == 31 and not set("IOSVZ") & set(CHARSET)


def test_a_published_code_checks():
    # A real, published code (a Fuzhou enterprise): the standard's arithmetic gives its check character.
    assert compute_check_char("91350100M000100Y4") == "3"
    assert check_credit_code("91350100M000100Y43") == check_credit_code(" 9135 0100m000100y43 ")
    r = check_credit_code("91350100M000100Y43")
    assert r.ok and r.normalized == "91350100M000100Y43" and r.warning_key is None


def test_a_computed_civil_affairs_code_is_valid():
    first17 = "51370303MJE351234"  # 5 civil affairs, 1 social group, 370303 Linzi
    code = first17 + compute_check_char(first17)
    assert code == "51370303MJE351234E"
    r = check_credit_code(code)
    assert (r.normalized, r.error_key, r.warning_key) == (code, None, None)


def test_sample_code_warns_but_is_accepted():
    # samples/orgs-gb18030.csv has 51370303MJE3512345: the check character should be E.
    r = check_credit_code("51370303MJE3512345")
    assert r.ok and r.normalized == "51370303MJE3512345"
    assert r.warning_key == "rules.credit_code_check"
    assert r.params == {"code": "51370303MJE3512345", "expected": "E", "actual": "5"}


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000"])
def test_blank_is_valid(blank):
    r = check_credit_code(blank)
    assert r.ok and r.normalized is None and r.warning_key is None


@pytest.mark.parametrize("code,length", [("51370303MJE351234", 17), ("51370303MJE351234EE", 19), ("5", 1)])
def test_wrong_length_is_an_error(code, length):
    r = check_credit_code(code)
    assert r.error_key == "rules.credit_code_length" and r.params["length"] == length and not r.ok


@pytest.mark.parametrize("code,char,pos", [("51370303MJE35123IE", "I", 17), ("O1370303MJE351234E", "O", 1), ("51370303MJE3512-4E", "-", 16)])
def test_bad_character_is_an_error(code, char, pos):
    r = check_credit_code(code)
    assert r.error_key == "rules.credit_code_char"
    assert (r.params["char"], r.params["position"]) == (char, pos)


def test_full_width_input_is_normalised():
    assert check_credit_code("５１３７０３０３ＭＪＥ３５１２３４Ｅ").normalized == "51370303MJE351234E"


def test_compute_check_char_refuses_bad_input():
    with pytest.raises(CreditCodeError):
        compute_check_char("123")
    with pytest.raises(CreditCodeError):
        compute_check_char("51370303MJE35123Z")


def test_every_check_value_is_reachable():
    # The check character ranges over the whole charset, including index 0 ('0').
    seen = {compute_check_char(f"5137030300000{i:04d}") for i in range(400)}
    assert seen == set(CHARSET)
