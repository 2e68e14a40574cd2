"""``from pulumi_ld_auditsubs.coverage import matches``: the public home of the coverage rule.

The rule itself lives with the other pure rules, in :mod:`pulumi_ld_auditsubs.rules.coverage`.
"""

from pulumi_ld_auditsubs.rules.coverage import matches

__all__ = ["matches"]
