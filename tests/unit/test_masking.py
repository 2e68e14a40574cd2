"""How LaunchDarkly masks secret config values, and comparing a mask with a plaintext."""

from __future__ import annotations

import pytest

from pulumi_ld_auditsubs.rules.masking import looks_masked, mask_matches, mask_secret


@pytest.mark.parametrize(
    ("plaintext", "masked"),
    [
        ("supersecret123", "sup********123"),
        ("abcdefg", "abc****efg"),  # 7 characters: at least four asterisks
        ("abcdefgh", "abc****fgh"),
        ("abcdef", "******"),  # 6 characters or fewer: all asterisks
        ("ab", "****"),
        ("", "****"),
    ],
)
def test_mask_secret(plaintext: str, masked: str) -> None:
    assert mask_secret(plaintext) == masked
    assert looks_masked(masked)


@pytest.mark.parametrize(
    ("masked", "plaintext", "matches"),
    [
        ("sup********123", "supersecret123", True),
        ("sup****123", "supersecret123", True),  # the asterisk count is not a contract
        ("sup********123", "supXXXXXXXX123", True),
        ("abc****efg", "abcdefg", True),
        ("******", "abcdef", True),
        ("****", "x", True),
        ("sup********123", "rotated-secret", False),  # rotated out of band: other visible characters
        ("sup********123", "sup-rotated-999", False),
        ("abc****xyz", "abxyz", False),  # shorter than the visible characters
        ("plain", "plain", True),  # not masked at all: plain comparison
        ("plain", "other", False),
    ],
)
def test_mask_matches(masked: str, plaintext: str, matches: bool) -> None:
    assert mask_matches(masked, plaintext) is matches


@pytest.mark.parametrize("plaintext", ["supersecret123", "abcdefg", "abcdef", "a", ""])
def test_a_mask_matches_its_own_plaintext(plaintext: str) -> None:
    assert mask_matches(mask_secret(plaintext), plaintext)


@pytest.mark.parametrize("value", ["https://hooks.example.com", "a**b", None, 3])
def test_not_masked(value: object) -> None:
    assert not looks_masked(value)
