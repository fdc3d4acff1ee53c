"""What a token source raises of its own, and how every waiter gets its own copy of an error.

Most errors a source raises are the core's (``ServerError``, ``ReauthorizationRequired``, ...),
passed on from the flow. :class:`RefreshTimeout` is the one a source adds: a bounded wait for
another refresher ran out. :func:`twin` serves the single flight: each caller that waited on a
failed renewal raises the leader's error as its own object.
"""

from __future__ import annotations

import copy

from tokenwire.core import TokenwireError

__all__ = ["RefreshTimeout", "twin"]


class RefreshTimeout(TokenwireError):
    """Waited ``wait_timeout`` seconds for another refresher, and no usable token appeared.

    The other refresher (a thread of this process, or another process holding the store's lease)
    neither wrote a token nor let its lease go in time. The next call tries again.
    """


def twin(error: Exception) -> Exception:
    """A copy of a refresh's error for one more caller: same type, message and attributes.

    Every caller that waited on a failed single flight gets the error the refresher got, but as
    its own object, so that concurrent raises do not splice their tracebacks into one.
    """
    try:
        copied = copy.copy(error)
    except Exception:  # an exception type that cannot be rebuilt: share the original
        return error
    if type(copied) is not type(error) or str(copied) != str(error):
        return error
    copied.__cause__ = error.__cause__
    copied.__suppress_context__ = True
    return copied
