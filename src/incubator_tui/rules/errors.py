"""Errors raised by the domain rules.

An error carries a message *key* and its *params*, not text: the text is
looked up only when the error is shown, so it comes out in the language in
force at that moment and the key stays machine-checkable (tests, CLI exit
codes, the import report).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused a value or an action.  ``str(err)`` is the localised message."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        from incubator_tui.i18n import t  # imported late: keep the rules light to import

        return t(self.key, **self.params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, **{self.params!r})"

    def __reduce__(self):  # keyword params survive pickling (e.g. across worker processes)
        return (_rebuild, (type(self), self.key, self.params))


def _rebuild(cls: type[DomainError], key: str, params: dict[str, Any]) -> DomainError:
    return cls(key, **params)


class MonthFormatError(DomainError):
    """Text that is not a month."""


class DateFormatError(DomainError):
    """Text that is not a date."""


class CreditCodeError(DomainError):
    """A unified social credit code that cannot be one (length or character)."""


class ScoreError(DomainError):
    """An item score outside 0..max or off the step."""


class IllegalTransition(DomainError):
    """A case action that DOMAIN 5 does not allow in the case's state."""

    def __str__(self) -> str:
        # Show the state and action by name in the current language; params keep the codes.
        from incubator_tui.i18n import has, t

        state, action = self.params.get("state"), self.params.get("action")
        state_key, action_key = f"case_state.{state}", f"rules.action.{action}"
        return t(
            self.key,
            state=t(state_key) if has(state_key) else state,
            action=t(action_key) if has(action_key) else action,
        )


class SettingError(DomainError):
    """A setting value that cannot be used."""
