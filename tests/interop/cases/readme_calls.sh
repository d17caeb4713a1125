#!/usr/bin/env bash
# The newcomer path of README.md, run as written: the shell block of "Calling a dialect"
# starts its own sandbox and makes one `gatehouse call` per dialect; any failing line fails
# the case. Only the `cargo install` line is left out: the built binary is put on PATH instead.
set -euo pipefail
root=$(pwd)
bin="${GATEHOUSE_BIN:-${CARGO_TARGET_DIR:-target}/debug/gatehouse}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
[ -x "$bin" ] || { echo "no gatehouse binary at $bin"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$bin" "$work/bin/gatehouse"

# The first ```sh block after the "Calling a dialect" heading.
awk '/^\*\*Calling a dialect\.\*\*/ { on = 1 } on && /^```sh$/ { inside = 1; next }
     inside && /^```$/ { exit } inside { print }' README.md >"$work/block.sh"
grep -q '^gatehouse sandbox ' "$work/block.sh" || { echo "README block has no sandbox line"; exit 1; }
for dialect in chamilo corebos forma wildix; do
  grep -q "^gatehouse call .* $dialect " "$work/block.sh" \
    || { echo "README block has no call to $dialect"; exit 1; }
done
grep -v '^cargo install ' "$work/block.sh" >"$work/run.sh"

cd "$work"
# If a line fails before the block's own `kill %1`, the sandbox it started is stopped here.
if ! PATH="$work/bin:$PATH" timeout 120 bash -c \
    'set -euo pipefail; trap "kill %1 2>/dev/null || true" EXIT; set -x; source ./run.sh' \
    >"$work/out.log" 2>&1; then
  echo "the README's commands failed:"; cat "$work/out.log"; exit 1
fi
# The calls printed their results: the admin user, Forma's link, the queues.
grep -q '"user_id": "1"' out.log || { echo "no SOAP user in:"; cat out.log; exit 1; }
grep -q 'r=adm/homepage/sso&login_user=admin' out.log || { echo "no SSO link in:"; cat out.log; exit 1; }
grep -q '"name": "Sales"' out.log || { echo "no call queue in:"; cat out.log; exit 1; }
