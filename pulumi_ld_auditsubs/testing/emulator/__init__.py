"""A local emulator of LaunchDarkly's five audit-log-subscription endpoints.

Laid out like moto: :mod:`.routes` (URL patterns with named groups -> handler names),
:mod:`.handlers` (HTTP <-> parameters), :mod:`.store` (state, masking, patching, persistence),
:mod:`.validation` (the create and patch rules), :mod:`.errors` (typed errors that know their status
and wire code), :mod:`.ratelimit`, :mod:`.faults`, :mod:`.server` (the HTTP/1.1 server and
:class:`Emulator`) and :mod:`.cli` (``pulumi-ld-auditsubs emulator``).

Emulated, following ``LAUNCHDARKLY_API.md`` section 5: ``POST``/``GET`` on
``/api/v2/integrations/{integrationKey}`` and ``GET``/``PATCH``/``DELETE`` on
``/api/v2/integrations/{integrationKey}/{id}`` (also tunnelled through ``X-HTTP-Method-Override``),
token auth (401) and read-only tokens (403), config validation against the bundled catalog, manifest
defaults, secret masking in every response, atomic JSON Patch, per-route rate limiting, latency,
fault injection and an optional state file.

Not emulated (real behaviour unknown or out of scope): the rest of the API and
``/api/v2/integration-manifests``; the global and per-IP rate limits; ``LD-API-Version`` differences
(the header is not checked); optimistic locking (409 only via fault injection); real delivery of
audit events (:mod:`.delivery` simulates it: ``_status`` moves only when a test posts an event), and
``_access`` stays empty; pagination; JSON merge patch and semantic patch; TLS. Where LaunchDarkly's
rules are unknown the emulator is deliberately strict; each module's docstring lists its choices.
"""

from pulumi_ld_auditsubs.testing.emulator.server import Emulator, RecordedRequest

__all__ = ["Emulator", "RecordedRequest"]
