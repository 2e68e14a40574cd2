"""A policy statement: the one ``Statement``, the one map of its two spellings, and its wire form.

A statement chooses which audit log events a subscription receives. Programs write it as a
:class:`Statement` or as a dict, with snake_case (``not_actions``) or camelCase (``notActions``)
keys; LaunchDarkly, the provider's state and the diff speak camelCase only. Every module that reads
a statement (the resource, the checks in :mod:`.models`, the patch builder, :mod:`.coverage`,
lookups and export) reads its spellings from here.

``Statement`` does not judge values: a program may hold values Pulumi does not know yet (Outputs),
and the provider's check reports every mistake with the property path it is at. Neither ``pulumi``
nor ``requests`` is imported at run time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

if TYPE_CHECKING:
    from typing import TypeAlias

    import pulumi

    _Effect: TypeAlias = pulumi.Input[str]
    _Specifiers: TypeAlias = pulumi.Input[Sequence[pulumi.Input[str]]] | None
else:  # what pydantic sees: values are judged by the provider's check, and may be Outputs
    _Effect = _Specifiers = Any

__all__ = [
    "PYTHON_NAMES",
    "STATEMENT_KEYS",
    "STATEMENT_LIST_KEYS",
    "WIRE_NAMES",
    "Statement",
    "normalize_statement",
    "spelled_for_the_wire",
]


class Statement(BaseModel):
    """One policy statement choosing which audit log events the subscription receives.

    Give ``effect`` plus exactly one of ``resources``/``not_resources`` and exactly one of
    ``actions``/``not_actions``, e.g. ``Statement(effect="allow", actions=["*"],
    resources=["proj/*:env/production:flag/*"])``. ``Statement.model_validate(d)`` reads a dict
    with either spelling (``not_actions`` or ``notActions``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    effect: _Effect
    """``allow`` or ``deny``."""
    actions: _Specifiers = None
    """Action specifiers such as ``*`` or ``updateOn``; or use ``not_actions``."""
    not_actions: _Specifiers = None
    resources: _Specifiers = None
    """Resource specifiers such as ``proj/*:env/production:flag/*``; or use ``not_resources``."""
    not_resources: _Specifiers = None

    if TYPE_CHECKING:  # what type checkers show a program: the five keywords, Outputs allowed

        def __init__(
            self,
            effect: _Effect,
            actions: _Specifiers = None,
            not_actions: _Specifiers = None,
            resources: _Specifiers = None,
            not_resources: _Specifiers = None,
        ) -> None: ...

    else:

        def __init__(self, *args: Any, **data: Any) -> None:
            # Positional arguments in the order above; keywords in either spelling (model_validate
            # calls this too, with the dict it validates).
            names = list(type(self).model_fields)
            if len(args) > len(names):
                raise TypeError(f"Statement() takes at most {len(names)} positional arguments")
            for name, value in zip(names, args, strict=False):
                if name in data:
                    raise TypeError(f"Statement() got multiple values for argument {name!r}")
                data[name] = value
            super().__init__(**data)

    def to_wire(self) -> dict[str, Any]:
        """The statement as LaunchDarkly spells it: camelCase keys, ``None`` and empty lists omitted."""
        return normalize_statement(self)


PYTHON_NAMES: Mapping[str, str] = {
    field.alias or name: name for name, field in Statement.model_fields.items()
}
"""The wire name of a statement key (``notActions``) -> its Python name (``not_actions``)."""

WIRE_NAMES: Mapping[str, str] = {name: wire for wire, name in PYTHON_NAMES.items() if name != wire}
"""The Python spellings that differ from the wire's (``not_actions``) -> the wire name (``notActions``).

Read a key in either spelling with ``WIRE_NAMES.get(key, key)``.
"""

STATEMENT_LIST_KEYS: tuple[str, ...] = ("resources", "notResources", "actions", "notActions")
"""The list fields of a policy statement, in wire order."""

STATEMENT_KEYS: tuple[str, ...] = ("effect", *STATEMENT_LIST_KEYS)
"""Every key of a statement in wire form, in wire order."""


def spelled_for_the_wire(statement: Statement | Mapping[str, Any]) -> dict[str, Any]:
    """The statement's keys in their wire spelling, ``None`` values left out; nothing else changes.

    Unknown keys and empty lists stay, so the provider's check can name them.
    """
    items = statement if type(statement) is dict or isinstance(statement, Mapping) else dict(statement)
    return {WIRE_NAMES.get(key, key): value for key, value in items.items() if value is not None}


def normalize_statement(statement: Statement | Mapping[str, Any]) -> dict[str, Any]:
    """A statement in wire form: camelCase keys in a fixed order, ``None`` and empty lists dropped.

    Keys other than ``effect`` and the four lists are dropped too. Values are not validated; that
    is ``models.check_inputs``' job.
    """
    items = statement if type(statement) is dict or isinstance(statement, Mapping) else dict(statement)
    camel = {WIRE_NAMES.get(key, key): value for key, value in items.items()}
    wire: dict[str, Any] = {}
    if "effect" in camel:
        wire["effect"] = camel["effect"]
    for key in STATEMENT_LIST_KEYS:
        value = camel.get(key)
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        wire[key] = list(value) if isinstance(value, tuple) else value
    return wire
