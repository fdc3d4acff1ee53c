"""What an error would show: its message, repr and arguments, along its cause/context chain.

Shared by the tests that prove no secret (and no raw bytes) survive in an error.
"""

from __future__ import annotations


def chain(error: BaseException) -> list[BaseException]:
    """``error`` and everything kept as its ``__cause__`` or ``__context__``, in order."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def shown(error: BaseException, *, attributes: bool = True) -> str:
    """Everything printed of ``error`` and its chain: str, repr, args (and attributes)."""
    parts: list[str] = []
    for each in chain(error):
        parts += [str(each), repr(each), repr(each.args)]
        if attributes:
            parts.append(repr(vars(each)))
    return "\n".join(parts)
