"""A component parenting a toy record, and a non-dynamic resource that uses the record's output."""

import pulumi
from toy import ToyRecord


class Bundle(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("toy:index:Bundle", name, None, opts)
        self.record = ToyRecord(f"{name}-rec", value=1, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"computed": self.record.computed})


class Thing(pulumi.CustomResource):
    value: pulumi.Output[str]

    def __init__(self, name: str, value: pulumi.Input[str]) -> None:
        super().__init__("test:index:Thing", name, {"value": value})


bundle = Bundle("bundle")
thing = Thing("thing", value=bundle.record.computed)
pulumi.export("thingValue", thing.value)
pulumi.export("thingId", thing.id)
