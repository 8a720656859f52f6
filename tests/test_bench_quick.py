"""`benchmarks/bench.py --quick` still runs: every row of the table is measured once on small data
and printed.  A smoke check only: no figure is asserted (timings on a shared machine are noise)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench_module():
    spec = importlib.util.spec_from_file_location("incubator_bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("incubator_bench", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_quick_benchmark_prints_every_row(tmp_path: Path) -> None:
    bench = _bench_module()
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("machine: ") for line in lines)
    header = "| " + " | ".join(bench.HEADER) + " |"
    assert header in lines
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in lines[lines.index(header) + 2:]
            if line.startswith("| ")}
    expected = bench.row_ids(quick=True)
    assert list(rows) == expected  # every row, in the table's order, nothing else
    for rid, line in rows.items():
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(bench.HEADER), line
        if rid not in bench.EXCHANGE_IDS:  # those wait for benchmarks/bench_exchange.py
            assert cells[2] != "—", line  # measured
