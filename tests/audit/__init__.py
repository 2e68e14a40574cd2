"""Tests of ``pulumi-ld-auditsubs health`` and ``explain`` against the emulator's delivery simulation."""
