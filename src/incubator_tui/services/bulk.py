"""Bulk writes shared by the importers and the demo: UUID4 ids made fast, and
Core inserts run as one executemany of already-converted tuples.

``session.execute(insert(Score), rows)`` spends most of its time building and
type-processing a parameter dict per row (~1 s for 72,000 imported cells).
:class:`BulkInsert` compiles the statement once for the session's dialect and
converts values with each column type's own bind processor once per distinct
value, so what is left is the database's own work.  Where the dialect's
paramstyle is not positional it falls back to the ordinary executemany.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# UUID version 4 and the RFC 4122 variant, set in a 128-bit number (as models.base.new_id).
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


def uuid4_hex(bits: int) -> str:
    """The UUID4 (hex, as the models store ids) made from 128 random ``bits``.

    The demo passes a seeded generator's bits (same seed, same ids)."""
    return f"{(bits & _V4_CLEAR) | _V4_SET:032x}"


def random_ids(n: int) -> list[str]:
    """``n`` UUID4 ids from one urandom call: uuid.uuid4() costs ~4 µs each,
    which is 0.3 s of a 72,000-cell import."""
    raw = os.urandom(16 * n)
    return [uuid4_hex(int.from_bytes(raw[i:i + 16], "big")) for i in range(0, 16 * n, 16)]


class BulkInsert:
    """Inserts of rows given as tuples in ``columns`` order into ``table``."""

    def __init__(self, session: Session, table: Any, columns: Sequence[str]) -> None:
        from sqlalchemy import insert

        self.session, self.table, self.columns = session, table, tuple(columns)
        self.conn = session.connection()
        dialect = self.conn.dialect
        self.procs = {c: table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in self.columns}
        compiled = insert(table).compile(dialect=dialect, column_keys=list(self.columns))
        order = list(compiled.positiontup or ()) if compiled.positional else []
        self.fast = bool(compiled.positional) and sorted(order) == sorted(self.columns)
        self.sql = compiled.string
        self.index = [self.columns.index(c) for c in order]
        self._memo: dict[tuple[str, Any], Any] = {}

    def encode(self, column: str, value: Any) -> Any:
        """The value as the driver receives it (memoised), or as it is on the fallback path."""
        proc = self.procs[column]
        if not self.fast or proc is None:
            return value
        key = (column, value)
        try:
            return self._memo[key]
        except KeyError:
            got = self._memo[key] = proc(value)
            return got

    def insert(self, rows: Sequence[Sequence[Any]], *, encoded: Iterable[str] = ()) -> int:
        """Insert ``rows``; the columns in ``encoded`` already went through :meth:`encode`."""
        from sqlalchemy import insert

        if not rows:
            return 0
        if not self.fast:
            self.session.execute(insert(self.table), [dict(zip(self.columns, r)) for r in rows])
            return len(rows)
        done = set(encoded)
        todo = [(i, c) for i, c in enumerate(self.columns) if self.procs[c] is not None and c not in done]
        if todo:
            enc, out = self.encode, []
            for r in rows:
                r = list(r)
                for i, c in todo:
                    r[i] = enc(c, r[i])
                out.append(r)
            rows = out
        if self.index != list(range(len(self.columns))):  # the compiler lists columns in table order
            rows = [tuple(r[i] for i in self.index) for r in rows]
        elif todo or not isinstance(rows[0], tuple):
            rows = [tuple(r) for r in rows]
        self.conn.exec_driver_sql(self.sql, rows)
        return len(rows)
