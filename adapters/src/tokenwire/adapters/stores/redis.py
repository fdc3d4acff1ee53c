"""RedisStore: many machines sharing tokens through one Redis, on redis-py.

Layout, under ``prefix`` (default ``tokenwire:``):

* ``{prefix}token:{key}``: a hash with ``v`` (the version) and ``t`` (the token, msgspec JSON).
  Compare-and-set is one Lua script (run by EVALSHA through ``register_script``) that checks
  ``v``, writes both fields and sets the key's expiry, so no reader sees a token with the wrong
  version and no two writers both win.
* ``{prefix}version:{key}``: the key's last version, a plain counter without expiry. The token
  hash expires and :meth:`RedisStore.delete` removes it, but the counter stays, so versions never
  repeat for a key (a token source remembers rejected versions). Under a ``maxmemory`` policy
  that evicts keys without a TTL (``allkeys-*``) Redis may drop it; the ``volatile-*`` policies
  and ``noeviction`` never do.
* ``{prefix}lease:{key}``: the refresher lease, ``SET NX PX`` holding the owner id. Redis owns the
  lease clock (``PX``), so a holder that dies is replaced when the key expires. Release is a Lua
  script that deletes the key only if it still holds the caller's owner id: a refresher whose
  lease expired cannot release its successor's lease, and its late compare-and-set fails because
  the successor's write moved the version on (fencing).

On Redis Cluster both scripts must find their keys in one hash slot, or Redis refuses them with
``CROSSSLOT``. The default layout hashes each key whole, so the token hash and its version
counter land in different slots. A ``prefix`` holding a hash tag (``prefix="{tokenwire}:"``)
makes every key hash by the tag alone: all of them share one slot, and the scripts run. Given a
:class:`redis.cluster.RedisCluster` client, the store refuses a prefix without a hash tag when it
is built, instead of failing on its first write. The default prefix stays untagged, so existing
single-server deployments keep their keys.

Expiry of stored tokens: a token without a refresh token is useless once its access token
expires, so it lives until ``expires_at`` plus :data:`EXPIRY_GRACE`. A token with a refresh token
must outlive its access token (an access-token TTL would throw the refresh token away): it lives
``refresh_ttl`` seconds after its last write if given (never less than its access token), else
forever. ``expires_at`` is wall-clock epoch seconds, compared with this machine's ``time.time``.

redis-py is an optional dependency: importing this module does not import it; constructing a
:class:`RedisStore` does.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from tokenwire.adapters.stores.base import (
    Lease,
    StoredToken,
    StoreError,
    check_key,
    check_ttl,
    check_version,
    decode_token,
    encode_token,
    new_owner,
    store_errors,
)
from tokenwire.core import ConfigurationError, Token

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import redis
    import redis.cluster

#: Seconds a token without a refresh token is kept after its access token expired.
EXPIRY_GRACE = 60.0

#: Socket timeouts for a client built from a URL (``?socket_timeout=`` in the URL overrides).
DEFAULT_SOCKET_TIMEOUT = 5.0

#: The longest expiry set on a token hash; a longer one (``expires_in`` = 2**63-1) means none.
#: Redis refuses an expiry whose deadline overflows its clock, after the script's HSET landed.
MAX_EXPIRY_MS = 100 * 366 * 86400 * 1000

# KEYS[1] token hash, KEYS[2] version counter; ARGV[1] expected version ('' = nothing stored),
# ARGV[2] token JSON, ARGV[3] expiry in ms (0 = none, at most MAX_EXPIRY_MS: checked by the
# caller, before anything is written). Returns the new version, or nil if the version moved.
_CAS_SCRIPT = """
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if current then return false end
elseif (not current) or tonumber(current) ~= tonumber(ARGV[1]) then
  return false
end
local version = redis.call('INCR', KEYS[2])
if current and version <= tonumber(current) then
  -- a hash written before the counter existed
  version = tonumber(current) + 1
  redis.call('SET', KEYS[2], version)
end
redis.call('HSET', KEYS[1], 'v', version, 't', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return version
"""

# KEYS[1] lease key; ARGV[1] owner id. Deletes the lease only if the owner still holds it.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStore:
    """Token store in Redis at ``url`` (or on a ready ``client``, which the store won't close)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        prefix: str = "tokenwire:",
        refresh_ttl: float | None = None,
        client: redis.Redis | redis.cluster.RedisCluster | None = None,
    ) -> None:
        try:
            import redis
            import redis.cluster
        except ImportError as exc:
            raise ConfigurationError(
                "RedisStore needs redis-py: install tokenwire-adapters[redis]"
            ) from exc
        if not isinstance(prefix, str):
            raise ConfigurationError("prefix must be a string")
        self._prefix = prefix
        self._refresh_ttl = None if refresh_ttl is None else check_ttl(refresh_ttl, "refresh_ttl")
        # A cluster client raises RedisClusterException (not a RedisError) for a slot it cannot
        # route, as when the cluster lost the shard holding the slot.
        self._errors: tuple[type[BaseException], ...] = (
            redis.RedisError,
            redis.exceptions.RedisClusterException,
        )
        self._closed = False
        if client is None:
            if not url or not isinstance(url, str):
                raise ConfigurationError("RedisStore needs a redis:// URL or a client")
            self._where = _redact_url(url)
            try:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=DEFAULT_SOCKET_TIMEOUT,
                    socket_connect_timeout=DEFAULT_SOCKET_TIMEOUT,
                )
            except ValueError as exc:
                raise ConfigurationError(f"not a usable Redis URL: {self._where}") from exc
            self._owns_client = True
        else:
            if isinstance(client, redis.cluster.RedisCluster) and hash_tag(prefix) is None:
                raise ConfigurationError(
                    "RedisStore on Redis Cluster needs a prefix with a hash tag, so that the "
                    'keys of a token share one hash slot: pass prefix="{tokenwire}:" '
                    f"(got prefix={prefix!r})"
                )
            self._where = f"<{type(client).__name__}>"
            self._owns_client = False
        self._client: redis.Redis | redis.cluster.RedisCluster = client
        self._cas = client.register_script(_CAS_SCRIPT)
        self._release = client.register_script(_RELEASE_SCRIPT)

    def _token_key(self, key: str) -> str:
        return f"{self._prefix}token:{check_key(key)}"

    def _version_key(self, key: str) -> str:
        return f"{self._prefix}version:{check_key(key)}"

    def _lease_key(self, key: str) -> str:
        return f"{self._prefix}lease:{check_key(key)}"

    def _calling(self, operation: str) -> AbstractContextManager[None]:
        if self._closed:
            raise StoreError(f"redis store: {operation} on a closed store")
        return store_errors("redis", operation, *self._errors)

    def get(self, key: str) -> StoredToken | None:
        name = self._token_key(key)
        with self._calling("get"):
            reply: Any = self._client.hmget(name, ["v", "t"])
        version, data = reply
        if version is None and data is None:
            return None
        try:
            number = int(version)
        except (TypeError, ValueError):
            number = None
        if number is None or not isinstance(data, bytes | str):
            raise StoreError("redis store: stored token hash is corrupt")
        return StoredToken(token=decode_token(data, key), version=number)

    def compare_and_set(
        self, key: str, expected_version: int | None, token: Token
    ) -> StoredToken | None:
        name = self._token_key(key)
        check_version(expected_version)
        data = encode_token(token)
        expected = "" if expected_version is None else str(expected_version)
        with self._calling("compare_and_set"):
            version: Any = self._cas(
                keys=[name, self._version_key(key)], args=[expected, data, self._ttl_ms(token)]
            )
        if version is None:
            return None
        return StoredToken(token=token, version=int(version))

    def _ttl_ms(self, token: Token) -> int:
        """Milliseconds the stored token should live, 0 for no expiry (see module docstring).

        Never more than :data:`MAX_EXPIRY_MS`: a lifetime no clock reaches is no expiry.
        """
        access: float | None = None
        expires_at = token.expires_at
        if expires_at is not None and math.isfinite(expires_at):
            access = max(0.0, expires_at - time.time()) + EXPIRY_GRACE
        if token.refresh_token is None:
            seconds = access
        elif self._refresh_ttl is None:
            seconds = None
        else:
            seconds = self._refresh_ttl if access is None else max(self._refresh_ttl, access)
        if seconds is None or seconds * 1000 > MAX_EXPIRY_MS:
            return 0
        return max(1, math.ceil(seconds * 1000))

    def acquire_lease(self, key: str, ttl: float) -> Lease | None:
        name = self._lease_key(key)
        ttl = check_ttl(ttl)
        owner = new_owner()
        expires_at = time.time() + ttl
        with self._calling("acquire_lease"):
            won: Any = self._client.set(name, owner, nx=True, px=max(1, math.ceil(ttl * 1000)))
        return Lease(key=key, owner=owner, expires_at=expires_at) if won else None

    def release_lease(self, lease: Lease) -> bool:
        name = self._lease_key(lease.key)
        with self._calling("release_lease"):
            deleted: Any = self._release(keys=[name], args=[lease.owner])
        return bool(deleted)

    def delete(self, key: str) -> None:
        name = self._token_key(key)
        with self._calling("delete"):
            self._client.delete(name)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._owns_client:
            with store_errors("redis", "close", *self._errors):
                self._client.close()

    def __repr__(self) -> str:
        return f"RedisStore({self._where}, prefix={self._prefix!r})"


def hash_tag(prefix: str) -> str | None:
    """The Redis Cluster hash tag that ``prefix`` gives every key it starts, or None.

    The Cluster spec's rule: a key's tag is what lies between its first ``{`` and the first ``}``
    after it, if that is not empty. For the tag to be the prefix's own (the same for the token,
    version and lease keys), both braces must be inside the prefix.
    """
    start = prefix.find("{")
    if start < 0:
        return None
    end = prefix.find("}", start + 1)
    if end <= start + 1:
        return None
    return prefix[start + 1 : end]


def _redact_url(url: str) -> str:
    """``url`` without credentials or query (a password may sit in either)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "<unparsable URL>"
    userinfo = "<redacted>@" if parts.username or parts.password else ""
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, f"{userinfo}{host}{port}", parts.path, "", ""))
