"""``LoginFlow`` and ``AsyncLoginFlow`` against the OIDC reference provider, over loopback.

The reference provider advertises RFC 9207 (``authorization_response_iss_parameter_supported``)
and answers the authorization URL with the callback at once (``tests/login_harness.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import anyio
import pytest

from tests.error_chain import shown
from tests.login_harness import REDIRECT_URI, follow, secrets_of, with_params
from tokenwire.adapters.login import (
    AsyncLoginFlow,
    LoginError,
    LoginFlow,
    LoginResult,
    LoginState,
    MemoryFinishedStates,
)
from tokenwire.adapters.oidc import AsyncProvider, Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.reference.oidc_provider import (
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    USER,
    OidcReferenceProvider,
)
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    IdTokenError,
    IssuerMismatch,
    Profile,
    StateMismatch,
    TokenwireError,
)

AUTH = ClientAuth(OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)


class Clock:
    """A wall clock a test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def op() -> Iterator[OidcReferenceProvider]:
    with OidcReferenceProvider(("RS256",)) as provider:
        yield provider


@pytest.fixture
def flow(op: OidcReferenceProvider) -> Iterator[LoginFlow]:
    with LoginFlow(Provider.discover(op.issuer), AUTH, redirect_uri=REDIRECT_URI) as made:
        yield made
        made.provider.close()  # type: ignore[union-attr]


def test_a_login_gives_the_token_and_the_verified_claims_of_its_user(
    flow: LoginFlow, op: OidcReferenceProvider
) -> None:
    url, state = flow.start()
    result = flow.finish(follow(url), state)
    assert isinstance(result, LoginResult)
    assert result.claims is not None
    assert result.claims.sub == USER
    assert result.claims.aud == (OIDC_CLIENT_ID,) or OIDC_CLIENT_ID in result.claims.aud
    assert result.token.access_token
    assert op.requests["/token"] == 1


def test_the_saved_state_round_trips_through_a_session_string(flow: LoginFlow) -> None:
    url, state = flow.start(prompt="login")
    saved = state.dumps()
    assert isinstance(saved, str)
    assert LoginState.loads(saved) == state
    assert "prompt=login" in url
    result = flow.finish(follow(url), saved)  # the string form is accepted too
    assert result.claims is not None
    assert result.claims.sub == USER


def test_an_unreadable_saved_state_is_a_login_error_that_quotes_nothing() -> None:
    for garbage in ("{", '{"state": 1}', "null", b"\xff\xfe"):
        with pytest.raises(LoginError) as caught:
            LoginState.loads(garbage)
        assert caught.value.reason == "malformed_state"
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__


def test_a_state_older_than_the_lifetime_is_refused_before_the_code_is_exchanged(
    op: OidcReferenceProvider,
) -> None:
    clock = Clock(1_000_000.0)
    provider = Provider.discover(op.issuer)
    flow = LoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI, clock=clock, lifetime=60)
    url, state = flow.start()
    callback = follow(url)
    clock.now += 60
    with pytest.raises(LoginError) as caught:
        flow.finish(callback, state)
    assert caught.value.reason == "expired"
    clock.now -= 1  # just inside the lifetime: it would have worked
    assert flow.finish(callback, state).claims is not None
    assert op.requests["/token"] == 1
    provider.close()


def test_a_state_from_the_future_is_refused(op: OidcReferenceProvider) -> None:
    clock = Clock(1_000_000.0)
    with Provider.discover(op.issuer) as provider:
        flow = LoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI, clock=clock)
        url, state = flow.start()
        clock.now -= 3600
        with pytest.raises(LoginError, match="too long") as caught:
            flow.finish(follow(url), state)
    assert caught.value.reason == "expired"


def test_a_replayed_callback_is_refused_without_reaching_the_token_endpoint(
    flow: LoginFlow, op: OidcReferenceProvider
) -> None:
    url, state = flow.start()
    callback = follow(url)
    flow.finish(callback, state)
    with pytest.raises(LoginError) as caught:
        flow.finish(callback, state.dumps())
    assert caught.value.reason == "replayed"
    assert op.requests["/token"] == 1


def test_flows_sharing_a_finished_store_refuse_each_others_replays(
    op: OidcReferenceProvider,
) -> None:
    finished = MemoryFinishedStates()
    with Provider.discover(op.issuer) as provider:
        first = LoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI, finished=finished)
        second = LoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI, finished=finished)
        url, state = first.start()
        callback = follow(url)
        first.finish(callback, state)
        with pytest.raises(LoginError, match="finished already"):
            second.finish(callback, state)
    assert len(finished) == 1


def test_a_tampered_state_is_refused_and_leaves_the_real_callback_usable(
    flow: LoginFlow, op: OidcReferenceProvider
) -> None:
    url, state = flow.start()
    callback = follow(url)
    with pytest.raises(StateMismatch):
        flow.finish(with_params(callback, state="forged"), state)
    with pytest.raises(StateMismatch):
        flow.finish(with_params(callback, state=None), state)
    assert op.requests["/token"] == 0
    assert flow.finish(callback, state).claims is not None


def test_iss_must_be_sent_when_advertised_and_must_name_the_provider(
    flow: LoginFlow, op: OidcReferenceProvider
) -> None:
    url, state = flow.start()
    callback = follow(url)
    with pytest.raises(IssuerMismatch, match="no iss"):
        flow.finish(with_params(callback, iss=None), state)
    with pytest.raises(IssuerMismatch, match="unexpected issuer"):
        flow.finish(with_params(callback, iss="http://127.0.0.1:1"), state)
    assert op.requests["/token"] == 0
    assert flow.finish(callback, state).claims is not None


def test_iss_may_be_absent_when_the_provider_does_not_advertise_it(
    op: OidcReferenceProvider,
) -> None:
    with Provider.discover(op.issuer) as provider:
        flow = LoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI, require_iss=False)
        url, state = flow.start()
        assert flow.finish(with_params(follow(url), iss=None), state).claims is not None


def test_an_error_callback_is_believed_only_after_state_and_iss_pass(
    flow: LoginFlow,
) -> None:
    url, state = flow.start()
    callback = with_params(follow(url), code=None, error="access_denied")
    with pytest.raises(TokenwireError) as caught:
        flow.finish(callback, state)
    assert getattr(caught.value, "error", None) == "access_denied"
    with pytest.raises(StateMismatch):
        flow.finish(with_params(callback, state="x"), state)


def test_a_wrong_nonce_in_the_id_token_fails_the_login(flow: LoginFlow) -> None:
    url, state = flow.start()
    callback = follow(url)
    other = LoginState(
        state=state.state,
        code_verifier=state.code_verifier,
        issued_at=state.issued_at,
        nonce="not-the-nonce-sent",
    )
    with pytest.raises(IdTokenError) as caught:
        flow.finish(callback, other)
    assert caught.value.reason == "nonce_mismatch"


def test_a_bare_profile_without_keys_cannot_log_in_with_openid() -> None:
    profile = Profile(
        token_url="http://127.0.0.1:9/token",
        authorization_url="http://127.0.0.1:9/authorize",
        issuer="http://127.0.0.1:9",
    )
    transport = StdlibTransport()
    with pytest.raises(ConfigurationError, match="jwks_url"):
        LoginFlow(profile, AUTH, redirect_uri=REDIRECT_URI, transport=transport)
    with pytest.raises(ConfigurationError, match="jwks_url"):
        AsyncLoginFlow(profile, AUTH, redirect_uri=REDIRECT_URI)
    plain = LoginFlow(
        profile, AUTH, redirect_uri=REDIRECT_URI, scope="profile", transport=transport
    )
    url, state = plain.start()
    assert "nonce=" not in url
    assert state.nonce is None
    assert plain.provider is None


def test_a_bare_profile_with_issuer_and_keys_verifies_the_id_token(
    op: OidcReferenceProvider,
) -> None:
    profile = Profile(
        token_url=f"{op.issuer}/token",
        authorization_url=f"{op.issuer}/authorize",
        jwks_url=f"{op.issuer}/jwks",
        issuer=op.issuer,
    )
    with LoginFlow(profile, AUTH, redirect_uri=REDIRECT_URI) as flow:
        url, state = flow.start()
        result = flow.finish(follow(url), state)
    assert result.claims is not None
    assert result.claims.sub == USER
    assert op.requests["/.well-known/openid-configuration"] == 0


def test_the_wrong_provider_twin_and_reserved_parameters_are_configuration_errors(
    op: OidcReferenceProvider,
) -> None:
    with Provider.discover(op.issuer) as provider:
        with pytest.raises(ConfigurationError, match="AsyncProvider"):
            AsyncLoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI)  # type: ignore[arg-type]
        flow = LoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI)
        with pytest.raises(ConfigurationError, match="state"):
            flow.start(state="mine")
        with pytest.raises(ConfigurationError, match="max_age"):
            flow.start(max_age="soon")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_async_flow_logs_in_and_refuses_replays_alike(
    op: OidcReferenceProvider, backend: str
) -> None:
    async def main() -> tuple[LoginResult, LoginError]:
        provider = await AsyncProvider.discover(op.issuer)
        async with AsyncLoginFlow(provider, AUTH, redirect_uri=REDIRECT_URI) as flow:
            url, state = flow.start(max_age=600)
            callback = await anyio.to_thread.run_sync(follow, url)
            result = await flow.finish(callback, state)
            try:
                await flow.finish(callback, state)
            except LoginError as exc:
                return result, exc
            raise AssertionError("a replay was accepted")

    result, replay = anyio.run(main, backend=backend)
    assert result.claims is not None
    assert result.claims.sub == USER
    assert replay.reason == "replayed"
    assert op.requests["/token"] == 1


def test_no_secret_of_a_login_shows_in_a_repr_a_log_record_or_an_error(
    flow: LoginFlow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tokenwire")
    url, state = flow.start()
    callback = follow(url)
    secrets = [*secrets_of(url, callback), state.code_verifier]
    errors: list[BaseException] = []
    for bad in (with_params(callback, state="x"), with_params(callback, iss=None)):
        try:
            flow.finish(bad, state)
        except TokenwireError as exc:
            errors.append(exc)
    result = flow.finish(callback, state)
    try:
        flow.finish(callback, state)
    except TokenwireError as exc:
        errors.append(exc)
    assert len(errors) == 3
    assert result.token.refresh_token is not None
    assert result.token.id_token is not None
    secrets += [result.token.access_token, result.token.refresh_token, result.token.id_token]
    printed = [repr(state), str(state), repr(result), repr(flow), caplog.text]
    printed += [shown(error) for error in errors]
    for text in printed:
        for secret in secrets:
            assert secret not in text
