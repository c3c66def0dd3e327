#!/usr/bin/env bash
# Runs the end-to-end suite inside the sandbox's private network namespace. In CI a missing tool
# is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
for tool in docker docker-registry skopeo openssl unshare ip; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e: missing tools: ${missing[*]} (apt-get install docker-registry skopeo iproute2 openssl; see README)" >&2
  exit 1
fi
[ -f dist/main/index.js ] || { echo "e2e: dist/ is missing: npm run bundle" >&2; exit 1; }
exec test/sandbox/netns.sh node --experimental-vm-modules node_modules/jest/bin/jest.js -c jest.e2e.config.js --runInBand "$@"
