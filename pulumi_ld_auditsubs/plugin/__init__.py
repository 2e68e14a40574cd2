"""The native Pulumi provider plugin: the same operations as the dynamic provider, for every language.

``python -m pulumi.run.plugin pulumi-ld-auditsubs <engine address>`` (how the Pulumi CLI runs this
repository as a ``runtime: python`` source plugin) runs ``pulumi_ld_auditsubs/__main__.py``, which
serves :mod:`.server`. :mod:`.provider` translates the provider protocol to
:mod:`pulumi_ld_auditsubs.operations`; :mod:`.schema` is the package schema; :mod:`.values`
converts property values and keeps secrets secret.
"""
