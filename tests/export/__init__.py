"""Tests of ``pulumi-ld-auditsubs export``."""
