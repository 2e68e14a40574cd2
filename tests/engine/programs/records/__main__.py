"""Declares toy records from the `records` config value, a JSON list of objects:

{"name": "a", "value": 1, "kind": "x", "valueFrom": "other", "dependsOn": ["other"],
 "withToken": true, "tags": [...], "dbr": true, "failCreate": true (or a message length),
 "failDelete": true, "slowCreate": seconds, "engineDiff": true,
 "opts": {"protect": true, "retain_on_delete": true, "ignore_changes": [...],
          "replace_on_changes": [...], "delete_before_replace": true,
          "additional_secret_outputs": [...]}}
"""

import json

import pulumi
from toy import ToyRecord

config = pulumi.Config()
token = config.require_secret("token")
records = json.loads(config.require("records"))

declared: dict[str, ToyRecord] = {}
for spec in records:
    options = dict(spec.get("opts", {}))
    options["depends_on"] = [declared[d] for d in spec.get("dependsOn", [])]
    value = declared[spec["valueFrom"]].computed if "valueFrom" in spec else spec.get("value")
    declared[spec["name"]] = ToyRecord(
        spec["name"],
        value=value,
        kind=spec.get("kind", "a"),
        secret=token if spec.get("withToken") else None,
        tags=spec.get("tags"),
        dbr=spec.get("dbr"),
        fail_create=spec.get("failCreate"),
        fail_delete=spec.get("failDelete"),
        slow_create=spec.get("slowCreate"),
        engine_diff=spec.get("engineDiff", False),
        opts=pulumi.ResourceOptions(**options),
    )

pulumi.export("greeting", config.require("greeting"))
pulumi.export("answer", config.require_int("answer"))
pulumi.export("level", config.require_object("flags")["level"])
pulumi.export("token", token)
pulumi.export("ids", {name: record.id for name, record in declared.items()})
for name, record in declared.items():
    pulumi.export(f"computed_{name}", record.computed)
