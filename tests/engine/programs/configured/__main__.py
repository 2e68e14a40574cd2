"""Reads the stack config as a program would: a key no file names, an int, a secret."""

import pulumi

config = pulumi.Config()
pulumi.export("streamName", config.require("streamName"))
pulumi.export("retries", config.get_int("retries"))
pulumi.export("region", config.require("region"))
pulumi.export("apiKeyLength", config.require_secret("apiKey").apply(len))
