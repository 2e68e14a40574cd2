"""The delivery-simulation control endpoints: audit events in, ``_status`` movement out.

LaunchDarkly sends each audit event to every enabled subscription whose policy statements match it
and records the destination's answer in the subscription's ``_status``. The emulator has no
destinations, so a test says what happens instead:

* ``POST /_emulator/events`` ``{"resource": SPEC, "action": ACTION}`` delivers one event (matched with
  :func:`pulumi_ld_auditsubs.rules.coverage.matches`, the same function the ``explain`` command and users'
  tests call) and answers 200 ``{"deliveredTo": ["<integrationKey>/<id>", ...]}``;
* ``PUT /_emulator/delivery/<integrationKey>/<id>`` ``{"error": {"statusCode": 403, "responseBody":
  "..."}}`` makes later deliveries to that subscription fail that way, ``{"error": null}`` heals it;
  answers 200 ``{"error": ...}`` as set, 404 for an unknown subscription, 400 for a bad body.

Like the handlers, this module only turns a request into a store call; the status rules live in
:meth:`~.store.SubscriptionStore.deliver`. The server authenticates these like ``/_emulator/faults``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from pulumi_ld_auditsubs.testing.emulator.errors import InvalidRequest, MethodNotAllowed, NotFound
from pulumi_ld_auditsubs.testing.emulator.handlers import Response, parse_json
from pulumi_ld_auditsubs.testing.emulator.store import SubscriptionStore

EVENTS_PATH = "events"
DELIVERY_PREFIX = "delivery/"


def handles(control_path: str) -> bool:
    """Whether ``control_path`` (the part after ``/_emulator/``) is one of these endpoints."""
    return control_path == EVENTS_PATH or control_path.startswith(DELIVERY_PREFIX)


def dispatch(store: SubscriptionStore, method: str, control_path: str, body: bytes) -> Response:
    """Serve one delivery-simulation request (``control_path`` as in :func:`handles`)."""
    if control_path == EVENTS_PATH:
        if method != "POST":
            raise MethodNotAllowed()
        resource, action = parse_event(parse_json(body))
        return Response(200, {"deliveredTo": deliver_event(store, resource, action)})
    integration_key, _, subscription_id = control_path[len(DELIVERY_PREFIX) :].partition("/")
    if not integration_key or not subscription_id or "/" in subscription_id:
        raise NotFound()
    if method != "PUT":
        raise MethodNotAllowed()
    error = parse_delivery_error(parse_json(body))
    store.set_delivery_error(unquote(integration_key), unquote(subscription_id), error)
    return Response(200, {"error": error})


def deliver_event(store: SubscriptionStore, resource: str, action: str) -> list[str]:
    """Deliver one audit event; a resource specifier ``matches`` refuses is a 400."""
    # Imported here so the emulator's CRUD endpoints never depend on the policy code.
    from pulumi_ld_auditsubs.rules.coverage import matches

    try:
        return store.deliver(lambda statements: matches(statements, resource, action))
    except ValueError as exc:
        raise InvalidRequest(f"cannot match the event: {exc}") from None


def parse_event(body: Any) -> tuple[str, str]:
    """``(resource, action)`` from ``{"resource": SPEC, "action": ACTION}``."""
    if not isinstance(body, dict) or set(body) != {"resource", "action"}:
        raise InvalidRequest('an event is {"resource": "<specifier>", "action": "<action>"}, nothing else')
    resource, action = body["resource"], body["action"]
    if not isinstance(resource, str) or not resource.strip():
        raise InvalidRequest("`resource` must be a non-empty resource specifier string")
    if not isinstance(action, str) or not action.strip():
        raise InvalidRequest("`action` must be a non-empty action name")
    return resource, action


def parse_delivery_error(body: Any) -> dict[str, Any] | None:
    """The failure of ``{"error": {"statusCode": N, "responseBody": "..."}}``, or None to heal."""
    if not isinstance(body, dict) or set(body) != {"error"}:
        raise InvalidRequest(
            'the body is {"error": {"statusCode": N, "responseBody": "..."}} or {"error": null}'
        )
    error = body["error"]
    if error is None:
        return None
    if not isinstance(error, dict) or not set(error) <= {"statusCode", "responseBody"}:
        raise InvalidRequest("`error` has the fields statusCode and responseBody")
    status = error.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise InvalidRequest("`error.statusCode` must be an HTTP status code (100-599)")
    response_body = error.get("responseBody", "")
    if not isinstance(response_body, str):
        raise InvalidRequest("`error.responseBody` must be a string")
    return {"statusCode": status, "responseBody": response_body}
