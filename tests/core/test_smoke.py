from tokenwire.adapters.profiles import tencent_ciam
from tokenwire.core import ClientAuth, RefreshToken, prepare_token_request


def test_refresh_request_matches_seed_body() -> None:
    profile = tencent_ciam("sample.portal.tencentciam.com")
    request = prepare_token_request(
        profile,
        ClientAuth("TENANT_CLIENT_ID", "TENANT_CLIENT_SECRET"),
        RefreshToken("MOCK_REFRESH_TOKEN"),
    )
    assert request.body == (
        b"client_id=TENANT_CLIENT_ID&client_secret=TENANT_CLIENT_SECRET"
        b"&grant_type=refresh_token&refresh_token=MOCK_REFRESH_TOKEN"
    )
