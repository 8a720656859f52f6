"""How the app's screens reach the services: each read declares the connection it needs.

A service read by a screen is one of two kinds, declared where it is written:

- ``@reads_sql``: SQL text only; it runs on ``Database.reading()``, a plain
  connection in a read transaction (no ORM, SQLModel or pydantic imported:
  start-up and the dashboard stay fast);
- ``@reads_orm``: it uses the ORM (``session.get``, ``select(Model)``...); it runs in
  ``Database.read_session()``, a deferred read transaction: a screen's read never takes
  the write lock, so it never waits behind an import (writes begin IMMEDIATE).

A plain connection also executes ``select(Model)``, handing back bare rows instead
of model objects: a service that starts using the ORM must say so here, next to its
code, rather than in each screen that calls it.  An undeclared service is refused
(``TypeError``) the first time a screen reads it.

Screens never open a connection or a session themselves: :class:`Reads` opens one
per kind for a whole load (one snapshot for every service a screen reads), and
:func:`write` runs a writing service in one transaction.  No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from incubator_tui.db import Database

SQL = "sql"
ORM = "orm"
_ATTR = "reads_with"

F = TypeVar("F", bound=Callable[..., Any])


def reads_sql(fn: F) -> F:
    """Declare ``fn(connection, ...)`` a read in SQL text only (a plain connection suffices)."""
    setattr(fn, _ATTR, SQL)
    return fn


def reads_orm(fn: F) -> F:
    """Declare ``fn(session, ...)`` a read that needs the ORM session."""
    setattr(fn, _ATTR, ORM)
    return fn


def connection_kind(fn: Callable[..., Any]) -> str:
    """What ``fn`` declared (:data:`SQL` or :data:`ORM`); a ``TypeError`` if it declared nothing."""
    target = fn
    while isinstance(target, partial):
        target = target.func
    kind = getattr(target, _ATTR, None)
    if kind not in (SQL, ORM):
        name = getattr(target, "__qualname__", repr(target))
        raise TypeError(f"{name} does not declare its connection: decorate it with @reads_sql or @reads_orm")
    return kind


class Reads:
    """The reads of one load: ``reads(service, *args)`` runs the service on the connection it
    declared, opened at its first use and kept (one snapshot) until :meth:`close`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._stack = ExitStack()
        self._open: dict[str, Any] = {}

    def __call__(self, service: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        kind = connection_kind(service)
        conn = self._open.get(kind)
        if conn is None:
            opener = self.db.reading if kind == SQL else self.db.read_session
            conn = self._open[kind] = self._stack.enter_context(opener())
        return service(conn, *args, **kwargs)

    def close(self) -> None:
        self._open.clear()
        self._stack.close()

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        # The error a read raised reaches the context of its connection (``Database.reading``,
        # ``read_session``), which turns a database failure into its message (a ``DatabaseError``);
        # ``close()`` would hand it none, and a disk I/O error would reach the screen's worker raw.
        self._open.clear()
        self._stack.__exit__(*exc)


def read(db: Database, service: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """One service read on its own connection."""
    with Reads(db) as reads:
        return reads(service, *args, **kwargs)


def write(db: Database, service: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``service(session, *args, **kwargs)`` in one transaction (committed when it returns)."""
    with db.session() as session:
        return service(session, *args, **kwargs)
