"""The offline bundle: one folder of wheels a centre installs from with no network.

    python scripts/bundle.py --target linux --out dist/bundle-linux
    python scripts/bundle.py --target windows --out dist/bundle-windows [--python 3.12 ...]
    python scripts/bundle.py --lock      # rewrite requirements.lock and requirements-test.lock

A bundle holds the app's wheel (``pip wheel --no-deps .``) and, for CPython
3.11, 3.12 and 3.13 (or the ``--python`` versions given), one binary wheel of
every runtime dependency, at exactly the version and with one of the hashes
pinned in ``requirements.lock``: the versions the test suite ran with, since
``.ci/run`` installs the same lock.  Linux means x86_64 with glibc 2.17 or newer
(manylinux2014), Windows means amd64.  Only wheels: nothing is compiled on the
centre's computer.

Downloads come from the package index through ``pip download`` and are kept in
``.cache/bundle`` (git-ignored, ``--cache`` to move it); a wheel already there
whose hash is in the lock is not fetched again, so a warm cache needs no network.
Any failure (no network, a version without a wheel for a target) stops with a
message and a non-zero exit code.

``--lock`` needs ``uv`` (``pip install uv`` in any environment): it compiles the
project's dependencies for every platform (``uv pip compile --universal
--generate-hashes``) constrained to the versions installed in the running
environment, i.e. the ones the tests ran with.  ``requirements.lock`` holds
what the app needs at run time (what the bundle ships), ``requirements-test.lock``
the test tools on top of it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
CACHE = ROOT / ".cache" / "bundle"
PYTHONS = ("3.11", "3.12", "3.13")
MANIFEST = "BUNDLE.txt"

# The platform tags a target accepts, best first.  Linux: glibc 2.17 or newer (manylinux2014
# and the older manylinux tags it includes), so that old distributions (CentOS 7, Kylin,
# UOS) install the same bundle as new ones.
PLATFORMS = {
    "linux": ("manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_12_x86_64", "manylinux2010_x86_64",
              "manylinux_2_5_x86_64", "manylinux1_x86_64"),
    "windows": ("win_amd64",),
}
# The environment markers (PEP 508) of each target, for the lock's `; sys_platform == 'win32'`.
MARKERS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64"},
}

INSTALL_TXT = """\
incubator-tui {version} · 离线安装包 offline bundle · {target} x86_64 · CPython {pythons}

安装（不需要网络）/ Install (no network needed):

{install}

启动 / Start:  {start}
版本 / Version:  {version_cmd}

每个文件的 SHA-256 见 BUNDLE.txt。/ Every file's SHA-256 is in BUNDLE.txt.
"""
INSTALL = {  # PowerShell, the shell Windows Terminal opens
    "windows": (
        '  py -3 -m venv "$env:LOCALAPPDATA\\Programs\\incubator-tui"\n'
        '  & "$env:LOCALAPPDATA\\Programs\\incubator-tui\\Scripts\\pip.exe" install --no-index --find-links {here}'
        " incubator-tui",
        '& "$env:LOCALAPPDATA\\Programs\\incubator-tui\\Scripts\\incubator-tui.exe"  (Windows Terminal)',
        '& "$env:LOCALAPPDATA\\Programs\\incubator-tui\\Scripts\\incubator-tui.exe" --version',
    ),
    "linux": (
        "  python3 -m venv ~/.local/share/incubator-tui-venv\n"
        "  ~/.local/share/incubator-tui-venv/bin/pip install --no-index --find-links {here} incubator-tui",
        "~/.local/share/incubator-tui-venv/bin/incubator-tui",
        "~/.local/share/incubator-tui-venv/bin/incubator-tui --version",
    ),
}


class BundleError(Exception):
    """A bundle or lock that cannot be made: the message says why."""


# --- the lock ---------------------------------------------------------------------------------

@dataclass
class Pin:
    name: str  # normalised (PEP 503)
    version: str
    marker: str | None
    hashes: set[str] = field(default_factory=set)

    def applies(self, target: str, python: str) -> bool:
        if not self.marker:
            return True
        from packaging.markers import Marker

        return Marker(self.marker).evaluate(environment(target, python))


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def environment(target: str, python: str) -> dict[str, str]:
    return {**MARKERS[target], "python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "implementation_version": f"{python}.0", "platform_release": "", "platform_version": "", "extra": ""}


_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
_HASH_RE = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def read_lock(path: Path = LOCK) -> list[Pin]:
    """The pins of a lock file written by ``--lock`` (pip's requirements format with hashes)."""
    if not path.exists():
        raise BundleError(f"{path.name} is missing: run `python scripts/bundle.py --lock`")
    pins: list[Pin] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            m = _PIN_RE.match(stripped)
            if m is None:
                raise BundleError(f"{path.name}, line {number}: not a pinned requirement: {stripped}")
            pins.append(Pin(normalise(m.group(1)), m.group(2), m.group(3)))
        elif pins:
            pins[-1].hashes.update(_HASH_RE.findall(stripped))
    for pin in pins:
        if not pin.hashes:
            raise BundleError(f"{path.name}: {pin.name}=={pin.version} has no hash")
    return pins


def check_lock_covers_project(pins: list[Pin]) -> None:
    """Every dependency of pyproject.toml is pinned, at a version it allows: else the lock is stale."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    by_name = {p.name: p for p in pins}
    stale = []
    for text in project["dependencies"]:
        req = Requirement(text)
        pin = by_name.get(normalise(req.name))
        if pin is None or not req.specifier.contains(pin.version, prereleases=True):
            stale.append(text)
    if stale:
        raise BundleError(f"{LOCK.name} does not pin {', '.join(stale)} (pyproject.toml changed): "
                          "run `python scripts/bundle.py --lock` in the tested environment")


# --- wheels -----------------------------------------------------------------------------------

def supported_tags(target: str, python: str) -> set:
    from packaging.tags import compatible_tags, cpython_tags

    version = tuple(int(x) for x in python.split("."))
    platforms = PLATFORMS[target]
    interpreter = f"cp{version[0]}{version[1]}"
    return set(cpython_tags(version, [interpreter], platforms)) | set(
        compatible_tags(version, interpreter, platforms))


def wheel_fits(path: Path, pin: Pin, tags: set) -> bool:
    from packaging.utils import parse_wheel_filename

    try:
        name, version, _build, wheel_tags = parse_wheel_filename(path.name)
    except ValueError:
        return False
    return (normalise(name) == pin.name and str(version) == pin.version and bool(wheel_tags & tags))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_wheel(cache: Path, pin: Pin, tags: set) -> Path | None:
    for path in sorted(cache.glob("*.whl")):
        if wheel_fits(path, pin, tags) and sha256(path) in pin.hashes:
            return path
    return None


def pip_download(pins: list[Pin], target: str, python: str, cache: Path) -> None:
    """Fetch the pins' wheels for one target and Python into the cache; hashes are checked by pip.

    pip writes into a private folder first and each wheel is then renamed into the cache,
    so that two bundles built at once (the tests, in parallel) never read a half-written file.
    """
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        reqs = Path(tmp) / "requirements.txt"
        reqs.write_text("".join(
            f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in sorted(p.hashes)) + "\n"
            for p in pins), encoding="utf-8")
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--implementation", "cp", "--python-version", python, "--abi", "cp" + python.replace(".", ""),
               "--dest", str(Path(tmp) / "wheels"), "--require-hashes", "-r", str(reqs)]
        for platform in PLATFORMS[target]:
            cmd += ["--platform", platform]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            names = ", ".join(f"{p.name}=={p.version}" for p in pins)
            raise BundleError(f"pip download failed for {target}, CPython {python} ({names}):\n"
                              f"{proc.stderr.strip() or proc.stdout.strip()}")
        for wheel in (Path(tmp) / "wheels").glob("*.whl"):
            os.replace(wheel, cache / wheel.name)


def build_app_wheel(dest: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the sources: the build never walks a tree where tests
    are writing ``__pycache__`` or databases at the same moment, and takes nothing but the package."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, Path(tmp) / name)
        shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite*"))
        wheels = Path(tmp) / "wheels"
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                               str(wheels), tmp], capture_output=True, text=True)
        if proc.returncode != 0:
            raise BundleError(f"building the app's wheel failed:\n{proc.stdout.strip()}\n{proc.stderr.strip()}")
        (wheel,) = wheels.glob("incubator_tui-*.whl")
        return Path(shutil.copy2(wheel, dest / wheel.name))


def prepare_out(out: Path) -> None:
    """An empty folder, or one this script made before (emptied of its wheels): never someone's files."""
    if out.exists():
        if not out.is_dir():
            raise BundleError(f"{out} is a file, not a folder")
        entries = list(out.iterdir())
        if entries and not (out / MANIFEST).exists():
            raise BundleError(f"{out} is not empty and is not a bundle made by this script: choose another --out")
        for entry in entries:
            if entry.suffix == ".whl" or entry.name in (MANIFEST, "INSTALL.txt"):
                entry.unlink()
    out.mkdir(parents=True, exist_ok=True)


def make_bundle(target: str, out: Path, pythons: tuple[str, ...] = PYTHONS, cache: Path = CACHE) -> list[Path]:
    """Build the bundle for ``target`` in ``out``; the wheels it holds (the app's first)."""
    __version__ = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    pins = read_lock()
    check_lock_covers_project(pins)
    cache.mkdir(parents=True, exist_ok=True)
    prepare_out(out)
    files = [build_app_wheel(out)]
    for python in pythons:
        tags = supported_tags(target, python)
        wanted = [p for p in pins if p.applies(target, python)]
        missing = [p for p in wanted if cached_wheel(cache, p, tags) is None]
        if missing:
            pip_download(missing, target, python, cache)
        for pin in wanted:
            wheel = cached_wheel(cache, pin, tags)
            if wheel is None:
                raise BundleError(f"no wheel of {pin.name}=={pin.version} for {target}, CPython {python} "
                                  "with a hash from the lock")
            dest = out / wheel.name
            if not dest.exists():
                shutil.copy2(wheel, dest)
                files.append(dest)
    lines = [f"incubator-tui {__version__} offline bundle for {target} x86_64, CPython {', '.join(pythons)}",
             f"from {LOCK.name}; sha256 of every file:", ""]
    lines += [f"{sha256(f)}  {f.name}" for f in files]
    (out / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    install, start, version_cmd = INSTALL[target]
    (out / "INSTALL.txt").write_text(INSTALL_TXT.format(
        version=__version__, target=target.capitalize(), pythons=", ".join(pythons),
        install=install.format(here='"<这个文件夹 this folder>"'), start=start, version_cmd=version_cmd),
        encoding="utf-8")
    return files


# --- writing the lock -------------------------------------------------------------------------

def _blocks(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(header lines, [(normalised name, block text)]) of a uv-compiled requirements file."""
    header, blocks = [], []
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            blocks.append((normalise(line.split("==", 1)[0]), line + "\n"))
        elif blocks:
            name, body = blocks[-1]
            blocks[-1] = (name, body + line + "\n")
        else:
            header.append(line)
    return header, blocks


def write_lock() -> None:
    uv = shutil.which("uv")
    if uv is None:
        raise BundleError("`uv` is needed to write the lock: `pip install uv` (in any environment), then re-run")
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                            text=True, check=True).stdout
    keep = [ln for ln in freeze.splitlines() if "==" in ln
            and normalise(ln.split("==")[0]) not in ("pip", "setuptools", "wheel", "incubator-tui")]
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "tested.txt"
        constraints.write_text("\n".join(keep) + "\n", encoding="utf-8")
        outputs = {}
        for label, extra in (("run", []), ("test", ["--extra", "test"])):
            out = Path(tmp) / f"{label}.txt"
            cmd = [uv, "pip", "compile", "--quiet", str(ROOT / "pyproject.toml"), *extra, "--universal",
                   "--python-version", PYTHONS[0], "--generate-hashes", "--constraints", str(constraints),
                   "--custom-compile-command", "python scripts/bundle.py --lock", "--no-emit-package", "pip",
                   "--output-file", str(out)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                raise BundleError(f"uv pip compile failed:\n{proc.stderr.strip()}")
            # The constraints' temporary path would change the file on every run: name what it was.
            text = out.read_text(encoding="utf-8")
            outputs[label] = text.replace(str(constraints), "(pip freeze of the tests' venv)")
    header, run_blocks = _blocks(outputs["run"])
    runtime = {name for name, _ in run_blocks}
    note = ["# The app's run-time dependencies, every platform, exactly as tested: the offline bundle",
            "# ships these and .ci/run installs them (then requirements-test.lock). Do not edit by hand."]
    LOCK.write_text("\n".join(note + header) + "\n" + "".join(b for _, b in run_blocks), encoding="utf-8")
    _header, test_blocks = _blocks(outputs["test"])
    test_note = ["# The test tools, on top of requirements.lock (which this file does not repeat).",
                 "# Written with requirements.lock by `python scripts/bundle.py --lock`. Do not edit by hand."]
    TEST_LOCK.write_text("\n".join(test_note) + "\n" + "".join(b for n, b in test_blocks if n not in runtime),
                         encoding="utf-8")
    print(f"wrote {LOCK.name} ({len(run_blocks)} packages) and {TEST_LOCK.name} "
          f"({len(test_blocks) - len(runtime)} more)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(PLATFORMS))
    parser.add_argument("--out", type=Path, help="the bundle's folder (created; a previous bundle there is replaced)")
    parser.add_argument("--python", action="append", choices=PYTHONS, help="only these CPython versions")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where downloads are kept (default {CACHE})")
    parser.add_argument("--lock", action="store_true", help="rewrite the lock files from this environment")
    args = parser.parse_args(argv)
    try:
        if args.lock:
            write_lock()
            return 0
        if not args.target or not args.out:
            parser.error("--target and --out are needed (or --lock)")
        pythons = tuple(sorted(set(args.python))) if args.python else PYTHONS
        files = make_bundle(args.target, args.out, pythons, args.cache)
    except BundleError as exc:
        print(f"bundle.py: {exc}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in files) / 1e6
    print(f"{args.out}: {len(files)} wheels, {size:.1f} MB, for {args.target} x86_64, CPython {', '.join(pythons)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
