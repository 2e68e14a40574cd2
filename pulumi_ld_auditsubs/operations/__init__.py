"""The operations both hosts serve: check, diff, create, read, update, delete, the lookups.

They take and return plain values and know no protocol; the dynamic provider
(:mod:`pulumi_ld_auditsubs.provider`) and the native plugin (:mod:`pulumi_ld_auditsubs.plugin`)
only translate at their edge.
"""
