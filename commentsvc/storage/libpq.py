"""PostgreSQL through psycopg's libpq connection: a prepared statement's run without psycopg's cursor."""

from __future__ import annotations

import itertools
import re
from typing import Any

from psycopg import OperationalError
from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import InvalidSqlStatementName, error_from_result
from psycopg.pq import ConnStatus, ExecStatus, TransactionStatus
from sqlalchemy import Engine, event
from sqlalchemy.sql.compiler import SQLCompiler

from .prepared import _Compiled, _tuple_getter


class LibpqCompiled(_Compiled):
    """On psycopg, run through its libpq connection (`pgconn`) as a statement prepared once per connection.

    psycopg's cursor would do the same, prepared after five runs, but through a generator per wait and
    bookkeeping of its own: half the client CPU of a small read (bench/README.md). Parameters are dumped
    and rows loaded by psycopg's own Transformer, so the values are the ones its cursor sends and returns,
    and one preparation is kept per set of parameter types, as psycopg keeps them. Alone, the statement
    runs outside a transaction (the server's own implicit one), where psycopg would send BEGIN and the
    pool ROLLBACK; in a transaction psycopg has not begun yet, its cursor begins it."""

    def __init__(self, compiled: SQLCompiler, engine: Engine) -> None:
        super().__init__(compiled, engine.dialect)
        names: list[str] = []

        def numbered(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "%"
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self._libpq_sql = _PYFORMAT_PLACEHOLDER.sub(numbered, self.sql).encode()
        self._in_libpq_order = _tuple_getter(tuple(names))
        self._auto_formats = (PyFormat.AUTO,) * len(names)
        _forget_what_psycopg_deallocates(engine)

    def _run(self, connection: Any, arguments: Any, alone: bool) -> list[tuple[Any, ...]]:
        driver = connection.dbapi_connection
        status = driver.pgconn.transaction_status
        if status == TransactionStatus.INTRANS:
            return self._run_prepared(connection, arguments)
        if status != TransactionStatus.IDLE or not (alone or driver.autocommit):
            return super()._run(connection, arguments, alone)
        try:
            return self._run_prepared(connection, arguments)
        except InvalidSqlStatementName:
            # Deallocated by a command none of our listeners saw: outside a transaction nothing is lost.
            connection.info.pop(_PREPARED, None)
            return self._run_prepared(connection, arguments)

    def _run_prepared(self, connection: Any, arguments: Any) -> list[tuple[Any, ...]]:
        driver = connection.dbapi_connection
        pgconn = driver.pgconn
        transformer = Transformer(driver)
        values = transformer.dump_sequence(self._in_libpq_order(arguments), self._auto_formats)
        types = transformer.types or ()
        prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = connection.info.setdefault(_PREPARED, {})
        name = prepared.get((self._libpq_sql, types))
        if name is None:
            name = f"commentsvc_{next(_numbers)}".encode()
            _raise_for(pgconn.prepare(name, self._libpq_sql, types), transformer, pgconn)
            prepared[(self._libpq_sql, types)] = name
        result = pgconn.exec_prepared(name, values, transformer.formats)
        _raise_for(result, transformer, pgconn)
        if not self._returns_rows:
            return []
        transformer.set_pgresult(result)
        return transformer.load_rows(0, result.ntuples, tuple)


# SQLAlchemy's psycopg dialect writes parameters as %(name)s and a literal % as %%.
_PYFORMAT_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s|%%")
# The statements prepared on a connection, in the pool's info for it (cleared when it is closed).
_PREPARED = "commentsvc_prepared"
_numbers = itertools.count()
# After these commands through its cursor, and after a ROLLBACK of its own, psycopg deallocates every
# prepared statement of the connection (DEALLOCATE ALL), ours too (psycopg/_preparing.py).
_DEALLOCATING_COMMAND = re.compile(r"^(?:DROP|ALTER|ROLLBACK|DISCARD ALL|DEALLOCATE ALL)\b").match


def _forget_what_psycopg_deallocates(engine: Engine) -> None:
    """Every statement and rollback goes through SQLAlchemy, whose events tell when psycopg is about to
    drop the connection's prepared statements, so ours are prepared again before their next run."""
    if event.contains(engine, "rollback", _forget_before_a_rollback):
        return
    event.listen(engine, "rollback", _forget_before_a_rollback)
    event.listen(engine, "after_cursor_execute", _forget_after_a_deallocating_command)
    event.listen(engine.pool, "reset", _forget_before_a_reset)


def _forget_before_a_rollback(connection: Any) -> None:
    if connection.invalidated:  # its driver connection, and what was prepared on it, are gone
        return
    _forget_if_in_transaction(connection.connection.dbapi_connection, connection.info)


def _forget_before_a_reset(dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
    _forget_if_in_transaction(dbapi_connection, record.info)


def _forget_if_in_transaction(dbapi_connection: Any, info: dict[str, Any]) -> None:
    """psycopg's rollback of an idle connection sends nothing, so the pool's reset on every return keeps them."""
    if dbapi_connection is not None and dbapi_connection.pgconn.transaction_status != TransactionStatus.IDLE:
        info.pop(_PREPARED, None)


def _forget_after_a_deallocating_command(connection: Any, cursor: Any, *_arguments: Any) -> None:
    if _DEALLOCATING_COMMAND(cursor.statusmessage or ""):
        connection.info.pop(_PREPARED, None)


def _raise_for(result: Any, transformer: Any, pgconn: Any) -> None:
    """The error psycopg's cursor raises: a lost connection is an OperationalError (psycopg notices it
    reading the socket; libpq reports it as a result without a SQLSTATE), the rest by their SQLSTATE."""
    if result.status in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
        return
    if pgconn.status == ConnStatus.BAD:
        raise OperationalError(result.error_message.decode(transformer.encoding, "replace").strip())
    raise error_from_result(result, encoding=transformer.encoding)
