"""How LaunchDarkly obfuscates secret config values on read, and how to reason about a masked value.

LaunchDarkly returns secret form variables obfuscated: the first and last three characters with
asterisks between (``sup********123``), short values all asterisks. The exact number of asterisks is
not a contract, so clients compare only the visible characters (:func:`mask_matches`) and never
depend on the length. The emulator uses :func:`mask_secret` to produce the same shape.
"""

from __future__ import annotations

MASK_CHAR = "*"
_VISIBLE = 3
_MIN_STARS = 4


def mask_secret(value: str) -> str:
    """Obfuscate ``value`` the way LaunchDarkly does."""
    if len(value) <= 2 * _VISIBLE:
        return MASK_CHAR * max(len(value), _MIN_STARS)
    stars = MASK_CHAR * max(_MIN_STARS, len(value) - 2 * _VISIBLE)
    return value[:_VISIBLE] + stars + value[-_VISIBLE:]


def looks_masked(value: object) -> bool:
    """Whether ``value`` is an obfuscated secret rather than a plaintext one."""
    return isinstance(value, str) and MASK_CHAR * 3 in value


def same_secret(live: object, declared: object) -> bool:
    """Whether ``live``, a value LaunchDarkly returned masked, is consistent with the ``declared`` one.

    False for a value that is not masked: that one compares as it is.
    """
    return isinstance(live, str) and looks_masked(live) and mask_matches(live, str(declared))


def mask_matches(masked: str, plaintext: str) -> bool:
    """Whether ``masked`` could be the obfuscation of ``plaintext``.

    Only the visible characters before the first and after the last asterisk are compared, so a
    secret rotated out of band shows up as drift while any mask length is accepted.
    """
    if not looks_masked(masked):
        return masked == plaintext
    head = masked[: masked.index(MASK_CHAR)]
    tail = masked[masked.rindex(MASK_CHAR) + 1 :]
    if len(head) + len(tail) > len(plaintext):
        return False
    return plaintext.startswith(head) and plaintext.endswith(tail)
