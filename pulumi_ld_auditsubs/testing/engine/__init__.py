"""A local Pulumi engine for testing Python and JavaScript programs of this library, with no Pulumi CLI.

``pulumi-ld-auditsubs local {preview,up,refresh,destroy} PROGRAM_DIR --stack NAME`` runs an
unmodified program directory (``Pulumi.yaml``, ``__main__.py`` or ``index.js``, ``Pulumi.<stack>.yaml``):

* a Python program runs in-process under the Pulumi SDK's mock runtime, with a ``MockMonitor``
  subclass that reads every resource registration and its options (:mod:`.program`); a
  ``runtime: nodejs`` program runs in ``node`` with its own ``@pulumi/pulumi``, as Pulumi's Node.js
  language host starts it, against a real gRPC resource monitor serving the same monitor
  (:mod:`.node_program`, :mod:`.monitor_server`);
* resources of the native plugin (``ld-auditsubs:*``) go to the plugin, launched as the CLI launches
  a source plugin, one process per provider: the default provider configured from the
  ``ld-auditsubs:`` stack config, each ``pulumi:providers:ld-auditsubs`` resource from its inputs,
  with the provider registry's steps; the plugin's functions are invoked the same way
  (:mod:`.plugin_host`);
* every dynamic resource (type ``pulumi-python:dynamic...``) is driven through a real
  ``python -u -m pulumi.dynamic`` process over gRPC, one per operation, with the engine's request
  shapes: Configure, Check, Diff, Create, Update, Read, Delete (:mod:`.provider_host`);
* the step logic follows the engine: create / update / replace (create-before-delete unless
  delete-before-replace), deletes in reverse dependency order, ``protect``, ``retain_on_delete``,
  ``ignore_changes``, ``replace_on_changes``, ``additional_secret_outputs``, secret propagation
  from inputs to outputs, refresh judged by the provider's Diff, steps in parallel (``--parallel``)
  with the engine's failure semantics (``--continue-on-error``) (:mod:`.steps`, :mod:`.scheduler`);
* refresh and destroy configure the provider with the config recorded at the last ``up`` unless
  ``--run-program``; a create in flight is a pending operation that a killed run leaves for the
  next one to report (:mod:`.runner`);
* config from ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``; ``secure:`` values come from
  ``--config`` or ``PULUMI_LOCAL_CONFIG_<KEY>`` (:mod:`.project`);
* state in ``<state-dir>/<stack>.json`` with every secret AES-GCM encrypted, each finished step
  journaled (:mod:`.state`, :mod:`.journal`).

Not emulated:

* Pulumi Cloud or any other backend, stack history, locking, ``pulumi stack`` commands,
  ``pulumi import`` / ``import_=`` and ``Resource.get`` reads, ``--target``, ``--refresh`` on up;
* decrypting the CLI's ``secure:`` ciphertext (supply those values in plain text instead);
* policy packs, stack references, invokes other than the plugin's functions, resource hooks,
  transforms run by the engine, aliases, ``deleted_with``, ``replace_with``, custom timeouts;
* pending operations other than creates, and the interactive pending-create prompt;
* component providers / multi-language components (``remote=True``), runtimes other than
  ``python`` and ``nodejs``, TypeScript compiled by the engine (a program's own ``ts-node`` works);
* other resource types (neither dynamic nor the plugin's): they echo their inputs as outputs
  (ID ``<name>_id``), as Pulumi's mocks do, and no provider plugin is run for them;
* a resource whose provider reference changes to a replaced provider is diffed by the new
  provider, not replaced for that reason alone;
* the program runs with this interpreter, not the project's ``virtualenv``/``toolchain`` option
  (``PULUMI_RUNTIME_*`` variables are still set for the provider process);
* with delete-before-replace, dependents are not replaced along with the resource;
* ``replace_on_changes`` only sees changes when the provider's diff returns ``changes=None``
  (DIFF_UNKNOWN), exactly like Pulumi: Python dynamic providers never send a detailed diff.
"""

from pulumi_ld_auditsubs.testing.engine.api import LocalEngine, LocalResult

__all__ = ["LocalEngine", "LocalResult"]
