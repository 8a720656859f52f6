"""Textual's public API only (#8.4): no private module, no underscored attribute of a Textual object.

A private name is a promise nobody made: a patch release may rename it and break the
app silently (the pin to 8.2.x holds only until then).  Two checks on every module of
``src/``:

- no import of a private Textual module (``textual._x``, ``textual.widgets._data_table``);
- no underscored attribute that belongs to Textual: neither read or written on another
  object (``app._exit``, ``self.app._css_update_count``) nor defined or assigned by one
  of our subclasses of a Textual class (``self._bindings = ...``, ``def _on_click``),
  which would silently override Textual's own.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from functools import lru_cache
from pathlib import Path

import textual
from textual.widget import Widget

SRC = Path(__file__).parents[1] / "src" / "incubator_tui"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@lru_cache(maxsize=1)
def textual_private_names() -> frozenset[str]:
    """Every underscored attribute, method or class attribute that Textual's own code uses."""
    names: set[str] = set()
    root = Path(textual.__file__).parent
    for path in root.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                names.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(node.name):
                names.add(node.name)
    return frozenset(names)


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def private_imports(source: str, filename: str = "<src>") -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source, filename)):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(a.name for a in node.names)
        for module in modules:
            parts = module.split(".")
            if parts[0] == "textual" and any(_private(p) for p in parts[1:]):
                out.append(f"{filename}:{node.lineno}: import of the private module {module}")
    return out


def foreign_private_uses(source: str, filename: str = "<src>") -> list[str]:
    """``x._name`` where ``x`` is not ``self``/``cls`` and Textual uses ``_name``."""
    private = textual_private_names()
    out = []
    for node in ast.walk(ast.parse(source, filename)):
        if (isinstance(node, ast.Attribute) and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
            out.append(f"{filename}:{node.lineno}: {ast.unparse(node)} is Textual's private {node.attr}")
    return out


@lru_cache(maxsize=None)
def _class_private_names(base: type, instance_only: bool) -> frozenset[str]:
    """Underscored names a class's own source defines: methods, class attributes and the
    ``self._x`` it assigns (``instance_only``: only the latter and methods/class attributes)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(base)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    names: set[str] = set()
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(node.name):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name) and _private(t.id))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and isinstance(node.ctx, ast.Store)):
            names.add(node.attr)
    return frozenset(names)


def _textual_private_members(cls: type) -> set[str]:
    """Underscored names Textual's classes in ``cls``'s MRO define (methods, class and instance attributes)."""
    names: set[str] = set()
    for base in cls.__mro__:
        if (base.__module__ or "").startswith("textual"):
            names.update(n for n in vars(base) if _private(n))
            names.update(_class_private_names(base, False))
    return names


def our_textual_subclasses() -> list[type]:
    import incubator_tui

    classes = []
    for info in pkgutil.walk_packages(incubator_tui.__path__, "incubator_tui."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (isinstance(obj, type) and obj.__module__ == info.name
                    and any((b.__module__ or "").startswith("textual") for b in obj.__mro__[1:])):
                classes.append(obj)
    return classes


def overridden_privates(cls: type) -> list[str]:
    """Underscored names ``cls`` (or our classes between it and Textual) define or assign that
    Textual also uses."""
    textual_names = _textual_private_members(cls)
    mine: set[str] = set()
    for base in cls.__mro__:
        if base is not object and not (base.__module__ or "").startswith(("textual", "builtins", "typing")):
            mine.update(_class_private_names(base, True))
    return sorted(mine & textual_names)


class _Clobbers(Widget):
    """For the self-test: defines and assigns Textual's own private names."""

    def _on_click(self, event) -> None:  # noqa: ANN001
        self._bindings = None


def test_the_checks_catch_what_they_are_for():
    assert private_imports("from textual.widgets._data_table import CellType\nimport textual._compositor\n")
    assert not private_imports("from textual.widgets import DataTable\nfrom textual.content import Content\n")
    assert foreign_private_uses("x = app._css_update_count\nself.app._exit = True\n")
    assert not foreign_private_uses("self._mine = 1\nx = row.id\n")
    assert set(overridden_privates(_Clobbers)) >= {"_on_click", "_bindings"}


def test_no_private_textual_module_is_imported():
    found = [p for path in _modules() for p in private_imports(path.read_text(encoding="utf-8"),
                                                               str(path.relative_to(SRC)))]
    assert not found, "\n".join(found)


def test_no_textual_private_attribute_of_another_object_is_used():
    found = [p for path in _modules() for p in foreign_private_uses(path.read_text(encoding="utf-8"),
                                                                    str(path.relative_to(SRC)))]
    assert not found, "\n".join(found)


def test_our_textual_subclasses_do_not_define_or_assign_textual_private_names():
    found = {f"{cls.__module__}.{cls.__qualname__}": names
             for cls in our_textual_subclasses() if (names := overridden_privates(cls))}
    assert not found, found
