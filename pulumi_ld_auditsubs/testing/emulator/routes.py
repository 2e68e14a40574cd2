"""URL patterns of the five audit-log-subscription endpoints, with named groups, mapped to handlers.

Like moto's ``urls.py``: a route is a URL template, a compiled pattern whose named groups become the
handler's keyword arguments, and the verbs it serves, each naming a method of
:class:`~pulumi_ld_auditsubs.testing.emulator.handlers.SubscriptionHandlers`. A path that matches no
pattern is a 404; a matching path with an unlisted verb is a 405. The rate limiter counts requests
per ``route key`` (verb + template), which is LaunchDarkly's definition of a route.

Not emulated: the rest of LaunchDarkly's API, including ``/api/v2/integration-manifests``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

API_PREFIX = "/api/v2/integrations"


@dataclass(frozen=True)
class Route:
    """One URL pattern and the verbs it serves."""

    template: str
    """The path as LaunchDarkly's OpenAPI spec writes it, e.g. ``/api/v2/integrations/{integrationKey}``."""
    pattern: re.Pattern[str]
    """Matches a whole request path; its named groups are the handler's keyword arguments."""
    methods: Mapping[str, str]
    """HTTP verb -> handler method name."""
    writes: frozenset[str]
    """The verbs that change state (refused for read-only tokens)."""

    def key(self, method: str) -> str:
        """The rate-limit route key: verb plus URL template."""
        return f"{method} {self.template}"


ROUTES: tuple[Route, ...] = (
    Route(
        template=API_PREFIX + "/{integrationKey}",
        pattern=re.compile(r"^/api/v2/integrations/(?P<integration_key>[^/]+)$"),
        methods={"GET": "list_subscriptions", "POST": "create_subscription"},
        writes=frozenset({"POST"}),
    ),
    Route(
        template=API_PREFIX + "/{integrationKey}/{id}",
        pattern=re.compile(r"^/api/v2/integrations/(?P<integration_key>[^/]+)/(?P<subscription_id>[^/]+)$"),
        methods={
            "GET": "get_subscription",
            "PATCH": "update_subscription",
            "DELETE": "delete_subscription",
        },
        writes=frozenset({"PATCH", "DELETE"}),
    ),
)


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving ``path`` (no query string) and its percent-decoded parameters, or None."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            return route, {name: unquote(value) for name, value in found.groupdict().items()}
    return None
