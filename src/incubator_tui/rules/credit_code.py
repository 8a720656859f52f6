"""Unified social credit code (统一社会信用代码, GB 32100-2015), DOMAIN 2.

Length and characters are hard errors; a wrong check character is only a
warning, because real early codes fail it and must still be recorded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from incubator_tui.rules.errors import CreditCodeError

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, ... 28
LENGTH = 18


@dataclass(frozen=True)
class CreditCodeCheck:
    """Result of checking one code.

    ``normalized`` is the cleaned code (spaces removed, upper case) even when
    there is an error, so a message can show it; store it only if ``ok``.
    Blank input is valid and normalizes to None.
    """

    normalized: str | None
    error_key: str | None = None
    warning_key: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_key is None


def compute_check_char(first17: str) -> str:
    """The 18th character for the first 17: charset[(31 - Σ value×weight mod 31) mod 31]."""
    if len(first17) != 17:
        raise CreditCodeError("rules.credit_code_length", code=first17, length=len(first17))
    total = 0
    for pos, (c, w) in enumerate(zip(first17, WEIGHTS), start=1):
        v = _VALUE.get(c)
        if v is None:
            raise CreditCodeError("rules.credit_code_char", code=first17, char=c, position=pos)
        total += v * w
    return CHARSET[(31 - total % 31) % 31]


def normalize(code: str | None) -> str | None:
    """Drop all whitespace (also full-width), upper-case; blank → None."""
    if code is None:
        return None
    text = "".join(unicodedata.normalize("NFKC", code).split()).upper()
    return text or None


def check_credit_code(code: str | None) -> CreditCodeCheck:
    text = normalize(code)
    if text is None:
        return CreditCodeCheck(None)
    if len(text) != LENGTH:
        return CreditCodeCheck(text, "rules.credit_code_length", None, {"code": text, "length": len(text)})
    for pos, c in enumerate(text, start=1):
        if c not in _VALUE:
            return CreditCodeCheck(
                text, "rules.credit_code_char", None, {"code": text, "char": c, "position": pos}
            )
    expected = compute_check_char(text[:17])
    if text[17] != expected:
        return CreditCodeCheck(
            text, None, "rules.credit_code_check", {"code": text, "expected": expected, "actual": text[17]}
        )
    return CreditCodeCheck(text)
