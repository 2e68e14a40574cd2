"""The command line: ``pulumi-ld-auditsubs demo|export|health|explain|emulator|local``."""
