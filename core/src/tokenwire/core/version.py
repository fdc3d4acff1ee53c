"""The version of tokenwire-core, and the ``User-Agent`` every token request carries.

The version is written here, not read with :mod:`importlib.metadata`, so importing the core reads
no file (a test holds it equal to the distribution's own version). The core sends its own
``User-Agent`` because some providers sit behind a web application firewall that refuses
requests without one; transports then add none of their own, and every transport presents the
same request.
"""

from __future__ import annotations

__all__ = ["USER_AGENT", "__version__"]

#: The version of the ``tokenwire-core`` distribution.
__version__ = "0.1.0"

#: The ``User-Agent`` header value :func:`~tokenwire.core.prepare_token_request` sends.
USER_AGENT = f"tokenwire/{__version__}"
