#!/usr/bin/env bash
# Runs the end-to-end suite inside the sandbox's private network namespace. A missing tool is a
# failure, not a skip (netns.sh checks).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/main/index.js ] || { echo "e2e: dist/ is missing: npm run bundle" >&2; exit 1; }
exec test/sandbox/netns.sh node --experimental-vm-modules node_modules/jest/bin/jest.js -c jest.e2e.config.js --runInBand "$@"
