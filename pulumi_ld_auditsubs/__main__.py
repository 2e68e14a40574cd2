"""``python -m pulumi_ld_auditsubs``: the same command line as ``pulumi-ld-auditsubs``."""

from pulumi_ld_auditsubs.commands.cli import main

raise SystemExit(main())
