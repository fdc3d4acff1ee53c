"""Every probe check, in the order reports list them."""

from __future__ import annotations

from tokenwire.conformance.probes import (
    client_auth,
    errors,
    idtoken,
    jwks,
    metadata,
    refresh,
    success,
    throttling,
)
from tokenwire.conformance.probes.issuer_model import IssuerCheck
from tokenwire.conformance.probes.model import ProbeCheck
from tokenwire.core import ConfigurationError

CHECKS: tuple[ProbeCheck, ...] = (
    *success.CHECKS,
    *errors.CHECKS,
    *client_auth.CHECKS,
    *refresh.CHECKS,
    *throttling.CHECKS,
)

#: Every check a whole-provider probe (``--issuer``) reports, in report order.
ALL_CHECKS: tuple[ProbeCheck | IssuerCheck, ...] = (
    *metadata.CHECKS,
    *jwks.CHECKS,
    *CHECKS,
    *idtoken.CHECKS,
)

_BY_ID = {check.id: check for check in CHECKS}
assert len({check.id for check in ALL_CHECKS}) == len(ALL_CHECKS), "check ids must be unique"
assert len(_BY_ID) == len(CHECKS), "probe check ids must be unique"


def check_named(check_id: str) -> ProbeCheck:
    """The check called ``check_id``; :class:`ConfigurationError` names the known ones."""
    try:
        return _BY_ID[check_id]
    except KeyError:
        raise ConfigurationError(
            f"no probe check is called {check_id!r}; known: {', '.join(_BY_ID)}"
        ) from None
