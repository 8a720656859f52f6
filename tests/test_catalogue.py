"""Every message the code asks for exists, in both languages (#8.4).

``t("unknown.key")`` shows the key itself, silently: a scan of ``src/`` finds every
literal key given to ``t``/``message`` (and to ``UserError``/``DomainError``, which
``t`` formats), every binding's description and group label (catalogue keys, translated
where shown), and checks each is in the catalogue.  A key built at run time
(``t(f"case_state.{state}")``) must at least match some key by its fixed beginning.
Each entry has a Chinese and an English text (both blank only on purpose) with the same
``{parameters}``.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

from incubator_tui.i18n import LANGUAGES, _load

SRC = Path(__file__).parents[1] / "src" / "incubator_tui"
KEY_FUNCTIONS = {"t", "message", "has", "UserError", "DomainError"}


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def keys_used(source: str) -> tuple[set[str], set[str]]:
    """(literal keys, fixed beginnings of keys built with an f-string) in ``source``."""
    literal: set[str] = set()
    prefixes: set[str] = set()

    def take(node: ast.expr | None) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            literal.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            prefixes.add(node.values[0].value)

    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in KEY_FUNCTIONS and node.args:
            take(node.args[0])
        elif name == "Binding":
            take(node.args[2] if len(node.args) > 2 else next(
                (k.value for k in node.keywords if k.arg == "description"), None))
        elif name == "Group" and node.args:  # Binding.Group("key.nav")
            take(node.args[0])
    return literal, prefixes


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "i18n" not in p.parts and "migrations" not in p.parts)


def test_every_key_used_in_the_code_is_in_the_catalogue():
    catalogue = _load()
    missing, unmatched = [], []
    for path in _modules():
        literal, prefixes = keys_used(path.read_text(encoding="utf-8"))
        where = path.relative_to(SRC)
        missing += [f"{where}: {k}" for k in sorted(literal) if k and k not in catalogue]
        unmatched += [f"{where}: {p}…" for p in sorted(prefixes)
                      if "." in p and not any(k.startswith(p) for k in catalogue)]
    assert not missing, "keys not in the catalogue:\n" + "\n".join(missing)
    assert not unmatched, "keys built at run time that match no key:\n" + "\n".join(unmatched)


def test_the_scan_finds_keys_where_the_code_uses_them():
    literal, prefixes = keys_used(
        'Binding("d", "goto", "key.dashboard", id="x")\nBinding.Group("key.nav")\nt("a.b", n=1)\n'
        'message("c.d")\nraise UserError("e.f", path=p)\nt(f"case_state.{s}")\n'
        'Binding("f5", "reload", description="key.reload")\n')
    assert literal == {"key.dashboard", "key.nav", "a.b", "c.d", "e.f", "key.reload"}
    assert prefixes == {"case_state."}


def test_each_message_exists_in_both_languages_with_the_same_parameters():
    def params(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert LANGUAGES == ("zh", "en")
    bad = []
    for key, entry in _load().items():
        # Both texts, or (a deliberately blank message) neither.
        if not (isinstance(entry, tuple) and len(entry) == 2 and all(isinstance(x, str) for x in entry)
                and bool(entry[0]) == bool(entry[1])):
            bad.append(f"{key}: {entry!r}")
        elif params(entry[0]) != params(entry[1]):
            bad.append(f"{key}: zh {sorted(params(entry[0]))} ≠ en {sorted(params(entry[1]))}")
    assert not bad, "\n".join(bad)
