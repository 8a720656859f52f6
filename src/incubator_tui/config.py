"""Per-installation settings from the config file (DOMAIN 7): operator, language, keys.

The file is TOML at ``paths.config_file()``::

    operator = "王主任"
    language = "zh"          # or "en"
    output_dir = "D:/通知书"  # notices and exports
    [keys]                   # binding id = keys, to remap the app's keys
    "scoring.fill" = "F"
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from incubator_tui import paths


@dataclass(frozen=True)
class Config:
    operator: str
    language: str = "zh"
    keys: dict[str, str] = field(default_factory=dict)
    output_dir: str = ""  # notices and exports (blank: the Documents folder); the settings screen sets it


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return "operator"


def load_config() -> Config:
    path = paths.config_file()
    data: dict = {}
    if path.is_file():
        import tomllib  # ~3 ms: only when there is a file to read

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}  # a broken config must never stop the app: defaults apply
    language = data.get("language", "zh")
    if language not in ("zh", "en"):
        language = "zh"
    keys = {str(k): str(v) for k, v in (data.get("keys") or {}).items()}
    return Config(operator=str(data.get("operator") or _os_user()), language=language, keys=keys,
                  output_dir=str(data.get("output_dir") or ""))
