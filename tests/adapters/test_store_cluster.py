"""RedisStore on Redis Cluster: a hash-tagged prefix works, an untagged one is refused when built.

Against a real redis-server in cluster mode (one node owning every slot, tests/redis_peer.py). The
store contract itself runs on the cluster in test_stores.py and test_store_faults.py (their
``redis-cluster`` param). This module covers what is particular to a cluster: the CROSSSLOT
refusal that the prefix check prevents, the hash-tag rule, the one slot all keys of a token land
in, the scripts surviving a flushed script cache, and a cluster that lost its slots.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.redis_peer import RedisPeer, cluster_client, redis_cluster, redis_executable
from tests.store_helpers import make_token
from tokenwire.adapters.stores import RedisStore, StoreError
from tokenwire.adapters.stores.redis import _CAS_SCRIPT, _RELEASE_SCRIPT, hash_tag
from tokenwire.conformance.loopback import HOST
from tokenwire.core import ConfigurationError


def tagged_prefix() -> str:
    """A prefix of this test's own, all of whose keys hash by the tag ``tokenwire-test``."""
    return f"{{tokenwire-test}}:{uuid.uuid4().hex}:"


@pytest.fixture
def node_client(redis_cluster_peer: RedisPeer) -> Iterator[Any]:
    """A plain client on the cluster node: it sends commands as they are, without routing."""
    import redis

    client = redis.Redis(host=HOST, port=redis_cluster_peer.port, socket_timeout=5.0)
    try:
        yield client
    finally:
        client.close()


# --- the failure the prefix check prevents ---------------------------------------------------


def test_the_default_key_layout_gets_crossslot_from_the_cluster_for_the_cas_script(
    node_client: Any,
) -> None:
    """What RedisStore would meet with its default prefix: Redis refuses the script."""
    import redis

    key = uuid.uuid4().hex
    untagged = [f"tokenwire:token:{key}", f"tokenwire:version:{key}"]
    # redis-py raises ClusterCrossSlotError for exactly the replies that start "-CROSSSLOT".
    with pytest.raises(redis.exceptions.ClusterCrossSlotError, match="same slot"):
        node_client.eval(_CAS_SCRIPT, 2, *untagged, "", "{}", 0)
    assert node_client.exists(untagged[0]) == 0
    tagged = [f"{{tokenwire-test}}:token:{key}", f"{{tokenwire-test}}:version:{key}"]
    assert node_client.eval(_CAS_SCRIPT, 2, *tagged, "", "{}", 0) == 1


def test_a_cluster_client_with_the_default_prefix_is_refused_naming_the_fix(
    redis_cluster_client: Any,
) -> None:
    with pytest.raises(ConfigurationError, match="hash tag") as caught:
        RedisStore(client=redis_cluster_client)
    assert 'prefix="{tokenwire}:"' in str(caught.value)
    assert "'tokenwire:'" in str(caught.value)


@pytest.mark.parametrize(
    "prefix", ["app:", "", "{}tokenwire:", "{tokenwire:", "tokenwire}{:", "{}{tokenwire}:"]
)
def test_a_cluster_client_with_a_prefix_without_its_own_hash_tag_is_refused(
    redis_cluster_client: Any, prefix: str
) -> None:
    with pytest.raises(ConfigurationError, match=r'pass prefix="\{tokenwire\}:"'):
        RedisStore(client=redis_cluster_client, prefix=prefix)


def test_a_plain_client_on_a_cluster_node_with_the_default_prefix_fails_as_a_store_error(
    node_client: Any,
) -> None:
    """The check sees only the client's type; the first write then names the cross-slot refusal."""
    store = RedisStore(client=node_client, prefix=f"tokenwire-test:{uuid.uuid4().hex}:")
    with pytest.raises(StoreError, match=r"compare_and_set failed \(ClusterCrossSlotError: "):
        store.compare_and_set("k", None, make_token("a"))


def test_a_plain_client_keeps_the_default_prefix(redis_client: Any) -> None:
    store = RedisStore(client=redis_client)
    assert "prefix='tokenwire:'" in repr(store)
    assert store.get(uuid.uuid4().hex) is None


# --- the hash-tag rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "tag"),
    [
        ("{tokenwire}:", "tokenwire"),
        ("app:{t}:", "t"),
        ("{a}{b}:", "a"),
        ("x}{y}:", "y"),
        ("{{x}}:", "{x"),
        ("tokenwire:", None),
        ("{}{b}:", None),
        ("{", None),
        ("}{", None),
        ("a{b", None),
    ],
)
def test_the_hash_tag_of_a_prefix_follows_the_cluster_spec(prefix: str, tag: str | None) -> None:
    """Checked against redis-py's own slot function: a prefix's tag decides every key's slot."""
    from redis.crc import key_slot

    assert hash_tag(prefix) == tag
    if tag is not None:
        keys = [f"{prefix}{kind}:{key}" for kind in ("token", "version", "lease")
                for key in ("k", "a}b", "{x}", "")]  # fmt: skip
        assert {key_slot(name.encode()) for name in keys} == {key_slot(tag.encode())}


# --- a tagged prefix on the cluster ----------------------------------------------------------


def test_every_key_of_a_token_lands_in_the_slot_of_the_prefix_tag(
    redis_cluster_client: Any,
) -> None:
    prefix = tagged_prefix()
    store = RedisStore(client=redis_cluster_client, prefix=prefix)
    assert store.compare_and_set("k", None, make_token("a")) is not None
    assert store.acquire_lease("k", 30.0) is not None
    names = [f"{prefix}token:k", f"{prefix}version:k", f"{prefix}lease:k"]
    assert [redis_cluster_client.exists(name) for name in names] == [1, 1, 1]
    slots = {redis_cluster_client.keyslot(name) for name in names}  # CLUSTER KEYSLOT
    assert slots == {redis_cluster_client.keyslot("tokenwire-test")}


def test_the_scripts_are_loaded_again_after_the_cluster_flushed_its_script_cache(
    redis_cluster_client: Any, node_client: Any
) -> None:
    store = RedisStore(client=redis_cluster_client, prefix=tagged_prefix())
    first = store.compare_and_set("k", None, make_token("a"))
    lease = store.acquire_lease("k", 30.0)
    assert first is not None
    assert lease is not None
    shas = [
        hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()  # Redis's script ids
        for script in (_CAS_SCRIPT, _RELEASE_SCRIPT)
    ]
    node_client.script_flush()
    assert node_client.script_exists(*shas) == [False, False]

    second = store.compare_and_set("k", first.version, make_token("b"))
    assert second is not None
    assert second.version == first.version + 1
    assert store.compare_and_set("k", first.version, make_token("c")) is None  # stale: loses
    assert store.release_lease(lease) is True
    assert node_client.script_exists(*shas) == [True, True]
    stored = store.get("k")
    assert stored is not None
    assert stored.token.access_token == "AT-SECRET-b"


def test_a_cluster_that_lost_its_slots_is_a_store_error_without_the_token() -> None:
    """redis-py reports uncovered slots with RedisClusterException, which is no RedisError."""
    import redis

    with redis_cluster(redis_executable()) as peer:
        client = cluster_client(peer)
        node: Any = redis.Redis(host=HOST, port=peer.port, socket_timeout=5.0)
        try:
            store = RedisStore(client=client, prefix="{tokenwire-test}:")
            assert store.compare_and_set("k", None, make_token("a")) is not None
            node.execute_command("CLUSTER DELSLOTSRANGE", 0, 16383)
            with pytest.raises(StoreError, match="redis store: get failed"):
                store.get("k")
            with pytest.raises(StoreError, match="compare_and_set failed") as caught:
                store.compare_and_set("k", 1, make_token("b"))
            assert "SECRET" not in str(caught.value)
        finally:
            node.close()
            client.close()
