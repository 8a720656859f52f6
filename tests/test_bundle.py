"""The offline bundle (scripts/bundle.py): the Linux one installs and runs with no network, the
Windows one is complete, and both ship exactly what requirements.lock pins (what CI tested).

Downloads come from the package index on a cold cache (``.cache/bundle``, git-ignored); with no
network and no cache the bundle cannot be made and these tests fail: they never skip.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

from packaging.markers import Marker
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

import incubator_tui

ROOT = Path(__file__).resolve().parent.parent
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def lock_pins(path: Path = ROOT / "requirements.lock") -> dict[str, tuple[str, str | None, set[str]]]:
    """name -> (version, marker, sha256 hashes), read from the lock independently of bundle.py."""
    pins: dict[str, tuple[str, str | None, set[str]]] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][\w.-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m:
            name = canonicalize_name(m.group(1))
            pins[name] = (m.group(2), m.group(3), set())
        elif name and "--hash=sha256:" in line:
            pins[name][2].add(line.split("--hash=sha256:")[1].split()[0])
    return pins


def windows_env() -> dict[str, str]:
    return {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64",
            "python_version": PYTHON, "python_full_version": f"{PYTHON}.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython"}


def bundle(target: str, out: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bundle.py"), "--target", target, "--python", PYTHON,
         "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"bundle.py failed (is the package index reachable?):\n{proc.stderr}"
    return proc


def offline_env(tmp_path: Path) -> dict[str, str]:
    """No pip configuration (this machine's pip.conf adds local wheel folders), no index, and
    proxies that lead nowhere: anything that tried the network would fail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "INCUBATOR_TUI_"))}
    dead = "http://127.0.0.1:9"
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead,
               https_proxy=dead, INCUBATOR_TUI_HOME=str(tmp_path / "home"), PYTHONNOUSERSITE="1")
    env.pop("PYTHONPATH", None)
    return env


def test_the_linux_bundle_installs_with_no_network_and_runs(tmp_path: Path) -> None:
    out = tmp_path / "bundle-linux"
    bundle("linux", out)
    wheels = sorted(p.name for p in out.glob("*.whl"))
    assert f"incubator_tui-{incubator_tui.__version__}-py3-none-any.whl" in wheels
    assert (out / "INSTALL.txt").exists() and (out / "BUNDLE.txt").exists()

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    env = offline_env(tmp_path)
    pip = [str(target / "bin" / "python"), "-m", "pip"]
    proc = subprocess.run([*pip, "install", "--no-index", "--find-links", str(out), "incubator-tui"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # What went in is exactly the lock's run-time pins (the versions the tests ran with).
    frozen = subprocess.run([*pip, "freeze", "--all"], capture_output=True, text=True, env=env, check=True).stdout
    installed = {canonicalize_name(n): v for n, v in (ln.split("==") for ln in frozen.split() if "==" in ln)}
    linux = {k: (v, m, h) for k, (v, m, h) in lock_pins().items() if not m or Marker(m).evaluate(
        {**windows_env(), "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
         "platform_machine": "x86_64"})}
    for name, (version, _m, _h) in linux.items():
        assert installed.get(name) == version, name
    assert installed.pop("incubator-tui") == incubator_tui.__version__
    assert set(installed) - {"pip", "setuptools"} == set(linux)

    app = str(target / "bin" / "incubator-tui")
    code = "import incubator_tui; print(incubator_tui.__file__)"
    where = subprocess.run([str(target / "bin" / "python"), "-c", code],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout
    assert where.startswith(str(target)), where  # the bundle's copy, not this checkout
    proc = subprocess.run([app, "--help"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "demo" in proc.stdout and "flags" in proc.stdout
    proc = subprocess.run([app, "--lang", "en", "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and incubator_tui.__version__ in proc.stdout, proc.stderr
    db = tmp_path / "centre.sqlite"
    proc = subprocess.run([app, "demo", "--db", str(db), "--orgs", "12", "--months", "6"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert db.exists()
    proc = subprocess.run([app, "flags", "--db", str(db), "--json"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.lstrip().startswith("["), proc.stderr


def test_the_windows_bundle_has_every_locked_dependency_for_windows(tmp_path: Path) -> None:
    out = tmp_path / "bundle-windows"
    bundle("windows", out)
    version = (sys.version_info.major, sys.version_info.minor)
    interpreter = f"cp{version[0]}{version[1]}"
    tags = set(cpython_tags(version, [interpreter], ["win_amd64"])) | set(
        compatible_tags(version, interpreter, ["win_amd64"]))
    by_name: dict[str, list[Path]] = {}
    for wheel in out.glob("*.whl"):
        name, ver, _build, wheel_tags = parse_wheel_filename(wheel.name)
        assert wheel_tags & tags, f"{wheel.name} does not install on Windows amd64, CPython {PYTHON}"
        assert all(t.platform in ("win_amd64", "any") for t in wheel_tags), wheel.name
        by_name.setdefault(canonicalize_name(name), []).append(wheel)
    assert [w.name for w in by_name.pop("incubator-tui")] == [
        f"incubator_tui-{incubator_tui.__version__}-py3-none-any.whl"]
    wanted = {k: v for k, v in lock_pins().items() if not v[1] or Marker(v[1]).evaluate(windows_env())}
    assert "tzdata" in wanted  # zoneinfo's Asia/Shanghai on Windows, which has no system tz database
    assert set(by_name) == set(wanted)
    for name, (ver, _marker, hashes) in wanted.items():
        (wheel,) = by_name[name]
        assert str(parse_wheel_filename(wheel.name)[1]) == ver, wheel.name
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() in hashes, f"{wheel.name}: hash not in the lock"


def test_ci_runs_exactly_the_readmes_test_command_and_installs_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("this is exactly what `.ci/run` runs", 1)[1].split("```sh\n", 1)[1].split("\n```", 1)[0]
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if ln.strip() and not ln.startswith(("#", "set ", "cd ", "export "))]
    assert ci == [block.strip()]
    assert "-r requirements.lock" in block and "-r requirements-test.lock" in block and "--no-deps" in block


def test_the_lock_pins_every_dependency_of_the_project_at_an_allowed_version() -> None:
    import tomllib

    from packaging.requirements import Requirement

    pins = lock_pins()
    test_pins = lock_pins(ROOT / "requirements-test.lock")
    assert not set(pins) & set(test_pins)  # the test lock adds, never repeats
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for text in project["dependencies"]:
        req = Requirement(text)
        version = pins[canonicalize_name(req.name)][0]
        assert req.specifier.contains(version, prereleases=True), text
    for text in project["optional-dependencies"]["test"]:
        req = Requirement(text)
        assert req.specifier.contains(test_pins[canonicalize_name(req.name)][0], prereleases=True), text
    for name, (_v, _m, hashes) in {**pins, **test_pins}.items():
        assert hashes, name
