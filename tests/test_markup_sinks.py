"""Text is text, made hard to forget: a scan of ``src/`` for user text that could reach markup.

Textual and Rich read a ``str`` as markup in ``Static``/``Label`` (unless ``markup=False``),
``notify`` (unless ``markup=False``), ``Text.from_markup``/``Content.from_markup``, a
``DataTable`` cell or column given as ``str``, a border title, and a command palette hit's
text and help.  The rules below are checked on the syntax tree of every module:

1. every ``Static(...)`` and ``Label(...)`` passes ``markup=False`` (so that ``update(str)``
   is literal too; styled text is given as ``Content``/``Text``);
2. every ``notify(...)`` passes ``markup=False``, and ``notify`` is never handed over
   uncalled (``from_worker(self.notify, ...)`` would lose the keyword);
3. ``from_markup`` only ever parses a literal string;
4. a palette hit's ``help=`` is ``escape_markup(...)``, and its text no formatted string;
5. no formatted string (f-string, ``.format``, ``t(key, **params)``, ``+``/``%``, ``join``)
   goes into a border title, a ``DataTable`` row or column, or a palette hit.

Build ``Content`` with ``widgets.safe_text.plain``/``message`` instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "incubator_tui"


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "i18n" not in p.parts and "migrations" not in p.parts)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def formatted(node: ast.expr | None) -> bool:
    """A string made from parts at run time (where user text could hide)."""
    if node is None:
        return False
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name == "format" and isinstance(node.func, ast.Attribute):
            return True
        if name == "join" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant):
            return True
        if name == "t" and (node.keywords or len(node.args) > 1):
            return True
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return any(formatted(x) or isinstance(x, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
                   for x in (node.left, node.right)) and _stringy(node)
    if isinstance(node, ast.IfExp):
        return formatted(node.body) or formatted(node.orelse)
    return False


def _stringy(node: ast.expr) -> bool:
    """An expression that is visibly a string (a literal, an f-string or a t() somewhere in it)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and _name(node.func) in ("t", "format", "join", "str"):
        return True
    if isinstance(node, ast.BinOp):
        return _stringy(node.left) or _stringy(node.right)
    return False


def problems_in(source: str, filename: str = "<src>") -> list[str]:
    tree = ast.parse(source, filename)
    out: list[str] = []
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    # ``from_worker(self.notify, text, markup=False)``: handed over with its keyword.
    forwarded = {id(a) for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_false(_keyword(n, "markup"))
                 for a in n.args}

    def say(node: ast.AST, what: str) -> None:
        out.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in ("Static", "Label") and not _is_false(_keyword(node, "markup")):
                say(node, f"{name}(...) without markup=False")
            elif name == "notify" and not _is_false(_keyword(node, "markup")):
                say(node, "notify(...) without markup=False")
            elif name == "from_markup" and node.args and not isinstance(node.args[0], ast.Constant):
                say(node, "from_markup of a string made at run time")
            elif name in ("Hit", "DiscoveryHit"):
                help_ = _keyword(node, "help")
                if help_ is not None and not (isinstance(help_, ast.Call) and _name(help_.func) == "escape_markup"):
                    say(node, f"{name}(help=...) not escape_markup(...)")
                if any(formatted(a) for a in node.args):
                    say(node, f"{name}(...) given a formatted string")
            elif name in ("add_row", "add_column", "add_rows") and any(formatted(a) for a in node.args):
                say(node, f"{name}(...) given a formatted string (a DataTable reads str as markup)")
        elif (isinstance(node, ast.Attribute) and node.attr == "notify" and id(node) not in called
              and id(node) not in forwarded):
            say(node, "notify handed over uncalled (markup=False cannot be given)")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr in ("border_title", "border_subtitle")
                        and formatted(node.value)):
                    say(node, f"{target.attr} set from a formatted string")
    return out


def test_the_scan_finds_each_kind_of_leak():
    """The checker itself: each rule catches its case, and the safe forms pass."""
    bad = '''
Static(t("x", name=n))
Label(name)
self.notify(f"{name} saved")
self.from_worker(self.notify, str(err))
Text.from_markup(f"[b]{name}[/b]")
DiscoveryHit(title, run, help=f"{name}")
table.add_row(f"{name}", "x")
panel.border_title = t("k", name=name)
panel.border_subtitle = "a " + name
'''
    found = problems_in(bad)
    assert len(found) == 9, found
    good = '''
Static(message("x", name=n), markup=False)
Label(t("x"), markup=False)
self.notify(t("x", name=n), markup=False)
self.from_worker(lambda: self.notify(text, markup=False))
self.from_worker(self.notify, text, severity="error", markup=False)
Content.from_markup("[b]fixed[/b]")
DiscoveryHit(plain(title), run, help=escape_markup(text))
table.add_row(Text(name), Text(t("x", n=1)))
panel.border_title = message("k", name=name)
'''
    assert problems_in(good) == []


def test_no_user_text_can_reach_markup_anywhere_in_src():
    found = [p for path in _modules() for p in problems_in(path.read_text(encoding="utf-8"),
                                                           str(path.relative_to(SRC)))]
    assert not found, "text that could be read as markup:\n" + "\n".join(found)
