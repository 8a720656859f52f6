"""Shared by the trust tests (files, locks, kills): the real command in a subprocess,
a user without root's powers, file fingerprints, score files."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXE = Path(sys.executable).parent / "incubator-tui"
SCORE_HEADER = "名称,月份,工作计划,卫生清洁,党建工作,服务活动,制度台账,安全规范,备注"
TODAY = "2026-03-15"


def restricted_prefix() -> list[str]:
    """Run a command as a user bound by file permissions.

    Tests run as root in CI, and root writes read-only files and folders anyway.
    Root without the capabilities that bypass permissions (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH, CAP_FOWNER) is held to the mode bits like any user: a
    0444 file is read-only and a 0555 folder refuses new files.  As a normal
    user, nothing needs dropping.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop root's permission override"
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def cli(*args: str, restricted: bool = False, env: dict | None = None, timeout: float = 120,
        lang: str = "en") -> subprocess.CompletedProcess:
    """``incubator-tui ARGS`` as a user types it (English messages unless asked)."""
    full_env = {**os.environ, "INCUBATOR_TUI_TODAY": TODAY, **(env or {})}
    cmd = [*(restricted_prefix() if restricted else []), str(EXE), *args, "--lang", lang]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout)


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[Path]:
    """The -wal, -shm and -journal files beside ``path`` that exist."""
    return [p for p in (Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal")) if p.exists()]


def write_scores(path: Path, rows: list[tuple[str, str, tuple]]) -> Path:
    """A score CSV: (org name, month, six values) per row."""
    lines = [SCORE_HEADER] + [f"{name},{month},{','.join(str(v) for v in values)}," for name, month, values in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
