"""Pure models and rules: the catalog, statements, validation, policy, coverage, JSON Patch.

Nothing here imports ``requests`` or ``pulumi``, so every rule is testable on its own.
"""
