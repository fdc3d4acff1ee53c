"""Token stores: where a token source keeps tokens it shares between threads, processes, machines.

:class:`MemoryStore` (one process, the default), :class:`SqliteStore` (one machine, many
processes), :class:`RedisStore` (many machines). All implement :class:`TokenStore`: read,
compare-and-set on a per-key version, and a refresher lease. Importing this package does not
import redis-py; only constructing a :class:`RedisStore` does.
"""

from tokenwire.adapters.stores.base import Lease, StoredToken, StoreError, TokenStore
from tokenwire.adapters.stores.memory import MemoryStore
from tokenwire.adapters.stores.redis import RedisStore
from tokenwire.adapters.stores.sqlite import SqliteStore

__all__ = [
    "Lease",
    "MemoryStore",
    "RedisStore",
    "SqliteStore",
    "StoreError",
    "StoredToken",
    "TokenStore",
]
