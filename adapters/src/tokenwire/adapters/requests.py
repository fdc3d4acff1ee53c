"""``TokenAuth``: a ``requests`` auth that sends a token source's access token, renewed on 401.

::

    source = TokenSource(TokenClient(profile, ClientAuth("id", secret)), ClientCredentials())
    session = requests.Session()
    session.auth = TokenAuth(source)
    session.get("https://api.example.com/things")

The rules are the httpx adapter's, decided by the same function
(:func:`tokenwire.adapters.bearer.decide`): a rejected token is invalidated, the request is sent
once more with a new token if its body can be sent again, and the second answer is returned
whatever it is.

Only requests' public API is used, in the way its own ``HTTPDigestAuth`` answers a challenge:
the auth object registers a ``response`` hook; on a rejection the hook reads and closes the
``401`` (so its connection goes back to the pool), copies the prepared request, puts the new
token on the copy and sends it through the same adapter (``response.connection.send``), with the
first response in the new one's ``history``. An adapter does not run hooks, so the retry's answer
cannot trigger a second retry.

requests is an optional extra: ``pip install 'tokenwire-adapters[requests]'``.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.auth import AuthBase
from typing_extensions import override

from tokenwire.adapters.bearer import BearerSource, Verdict, authorization, bearer_of, decide

__all__ = ["TokenAuth"]


class TokenAuth(AuthBase):
    """Bearer authentication from a :class:`~tokenwire.adapters.source.TokenSource`.

    Renews the token once and sends the request once more when a ``401`` rejects it. A body that
    is a stream (a generator or a file object) is not sent again: the ``401`` is returned, and the
    token is still invalidated so that the next request gets a new one. One ``TokenAuth`` may be
    shared by any number of threads: the source makes sure they share one renewal.
    """

    def __init__(self, source: BearerSource) -> None:
        self.source = source

    @override
    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = authorization(self.source.access_token())
        r.register_hook("response", self._on_response)
        return r

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """The response hook: renew and send once more when the token was rejected."""
        sent = response.request
        decision = decide(
            response.status_code,
            [response.headers.get("WWW-Authenticate", "")],
            replayable=sent.body is None or isinstance(sent.body, bytes | str),
        )
        if decision.verdict is Verdict.STANDS:
            return response
        decision.log(str(sent.method), str(sent.url))
        header = sent.headers.get("Authorization")  # the str that __call__ set
        self.source.invalidate(bearer_of(header if isinstance(header, str) else None))
        if decision.verdict is not Verdict.RETRY:
            return response
        _ = response.content  # read and release the connection for the retry to reuse
        response.close()
        retry = sent.copy()
        retry.headers["Authorization"] = authorization(self.source.access_token())
        answer: requests.Response = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        return answer

    def __repr__(self) -> str:
        return f"TokenAuth({self.source!r})"
