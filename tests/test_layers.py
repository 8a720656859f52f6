"""The layers as contracts (#8.4): import-linter checks them on every run of the suite.

``pyproject.toml``'s ``[tool.importlinter]`` says, top to bottom,
cli → app → commands → screens → widgets → editing → services → db → rules → models
(a layer imports only layers below it); ``rules`` imports neither SQLAlchemy, SQLModel,
the tables nor Textual; ``screens`` and ``widgets`` import neither ``sqlite3``, SQLAlchemy,
SQLModel nor the model tables; nothing below the screens imports Textual.  The README's
development section draws the same picture.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
CONTRACTS = {
    "Layers: models <- rules <- services <- widgets <- screens <- app <- cli",
    "Rules are plain Python: no SQLAlchemy, SQLModel, tables, database or Textual",
    "Screens and widgets present and collect: no sqlite3, SQLAlchemy, SQLModel or model tables",
    "Nothing below the screens imports Textual",
}


def test_the_contracts_are_declared():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert {c["name"] for c in config["contracts"]} == CONTRACTS
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    order = [name.removeprefix("incubator_tui.") for name in layers]
    assert order.index("screens") < order.index("widgets") < order.index("services") < order.index("rules") \
        < order.index("models")


def test_the_import_contracts_are_kept(capsys):
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count(" KEPT") == len(CONTRACTS), out
