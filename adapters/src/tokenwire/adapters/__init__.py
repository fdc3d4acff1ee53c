"""tokenwire.adapters: everything that does I/O around the sans-IO core.

Import the submodule you need; this package imports nothing heavy on its own. The map:

* :mod:`.client`: ``TokenClient`` / ``AsyncTokenClient``, the core's token flow over any transport,
  and the device authorization, revocation and introspection flows.
* :mod:`.httpcore`: the httpcore transports (sync, asyncio, trio) and clients that default to them
  (the ``httpcore`` extra).
* :mod:`.httpcore_deadline`: the network backends that bound every wait of an httpcore exchange
  by its total deadline.
* :mod:`.stdlib`: ``StdlibTransport`` over ``http.client``, and a client that defaults to it; no
  third-party dependency.
* :mod:`.fetch`: ``FetchTransport``, an async transport on the JavaScript ``fetch`` of Pyodide
  (browser or Node).
* :mod:`.transport`: the ``Transport`` / ``AsyncTransport`` Protocols every transport fits, what
  a transport may declare (``options``, ``runtime_headers``), ``TransportOptions``, what the
  built-in transports share, and their table (``BUILTIN_TRANSPORTS``).
* :mod:`.drive`: ``drive`` / ``adrive``, the loops that step a core flow over a transport.
* :mod:`.profiles`: provider profiles (``tencent_ciam``, ``api_v1``, ``generic``) and ``BY_NAME``.
* :mod:`.source`: ``TokenSource`` / ``AsyncTokenSource``, a token kept fresh: leeway,
  single-flight refresh, rotation, shared through a store.
* :mod:`.stores`: where sources keep tokens: ``MemoryStore``, ``SqliteStore``, ``RedisStore``
  (the ``redis`` extra).
* :mod:`.oidc`: OpenID Connect relying-party side: ``Provider`` / ``AsyncProvider`` (discovery,
  a cached JWKS refetched on an unknown ``kid``, ID token verification, userinfo).
* :mod:`.bearer`: what an HTTP client does with a bearer token a resource server answered with
  401 (RFC 6750 §3): the one decision both auth adapters below share.
* :mod:`.httpx`: ``TokenAuth``, an ``httpx.Auth`` over a token source, sync and async (the
  ``httpx`` extra).
* :mod:`.requests`: ``TokenAuth``, a ``requests`` auth over a token source (the ``requests``
  extra).
* :mod:`.login`: ``LoginFlow`` / ``AsyncLoginFlow``, a web login for any framework (state, nonce,
  PKCE, replay refusal, a verified ID token).
* :mod:`.cli`: the ``tokenwire`` command, its exit codes and its table of built-in subcommands.
* :mod:`.commands`: the built-in subcommands (``token``, ``revoke``, ``introspect``), one module
  each, imported only when run, and the options they share.
* :mod:`.login_cli`: ``tokenwire login`` (RFC 8252 loopback browser login) and
  ``tokenwire token --cached``.
* :mod:`.observe`: log records (``tokenwire.flow``, ``tokenwire.source``, ``tokenwire.store``) and
  trace events, written once for the drivers and the token sources.
* :mod:`.trace`: the typed trace events a ``trace=`` callback receives.
"""
