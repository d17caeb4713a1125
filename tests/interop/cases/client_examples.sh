#!/usr/bin/env bash
# The gatehouse-client examples run against the sandbox (issue #9: they compile and run in CI).
# `cargo test` builds them; they read the sandbox credentials from $GATEHOUSE_CREDENTIALS.
set -euo pipefail
dir="${CARGO_TARGET_DIR:-target}/debug/examples"
for example in chamilo corebos forma wildix; do
  if [ ! -x "$dir/$example" ]; then
    cargo build --quiet --locked -p gatehouse-client --examples
  fi
  if ! out=$("$dir/$example" 2>&1); then
    echo "example $example failed:"; echo "$out"; exit 1
  fi
  [ -n "$out" ] || { echo "example $example printed nothing"; exit 1; }
done
