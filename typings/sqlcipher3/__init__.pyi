# sqlcipher3 ships no type information; its DB-API module mirrors the standard sqlite3 one.
from sqlcipher3 import dbapi2 as dbapi2
