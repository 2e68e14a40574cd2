"""What the client takes from the environment: proxies (read once per session) and never a ~/.netrc login.

A corporate proxy must still be used, and a ``~/.netrc`` entry for the host must not replace the
token's ``Authorization`` header (requests applies netrc auth when it reads the environment).
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from pulumi_ld_auditsubs.api.client import LaunchDarklyClient
from pulumi_ld_auditsubs.errors import NotFoundError
from pulumi_ld_auditsubs.testing import Emulator

SUBSCRIPTION_ID = "65f0c0ffee0123456789abcd"


class _RecordingProxy(http.server.BaseHTTPRequestHandler):
    """Answers every request with LaunchDarkly's 404 body and remembers its request line."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.requestline)
        body = json.dumps({"code": "not_found", "message": "Unknown subscription"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _RecordingProxy.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_proxy_from_the_environment_carries_the_request(
    proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "")
    target = "http://localhost:9"  # nothing listens there: only the proxy can answer
    client = LaunchDarklyClient(target, "api-proxied-token-1")

    with pytest.raises(NotFoundError):
        client.get_subscription("datadog", SUBSCRIPTION_ID)

    assert _RecordingProxy.seen == [f"GET {target}/api/v2/integrations/datadog/{SUBSCRIPTION_ID} HTTP/1.1"]


def test_no_proxy_is_honoured(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with Emulator(tokens=("api-no-proxy-token-2",)) as emulator:
        client = LaunchDarklyClient(emulator.url, "api-no-proxy-token-2")
        assert client.list_subscriptions("datadog") == []
    assert _RecordingProxy.seen == []


def test_a_netrc_login_for_the_host_never_replaces_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    token = "api-netrc-token-3"
    with Emulator(tokens=(token,)) as emulator:
        # With requests' netrc auth the emulator would see Basic credentials and answer 401.
        assert LaunchDarklyClient(emulator.url, token).list_subscriptions("datadog") == []
