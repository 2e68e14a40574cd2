"""Credentials and hosts: token checks, 401/403 that say what to check, the token scrubbed from every
error (whatever its shape), and ``apiHost`` validated exactly as urllib3 will parse and connect."""

from __future__ import annotations

import json
import re
import socket
import traceback
from collections.abc import Iterator
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from pulumi_ld_auditsubs import errors as error_module
from pulumi_ld_auditsubs.api.client import (
    LaunchDarklyClient,
    RateLimitWindows,
    RetryPolicy,
)
from pulumi_ld_auditsubs.api.client import client_for as client_from_settings
from pulumi_ld_auditsubs.api.settings import ProviderSettings, validate_host, validate_token
from pulumi_ld_auditsubs.errors import (
    ApiConnectionError,
    AuthenticationError,
    HostUnreachableError,
    LaunchDarklyError,
    OutcomeUnknownError,
    PermissionDeniedError,
)
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-credential-tests-16180339"
COLLECTION = "/api/v2/integrations/msteams"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,), read_only_tokens=("api-reader-11235813",)) as server:
        yield server


def client_for(url: str, token: str, source: str = "launchdarkly:accessToken") -> LaunchDarklyClient:
    return LaunchDarklyClient(
        url,
        token,
        token_source=source,
        retry=RetryPolicy(jitter=lambda wait: 0.0, backoff_base=0.01),
        rate_limits=RateLimitWindows(),
    )


# -- the token ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["launchdarkly:accessToken", "LAUNCHDARKLY_ACCESS_TOKEN"])
@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("", "is empty"),
        ("  \t\n", "is empty"),
        ("api-12ab 34cd", "whitespace or control"),
        ("api-12ab\r\nX-Injected: 1", "whitespace or control"),
        ("api-12ab\x00", "whitespace or control"),
        ("api-12ab\x7f", "whitespace or control"),
        ("api-12ab\u00a0cd", "non-ASCII"),
        ("api-ключ", "non-ASCII"),
        ("api-12ab\u200bcd", "non-ASCII"),
    ],
)
def test_a_malformed_token_is_refused_naming_its_source_never_its_value(
    source: str, token: str, problem: str
) -> None:
    with pytest.raises(ValueError) as refused:
        validate_token(token, source)
    message = str(refused.value)
    assert source in message and problem in message
    if token.strip():
        assert token.strip() not in message and "12ab" not in message and "ключ" not in message


def settled(host: str, token: str, environ: dict[str, str] | None = None) -> ProviderSettings:
    """Settings as a stack resolves them: the one place host and token are checked."""
    return ProviderSettings.resolve(
        {"launchdarkly:apiHost": host, "launchdarkly:accessToken": token}, environ or {}
    )


def test_surrounding_whitespace_is_stripped_and_the_token_works(emulator: Emulator) -> None:
    assert validate_token(f"  {TOKEN}\n", "LAUNCHDARKLY_ACCESS_TOKEN") == TOKEN
    assert isinstance(
        client_from_settings(settled(emulator.url, f" {TOKEN}\r\n")).list_subscriptions("msteams"), list
    )


def test_a_malformed_token_fails_before_any_request(emulator: Emulator) -> None:
    emulator.clear_requests()
    with pytest.raises(ValueError, match="LAUNCHDARKLY_ACCESS_TOKEN"):
        ProviderSettings.resolve(
            {"launchdarkly:apiHost": emulator.url}, {"LAUNCHDARKLY_ACCESS_TOKEN": "api-x\ny"}
        )
    assert emulator.requests == []


def test_401_names_the_token_source_the_host_and_what_to_check(emulator: Emulator) -> None:
    client = client_for(emulator.url, "api-unknown-token-4242", "LAUNCHDARKLY_ACCESS_TOKEN")
    with pytest.raises(AuthenticationError) as unauthorized:
        client.list_subscriptions("msteams")
    message = str(unauthorized.value)
    for expected in ("LAUNCHDARKLY_ACCESS_TOKEN", "expired", "revoked", emulator.url, "launchdarkly:apiHost"):
        assert expected in message
    assert "api-unknown-token-4242" not in message


def test_403_names_the_token_source_and_the_role_to_check(emulator: Emulator) -> None:
    client = client_for(emulator.url, "api-reader-11235813")
    with pytest.raises(PermissionDeniedError) as denied:
        client.create_subscription("msteams", {"name": "x", "config": {}, "statements": []})
    message = str(denied.value)
    assert "launchdarkly:accessToken" in message and "role" in message and "scopes" in message
    assert "api-reader-11235813" not in message


ODD_TOKENS = [
    "api-(.*)+[a-z]{2}?|^$",  # regex metacharacters
    "api-\\1\\g<0>$&",  # regex replacement syntax
    "api-a/b+c=d%2Fe&f?g#h",  # URL-significant characters and an encoded slash
    "api-%41%42%43",  # looks URL-encoded already
    "api-\"quote's\\back",  # JSON- and repr-escaped differently
    "zq",  # very short
    "7",  # one character
    "api-" + "f" * 200,  # very long
]


def forms_of(token: str) -> list[str]:
    return [token, quote(token, safe=""), quote_plus(token), json.dumps(token)[1:-1], repr(token)[1:-1]]


@pytest.mark.parametrize("token", ODD_TOKENS)
def test_an_echoed_token_of_any_shape_is_scrubbed_from_errors(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy or server that echoes the token (plain, URL-encoded, escaped) never gets it into an error."""
    monkeypatch.setattr(error_module, "_SECRETS", error_module._SECRETS)  # forget these odd tokens afterwards
    with Emulator(tokens=(token,)) as server:
        echo = " | ".join(forms_of(token))
        server.inject_fault(
            "GET", COLLECTION, status=401, body={"code": "unauthorized", "message": f"bad token {echo}"}
        )
        server.inject_fault(
            "GET",
            f"{COLLECTION}/*",
            status=404,
            raw_body=f"<html>no route for {echo}</html>",
            content_type="text/html",
        )
        client = client_for(server.url, token)
        errors: list[LaunchDarklyError] = []
        for call in (
            lambda: client.list_subscriptions("msteams"),
            lambda: client.get_subscription("msteams", "0123456789abcdef01234567"),
        ):
            with pytest.raises(LaunchDarklyError) as caught:
                call()
            errors.append(caught.value)
    assert "bad token [redacted]" in str(errors[0])
    for error in errors:
        texts = [str(error), repr(error), "".join(traceback.format_exception(error)), *map(str, error.args)]
        texts.append(getattr(error, "api_message", ""))
        for text in texts:
            for form in forms_of(token):
                if len(token) >= 6:
                    assert form not in text
                else:  # a very short token is scrubbed where it stands alone
                    assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", text)


def test_errors_never_chain_the_http_librarys_exceptions() -> None:
    """The library's exceptions (and anything they hold) stay out of the traceback a user reads."""
    with socket.socket() as listener:  # accepts, then closes without answering: a lost answer
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = LaunchDarklyClient(
            f"http://127.0.0.1:{port}", TOKEN, timeout=(1.0, 0.2), retry=RetryPolicy(max_attempts=1)
        )
        with pytest.raises(ApiConnectionError) as lost:
            client.list_subscriptions("msteams")
    assert lost.value.__cause__ is None and lost.value.__context__ is None
    assert "Traceback" not in str(lost.value) and "urllib3" not in "".join(
        traceback.format_exception(lost.value)
    )


# -- the host ----------------------------------------------------------------------------------------

ACCEPTED = [
    "https://app.launchdarkly.com",
    "https://app.eu.launchdarkly.com/",
    "https://app.launchdarkly.us:443",
    "HTTPS://APP.LAUNCHDARKLY.COM",
    "https://proxy.example.com:8443/launchdarkly",
    "https://[2001:db8::1]:8443",
    "http://127.0.0.1:8080",
    "http://127.0.0.2:8080",
    "http://[::1]:8080",
    "http://localhost:1234",
    "  https://app.launchdarkly.com  ",
]


@pytest.mark.parametrize("host", ACCEPTED)
def test_an_accepted_host_is_exactly_where_urllib3_connects(host: str) -> None:
    validated = validate_host(host)
    assert not validated.endswith("/")
    target = parse_url(validated + COLLECTION)  # what requests hands to urllib3's pool manager
    expected = urlsplit(validated)
    assert (target.scheme, target.auth) == (expected.scheme.lower(), None)
    assert (target.host or "").strip("[]").lower() == expected.hostname
    assert target.port == expected.port
    assert target.path == (expected.path + COLLECTION)


REFUSED = [
    ("http://app.launchdarkly.com", "plain http"),
    ("ftp://app.launchdarkly.com", "absolute https URL"),
    ("app.launchdarkly.com", "absolute https URL"),
    ("//app.launchdarkly.com", "absolute https URL"),
    ("https://", "absolute https URL"),
    ("https:///api", "absolute https URL"),
    ("javascript:alert(1)", "absolute https URL"),
    ("https://user:pass@app.launchdarkly.com", "user name or password"),
    ("https://app.launchdarkly.com@evil.example", "user name or password"),
    ("https://evil.example\\@app.launchdarkly.com", "backslash"),
    ("https://app.launchdarkly.com\\.evil.example", "backslash"),
    ("http://127.0.0.1:8080\\@evil.example", "backslash"),
    ("https://app.launchdarkly.com:99999", "invalid port"),
    ("https://app.launchdarkly.com:0", "invalid port"),
    ("https://app.launchdarkly.com:-1", "invalid port"),
    ("https://app.launchdarkly.com:44x", "invalid port"),
    ("https://app.launchdarkly.com:", "invalid port"),
    ("https://app.launchdarkly.com:443:443", "invalid port"),
    ("https://app.launchdarkly.com?x=1", "query or fragment"),
    ("https://evil.example#@app.launchdarkly.com", "query or fragment"),
    ("https://app.launchdarkly.com/#", "query or fragment"),
    ("https://app launchdarkly.com", "whitespace"),
    ("https://app.launchdarkly.com/a\tb", "whitespace"),
    ("https://app.launchdarkly.com\r\nHost: evil", "whitespace"),
    ("https://app.launchdarkly\x00.com", "control"),
    ("https://äpp.launchdarkly.com", "non-ASCII"),
    ("https://app.launchdarkly.com\u2024evil.example", "non-ASCII"),
    ("http://127.0.0.1.evil.example:8080", "plain http"),
    ("http://localhost.evil.example", "plain http"),
    ("", "empty"),
    ("https://app%2elaunchdarkly.com", "percent-encoding"),
    ("https://app.launchdarkly.com%2F@evil.example", "user name"),
    ("https://[::1%25eth0]:8443", "IPv6"),
    ("https://app.launchdarkly.com;evil", "letters, digits"),
]


@pytest.mark.parametrize(("host", "says"), REFUSED)
def test_a_host_urllib3_could_read_differently_is_refused(host: str, says: str) -> None:
    with pytest.raises(ValueError) as refused:
        validate_host(host)
    assert "launchdarkly:apiHost" in str(refused.value) and says in str(refused.value)


def test_the_validated_host_receives_the_request(emulator: Emulator) -> None:
    emulator.clear_requests()
    for spelling in (f" {emulator.url}/ ", f"http://localhost:{emulator.port}"):
        client_from_settings(settled(spelling, TOKEN)).list_subscriptions("msteams")
    assert [(r.method, r.path) for r in emulator.requests] == [("GET", COLLECTION)] * 2


def test_a_blank_token_registers_nothing_to_scrub(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whitespace-only token (no token) must not turn every space or '+' in messages into [redacted]."""
    monkeypatch.setattr(error_module, "_SECRETS", error_module._SECRETS)
    error_module.register_secret("  \t")
    assert str(LaunchDarklyError("a  b + c\t d")) == "a  b + c\t d"


def test_a_failed_tls_handshake_fails_at_once_and_is_not_an_unknown_outcome(emulator: Emulator) -> None:
    """https to a server that does not speak TLS: nothing was sent, so a create is not 'maybe made'."""
    waits: list[float] = []
    client = LaunchDarklyClient(
        f"https://127.0.0.1:{emulator.port}", TOKEN, sleep=waits.append, rate_limits=RateLimitWindows()
    )
    with pytest.raises(HostUnreachableError, match="TLS handshake failed") as failed:
        client.create_subscription("msteams", {"name": "x", "config": {}, "statements": []})
    assert not isinstance(failed.value, OutcomeUnknownError)
    assert "launchdarkly:apiHost" in str(failed.value) and len(waits) == 1
    assert emulator.subscriptions("msteams") == []


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["https://", "http://", "HTTPS://", "https:/", "https:\\\\", ""]),
    rest=st.text(alphabet="aAlocst0189.:@\\/?#%[]-_; \t\n\x00é", max_size=40),
)
def test_whatever_passes_validation_is_where_urllib3_connects(scheme: str, rest: str) -> None:
    """Property: no spelling of a host passes validation and then reaches a different host or port."""
    try:
        validated = validate_host(scheme + rest)
    except ValueError as refused:
        assert "launchdarkly:apiHost" in str(refused)
        return
    target = parse_url(validated + COLLECTION)
    expected = urlsplit(validated)
    assert target.auth is None and expected.hostname
    assert (target.host or "").strip("[]").lower() == expected.hostname
    assert target.port == expected.port and target.scheme == expected.scheme.lower()
    assert expected.scheme == "https" or expected.hostname in ("localhost", "127.0.0.1", "::1")
