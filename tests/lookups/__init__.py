"""Tests of the lookup functions, through the local engine."""
