#!/usr/bin/env bash
# The distribution works on its own (issue 9): build the wheel and the sdist, check what they carry,
# install the wheel in fresh virtual environments outside the checkout and, from an empty directory,
# run every console command, the demo, and a program copied from the README through the local engine
# against the emulator; then run tests from the unpacked sdist.
#
#   bash scripts/check_dist.sh [PYTHON]   (default: python3, with the [test] extra installed)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${1:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ld-auditsubs-dist.XXXXXX")"
EMULATOR_PID=""
cleanup() {
    if [[ -n "$EMULATOR_PID" ]]; then kill "$EMULATOR_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf "\n== dist: %s (%ss)\n" "$*" "$SECONDS"; }
fail() { printf 'dist: FAILED: %s\n' "$*" >&2; exit 1; }

step "build wheel and sdist"
"$PYTHON" -m build --outdir "$WORK/dist" "$REPO" >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "python -m build"; }
WHEEL="$(ls "$WORK"/dist/*.whl)"
SDIST="$(ls "$WORK"/dist/*.tar.gz)"
echo "$(basename "$WHEEL") $(basename "$SDIST")"

step "what the wheel and the sdist carry"
"$PYTHON" - "$WHEEL" "$SDIST" <<'EOF'
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
need = [
    "pulumi_ld_auditsubs/pulumi-plugin.json", "pulumi_ld_auditsubs/py.typed",
    "pulumi_ld_auditsubs/data/integrations.json", "pulumi_ld_auditsubs/config_types.py",
    "pulumi_ld_auditsubs/data/quickstart/__main__.py", "pulumi_ld_auditsubs/data/quickstart/Pulumi.yaml",
    "pulumi_ld_auditsubs/data/quickstart/Pulumi.dev.yaml", "pulumi_ld_auditsubs/plugin/server.py",
    "pulumi_ld_auditsubs/testing/engine/ignore_sigint.cjs",
]
missing = [n for n in need if n not in names]
missing += [] if any(n.endswith(".dist-info/licenses/LICENSE") for n in names) else ["LICENSE"]
assert not missing, f"wheel lacks {missing}"
assert "License-Expression: Apache-2.0" in metadata, "no SPDX License-Expression"
runtime = sorted(
    line.split(":", 1)[1].split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower()
    for line in metadata.splitlines()
    if line.startswith("Requires-Dist:") and "extra ==" not in line
)
assert runtime == ["pulumi", "pydantic", "requests", "typing-extensions"], runtime
for version in ("3.10", "3.11", "3.12", "3.13"):
    assert f"Programming Language :: Python :: {version}" in metadata, version
members = tarfile.open(sdist).getnames()
root = members[0].split("/")[0]
for path in ("LICENSE", "README.md", "CONTRIBUTING.md", "tests/unit/test_catalog.py",
             "examples/quickstart/__main__.py", "examples/README.md", "scripts/generate_catalog.py",
             "docs/integrations.md", "docs/testing.md", "docs/behaviour.md", "docs/configuration.md",
             "docs/export-and-lookups.md", "docs/ci-and-automation.md", "docs/plugin.md", "pyproject.toml",
             "PulumiPlugin.yaml", "tests/plugin/schemas/pulumi-package-metaschema.json"):
    assert f"{root}/{path}" in members, f"sdist lacks {path}"
assert not [m for m in members if "__pycache__" in m or "/.venv/" in m], "sdist carries build debris"
print(f"wheel: {len(names)} files, runtime deps {runtime}; sdist: {len(members)} files")
EOF

step "the wheel alone (no extras) in a fresh venv, from an empty directory"
"$PYTHON" -m venv "$WORK/venv"
VENV_BIN="$WORK/venv/bin"
"$VENV_BIN/pip" install -q "$WHEEL" >"$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log"; fail "pip install the wheel"; }
mkdir "$WORK/empty" && cd "$WORK/empty"
"$VENV_BIN/pulumi-ld-auditsubs" --version
"$VENV_BIN/python" -m pulumi_ld_auditsubs --help >/dev/null
"$VENV_BIN/python" -c "from pulumi_ld_auditsubs import AuditLogSubscription, Statement; import pulumi_ld_auditsubs.provider"
# the native plugin, started as the CLI starts a source plugin, from the wheel alone: its port first
"$VENV_BIN/python" - "$VENV_BIN/python" <<'EOF'
import subprocess, sys
plugin = subprocess.Popen([sys.argv[1], "-m", "pulumi.run.plugin", "pulumi-ld-auditsubs", "127.0.0.1:9"],
                          stdout=subprocess.PIPE, text=True)
port = plugin.stdout.readline().strip()
plugin.terminate(); plugin.wait(timeout=30)
assert port.isdigit(), f"the plugin did not print its port first: {port!r}"
print(f"plugin served on port {port}")
EOF
if "$VENV_BIN/pulumi-ld-auditsubs" demo >"$WORK/noextra.out" 2>&1; then fail "demo ran without the [local] extra"; fi
cat "$WORK/noextra.out"
[[ "$(wc -l <"$WORK/noextra.out")" -eq 1 ]] && grep -q "needs the \[local\] extra" "$WORK/noextra.out" \
    || fail "a command missing [local] must say so in one line"

step "the wheel with [local]: every console command"
"$VENV_BIN/pip" install -q "$WHEEL[local]" >"$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log"; fail "pip install the wheel with [local]"; }
COMMANDS="$("$VENV_BIN/python" -c 'from pulumi_ld_auditsubs.commands.cli import SUBCOMMANDS; print(" ".join(SUBCOMMANDS))')"
for command in $COMMANDS; do
    "$VENV_BIN/pulumi-ld-auditsubs" "$command" --help >/dev/null || fail "$command --help"
    echo "$command --help: ok"
done
[[ -z "$(ls -A "$WORK/empty")" ]] || fail "a command wrote into the working directory"

step "pulumi-ld-auditsubs demo (from an empty directory, no clone)"
"$VENV_BIN/pulumi-ld-auditsubs" demo >"$WORK/demo.out" 2>&1 || { cat "$WORK/demo.out"; fail "demo"; }
head -1 "$WORK/demo.out"
tail -1 "$WORK/demo.out"

step "a program copied from the README through local preview/up/refresh/destroy against the emulator"
"$VENV_BIN/pulumi-ld-auditsubs" emulator --port 0 --token api-dist-check >"$WORK/emulator.out" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 50); do [[ -s "$WORK/emulator.out" ]] && break; sleep 0.1; done
API_HOST="$(head -1 "$WORK/emulator.out")"
[[ "$API_HOST" == http://127.0.0.1:* ]] || fail "emulator did not print its URL: $API_HOST"
PROGRAM="$WORK/empty/readme-program"
mkdir "$PROGRAM"
# The README's first Python block, verbatim.
awk '/^```python$/{inside=1; next} inside && /^```$/{exit} inside{print}' "$REPO/README.md" >"$PROGRAM/__main__.py"
grep -q "AuditLogSubscription(" "$PROGRAM/__main__.py" || fail "no program in the README's first Python block"
printf 'name: readme-program\nruntime: python\n' >"$PROGRAM/Pulumi.yaml"
export PULUMI_CONFIG_PASSPHRASE=dist-check-passphrase
for operation in preview up refresh destroy; do
    "$VENV_BIN/pulumi-ld-auditsubs" local "$operation" "$PROGRAM" --stack dev --state-dir "$WORK/state" \
        --config "launchdarkly:apiHost=$API_HOST" --config launchdarkly:accessToken=api-dist-check \
        --config datadogApiKey=dd-dist-check-key >"$WORK/$operation.out" 2>&1 \
        || { cat "$WORK/$operation.out"; fail "local $operation"; }
    echo "local $operation: $(grep -E '^ +[0-9+~-]' "$WORK/$operation.out" | tr -s ' ' | paste -sd ';' -)"
done
grep -q "created" "$WORK/up.out" || fail "up created nothing"
kill "$EMULATOR_PID" && wait "$EMULATOR_PID" 2>/dev/null || true
EMULATOR_PID=""

step "tests from the unpacked sdist (its own package source, this interpreter's test dependencies)"
mkdir "$WORK/sdist" && tar -xzf "$SDIST" -C "$WORK/sdist"
SRC="$(ls -d "$WORK"/sdist/*/)"
(
    cd "$SRC"
    export PYTHONPATH="$SRC"  # the sdist's package, also in the subprocesses the tests start
    "$PYTHON" -c 'import pulumi_ld_auditsubs, sys; assert pulumi_ld_auditsubs.__file__.startswith(sys.argv[1])' "$SRC"
    "$PYTHON" -m pytest -q -p no:cacheprovider tests/unit tests/packaging tests/resource
    "$PYTHON" -m pytest -q -p no:cacheprovider --collect-only tests | tail -1
) || fail "tests from the unpacked sdist"

printf '\ndist: OK\n'
