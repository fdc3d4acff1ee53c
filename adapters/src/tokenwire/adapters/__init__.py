"""tokenwire.adapters: everything that does I/O around the sans-IO core.

Import the submodule you need; this package imports nothing heavy on its own. The map:

* :mod:`.client`: ``TokenClient`` / ``AsyncTokenClient``, the core's token flow over any transport,
  and the device authorization, revocation and introspection flows.
* :mod:`.httpcore`: the httpcore transports (sync, asyncio, trio) and clients that default to them
  (the ``httpcore`` extra).
* :mod:`.stdlib`: ``StdlibTransport`` over ``http.client``, and a client that defaults to it; no
  third-party dependency.
* :mod:`.transport`: the ``Transport`` / ``AsyncTransport`` Protocols every transport fits, and
  ``TransportOptions``.
* :mod:`.drive`: ``drive`` / ``adrive``, the loops that step a core flow over a transport.
* :mod:`.profiles`: provider profiles (``tencent_ciam``, ``api_v1``, ``generic``) and ``BY_NAME``.
* :mod:`.source`: ``TokenSource`` / ``AsyncTokenSource``, a token kept fresh: leeway,
  single-flight refresh, rotation, shared through a store.
* :mod:`.stores`: where sources keep tokens: ``MemoryStore``, ``SqliteStore``, ``RedisStore``
  (the ``redis`` extra).
* :mod:`.cli`: the ``tokenwire`` command and its exit codes.
* :mod:`.cli_endpoints`: ``tokenwire revoke``, ``tokenwire introspect`` and the device grant of
  ``tokenwire token``.
"""
