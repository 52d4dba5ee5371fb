# Types for sqlcipher3.dbapi2: the standard sqlite3 API, plus the blob call it spells its own way.
import sqlite3
from sqlite3 import (
    DatabaseError as DatabaseError,
)
from sqlite3 import (
    Error as Error,
)
from sqlite3 import (
    IntegrityError as IntegrityError,
)
from sqlite3 import (
    OperationalError as OperationalError,
)
from sqlite3 import (
    ProgrammingError as ProgrammingError,
)
from sqlite3 import (
    Row as Row,
)
from sqlite3 import (
    complete_statement as complete_statement,
)
from sqlite3 import (
    sqlite_version as sqlite_version,
)
from typing import Any

Cursor = sqlite3.Cursor

class Connection(sqlite3.Connection):
    def open_blob(
        self, table: str, column: str, row: int, readonly: bool, database: str = ...
    ) -> Any: ...

def connect(
    database: str,
    timeout: float = ...,
    detect_types: int = ...,
    isolation_level: str | None = ...,
    check_same_thread: bool = ...,
    factory: type[Connection] | None = ...,
    cached_statements: int = ...,
    uri: bool = ...,
) -> Connection: ...
