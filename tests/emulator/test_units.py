"""The emulator's building blocks without HTTP: routes, errors, faults and the public surface."""

from __future__ import annotations

import uuid

import pytest

import pulumi_ld_auditsubs.testing.emulator as emulator_package
from pulumi_ld_auditsubs.testing.emulator import errors, routes
from pulumi_ld_auditsubs.testing.emulator.faults import FaultPlan


def test_public_surface() -> None:
    assert emulator_package.__all__ == sorted(emulator_package.__all__) == ["Emulator", "RecordedRequest"]


@pytest.mark.parametrize(
    ("path", "template", "params"),
    [
        (
            "/api/v2/integrations/datadog",
            "/api/v2/integrations/{integrationKey}",
            {"integration_key": "datadog"},
        ),
        (
            "/api/v2/integrations/new-relic-apm/abc",
            "/api/v2/integrations/{integrationKey}/{id}",
            {"integration_key": "new-relic-apm", "subscription_id": "abc"},
        ),
        (
            "/api/v2/integrations/data%64og",
            "/api/v2/integrations/{integrationKey}",
            {"integration_key": "datadog"},
        ),
    ],
)
def test_routes_match_with_named_groups(path: str, template: str, params: dict[str, str]) -> None:
    found = routes.match(path)
    assert found is not None
    route, matched = found
    assert route.template == template
    assert matched == params


@pytest.mark.parametrize("path", ["/api/v2/integrations", "/api/v2/integrations/", "/api/v2/x/y", "/a/b/c/d"])
def test_routes_do_not_match_other_paths(path: str) -> None:
    assert routes.match(path) is None


def test_route_keys_are_verb_plus_template() -> None:
    assert routes.ROUTES[1].key("PATCH") == "PATCH /api/v2/integrations/{integrationKey}/{id}"


@pytest.mark.parametrize(
    ("cls", "status", "code", "message"),
    [
        (errors.InvalidRequest, 400, "invalid_request", "Invalid request body"),
        (errors.Unauthorized, 401, "unauthorized", "Invalid access token"),
        (errors.Forbidden, 403, "forbidden", "Forbidden. Access to the requested resource was denied."),
        (errors.NotFound, 404, "not_found", "Invalid resource identifier"),
        (errors.MethodNotAllowed, 405, "method_not_allowed", "Method not allowed"),
        (errors.OptimisticLockingError, 409, "optimistic_locking_error", "Conflict. Optimistic lock error."),
        (errors.RateLimited, 429, "rate_limited", "You've exceeded the API rate limit. Try again later."),
        (errors.InternalError, 500, "internal_server_error", "Internal server error"),
    ],
)
def test_errors_know_status_code_and_message(
    cls: type[errors.EmulatorError], status: int, code: str, message: str
) -> None:
    error = cls()
    body = error.body()
    assert (error.status, body["code"]) == (status, code)
    assert body["message"].startswith(message)
    uuid.UUID(body["id"])
    assert errors.error_body_for_status(status)["code"] == code


def test_custom_messages_and_headers() -> None:
    error = errors.RateLimited(headers={"Retry-After": "2"})
    assert error.headers == {"Retry-After": "2"}
    assert errors.InvalidRequest("name is required").body()["message"] == "name is required"
    assert errors.error_body_for_status(418)["code"] == "invalid_request"
    assert errors.error_body_for_status(599)["code"] == "internal_server_error"


def test_fault_plan_matches_globs_in_order_and_counts_down() -> None:
    plan = FaultPlan()
    first = plan.add("PATCH", "/api/v2/integrations/*/*", status=409, times=2)
    second = plan.add("*", "*", status=500)
    assert plan.take("GET", "/api/v2/integrations/datadog") is second
    assert plan.take("patch", "/api/v2/integrations/datadog/abc") is first
    assert plan.take("PATCH", "/api/v2/integrations/datadog/abc") is first
    assert plan.take("PATCH", "/api/v2/integrations/datadog/abc") is None
