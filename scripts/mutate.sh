#!/usr/bin/env bash
# Mutation testing (StrykerJS): `npm run mutate` mutates all of src/, `npm run mutate -- src/inputs.ts`
# one file (or a glob). Incremental: reports/stryker-incremental.json keeps earlier results, so a
# rerun only tests mutants whose code or tests changed. Extra arguments go to `stryker run`
# (e.g. --concurrency 1, --force to ignore the incremental file). Report: reports/mutation/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  # A file of its own incremental record, so one file's run keeps the whole-src record intact.
  args+=(--mutate "$1" --incrementalFile "reports/incremental/$(echo "$1" | tr '/*' '__').json")
  shift
fi
exec node_modules/.bin/stryker run "${args[@]}" "$@"
