"""The one message catalogue: every user-facing string is looked up here.

Messages live in the ``MESSAGES`` dicts of the modules beside this one, each
key mapping to ``(zh, en)``.  Chinese is the default; English is a switch.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")
# The catalogue's parts, one per area of the code, so that areas can grow
# their messages without editing one another's files.
_PARTS = (
    "common", "rules", "services", "imports", "cli", "app", "scoring", "orgs",
    "storage", "exchange", "grid", "release", "screens", "casework", "settings_ui", "review", "palette",
    "district",
)
_language = "zh"
_catalog: dict[str, tuple[str, str]] | None = None


def _load() -> dict[str, tuple[str, str]]:
    global _catalog
    if _catalog is None:
        import importlib

        merged: dict[str, tuple[str, str]] = {}
        for name in _PARTS:
            part = importlib.import_module(f"incubator_tui.i18n.{name}")
            clash = merged.keys() & part.MESSAGES.keys()
            if clash:  # a key defined twice would silently shadow a message
                raise RuntimeError(f"duplicate message keys: {sorted(clash)}")
            merged.update(part.MESSAGES)
        _catalog = merged
    return _catalog


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _language = lang


def get_language() -> str:
    return _language


def t(key: str, /, **params: Any) -> str:
    """The message ``key`` in the current language, formatted with ``params``."""
    entry = _load().get(key)
    if entry is None:
        text = key
    else:
        text = entry[0] if _language == "zh" else entry[1]
    return text.format(**params) if params else text


def texts(key: str, /, **params: Any) -> tuple[str, ...]:
    """The message ``key`` in every language (zh, en): words that find a command whatever the
    language in force (the command palette's search)."""
    entry = _load().get(key)
    found = (key,) if entry is None else entry
    return tuple(text.format(**params) if params else text for text in found)


def has(key: str) -> bool:
    return key in _load()
