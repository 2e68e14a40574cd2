"""The example programs end to end: the local engine, the demo and the real Pulumi CLI."""
