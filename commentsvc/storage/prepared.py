"""Statements compiled once per engine and run straight on a DBAPI cursor: the hottest reads and a post's writes."""

from __future__ import annotations

import collections
import functools
import operator
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, exc
from sqlalchemy.dialects.sqlite import DATETIME as SQLiteDateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


class PreparedStatement:
    """A Core statement compiled once per engine and run straight on a DBAPI cursor.

    For the hottest statements only. On an Engine it runs alone on a pooled connection, without a
    transaction (a thread's version for its ETag, counts for a listing page: one indexed read each,
    which a single statement reads from one consistent snapshot). On a Connection it runs inside
    that connection's transaction (the statements of a post, under the write lock). Either way a
    Session or a Connection around it (events, result objects, the compiled cache lookup, BEGIN and
    ROLLBACK) cost several times the statement itself (profile in bench/README.md). Parameters go
    through the column types' bind processors (SQLite keeps datetimes as text); rows come back as
    plain tuples without type processing, so return only integers, text, bytes and booleans. Errors are
    SQLAlchemy's, as from any query, so a database outage is still a 503."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Engine, _Compiled] = weakref.WeakKeyDictionary()
        # The engine compiled for last, by a weak reference that is cheaper to ask than the dictionary.
        self._last: tuple[weakref.ref[Engine], _Compiled] | None = None

    def _compile(self, engine: Engine) -> _Compiled:
        last = self._last
        if last is not None and last[0]() is engine:
            return last[1]
        compiled = self._compiled.get(engine)
        if compiled is None:
            sql_compiler = cast(SQLCompiler, self.statement.compile(dialect=engine.dialect))
            compiled = self._compiled[engine] = _compiled_for(sql_compiler, engine)
        self._last = (weakref.ref(engine), compiled)
        return compiled

    def rows(self, bind: Engine | Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        engine = bind.engine
        compiled = self._compile(engine)
        arguments = compiled.arguments(params)
        if engine.dispatch.before_cursor_execute:
            # Someone watches statements (a query-count test, a tracer): run it where they see it.
            if isinstance(bind, Connection):
                return _all_rows(bind.exec_driver_sql(compiled.sql, arguments))
            with engine.connect() as watched:
                return _all_rows(watched.exec_driver_sql(compiled.sql, arguments))
        if isinstance(bind, Connection):
            # Inside the connection's transaction, on the pool's proxy of the driver's connection.
            return compiled.run(bind.connection, arguments, invalidate=bind.invalidate, alone=False)
        dbapi_error = compiled.dbapi_error
        try:
            pooled = engine.raw_connection()
        except dbapi_error as error:  # the pool hands out the driver's own connect errors
            raise exc.DBAPIError.instance(None, None, error, dbapi_error) from error
        try:
            return compiled.run(pooled, arguments, invalidate=pooled.invalidate, alone=True)
        finally:
            pooled.close()


_PREPARED_READS: dict[ClauseElement, PreparedStatement] = {}


def named_rows(bind: Engine | Connection, statement: ClauseElement, params: dict[str, Any]) -> list[Any]:
    """A read's rows as named tuples with the columns' Python types, run as a prepared statement: for the
    domain's hottest reads, which say what they read and leave how to this seam. `statement` is one
    built once (a module's constant), as each gets its own compiled statement per engine. SQLite keeps
    times as text, which the column types' own result processors parse; psycopg already returns the
    types SQLAlchemy would (none of these PostgreSQL types process results)."""
    prepared = _PREPARED_READS.get(statement)
    if prepared is None:
        prepared = _PREPARED_READS[statement] = PreparedStatement(statement)
    return prepared._compile(bind.engine).named(prepared.rows(bind, params))


def _compiled_for(compiled: SQLCompiler, engine: Engine) -> _Compiled:
    if engine.dialect.driver == "psycopg":
        from .libpq import LibpqCompiled  # psycopg is installed only for PostgreSQL

        return LibpqCompiled(compiled, engine)
    return _Compiled(compiled, engine.dialect)


def _all_rows(result: CursorResult[Any]) -> list[tuple[Any, ...]]:
    """An UPDATE or INSERT without RETURNING has no rows to iterate (the fast path checks the cursor too)."""
    return [tuple(row) for row in result] if result.returns_rows else []


class _Compiled:
    """A statement's SQL for one dialect, and how a dict of values becomes the driver's arguments."""

    def __init__(self, compiled: SQLCompiler, dialect: Dialect) -> None:
        binds = compiled.binds
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(binds)
        self._positional = compiled.positional
        self._in_order = _tuple_getter(self._names)
        # Values fixed in the statement itself, such as the 1 of `id = 1`.
        self._fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        self._processors = tuple(
            (name, processor)
            for name, bind in binds.items()
            if (processor := _bind_processor(bind.type.dialect_impl(dialect), dialect)) is not None
        )
        self._dialect = dialect
        self.dbapi_error = dialect.loaded_dbapi.Error
        # Known from the statement, so the cursor's description is never built to find out: psycopg
        # makes one object per column for it, which cost about a third of a small statement.
        self._returns_rows = bool(getattr(compiled.statement, "is_select", False) or compiled.effective_returning)
        self._result_columns = compiled._result_columns

    @functools.cached_property
    def _named_row(self) -> tuple[Callable[[Any], Any], tuple[tuple[int, Callable[[Any], Any]], ...]]:
        columns = self._result_columns
        row_type = collections.namedtuple("Row", [column[0] for column in columns], rename=True)  # type: ignore[misc]
        processors: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
        if self._dialect.name == "sqlite":
            processors = tuple(
                (index, processor)
                for index, column in enumerate(columns)
                if (processor := column[3].dialect_impl(self._dialect).result_processor(self._dialect, None))
            )
        return row_type._make, processors

    def named(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        make, processors = self._named_row
        if not processors:
            return [make(row) for row in rows]
        named = []
        for row in rows:
            values = list(row)
            for index, processor in processors:
                values[index] = processor(values[index])
            named.append(make(values))
        return named

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self._fixed, **params} if self._fixed else params
        if self._processors:
            values = dict(values)
            for name, processor in self._processors:
                values[name] = processor(values[name])
        if self._positional:
            return self._in_order(values)
        return {name: values[name] for name in self._names}

    def run(
        self, connection: Any, arguments: Any, invalidate: Callable[[BaseException], None], alone: bool
    ) -> list[tuple[Any, ...]]:
        """On the pool's proxy of a driver connection; `alone` when no transaction of the caller's is open."""
        try:
            return self._run(connection, arguments, alone)
        except self.dbapi_error as error:
            # The same exceptions (and the same 503) as a statement through SQLAlchemy would raise.
            if self._dialect.is_disconnect(error, connection.dbapi_connection, None):
                invalidate(error)
            raise exc.DBAPIError.instance(self.sql, arguments, error, self.dbapi_error) from error

    def _run(self, connection: Any, arguments: Any, alone: bool) -> list[tuple[Any, ...]]:
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql, arguments)
            return cursor.fetchall() if self._returns_rows else []
        finally:
            cursor.close()


_SQLITE_DATETIME_TEXT = SQLiteDateTime._storage_format


def _bind_processor(impl: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's own bind processor, but for SQLite's DATETIME in its default text format:
    that one fills a %-format from a dict of seven fields for every value, where isoformat writes
    the very same characters in one C call (bench/README.md)."""
    processor: Callable[[Any], Any] | None = impl.bind_processor(dialect)
    if processor is None or not (isinstance(impl, SQLiteDateTime) and impl._storage_format == _SQLITE_DATETIME_TEXT):
        return processor
    library_processor = processor

    def as_sqlite_text(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return library_processor(value)  # None, a date, an aware or a subclassed datetime

    return as_sqlite_text


def _tuple_getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of these names as a tuple, in one C call (bench/README.md); itemgetter of a single
    name returns the value alone, not a 1-tuple."""
    if len(names) == 1:
        (only,) = names
        return lambda values: (values[only],)
    if not names:
        return lambda values: ()
    return operator.itemgetter(*names)
