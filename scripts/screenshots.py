"""Save SVG screenshots of the main screens for the README (docs/screenshots/).

    .venv/bin/python scripts/screenshots.py

Uses a fresh demo database (seed 2026) with the date pinned, at 120x36, in Chinese.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


async def main() -> None:
    os.environ["INCUBATOR_TUI_TODAY"] = "2026-11-15"
    os.environ["INCUBATOR_TUI_HOME"] = tempfile.mkdtemp()
    from incubator_tui.app import IncubatorApp
    from incubator_tui.db import open_database
    from incubator_tui.services.demo import create_demo

    db = open_database(Path(tempfile.mkdtemp()) / "demo.sqlite", create=True)
    create_demo(db, seed=2026)
    app = IncubatorApp(db)
    OUT.mkdir(parents=True, exist_ok=True)
    async with app.run_test(size=(120, 36)) as pilot:

        async def settle() -> None:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause(0.2)

        await settle()
        app.save_screenshot("dashboard.svg", str(OUT))
        await pilot.press("o")
        await settle()
        app.save_screenshot("organisations.svg", str(OUT))
        await pilot.press("enter")
        await settle()
        app.save_screenshot("organisation-page.svg", str(OUT))
        await pilot.press("escape", "s")
        await settle()
        app.save_screenshot("scoring.svg", str(OUT))
    print(f"saved to {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
