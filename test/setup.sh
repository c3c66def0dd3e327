#!/usr/bin/env bash
# Installs what the tests and the sandbox need, and only what is missing: npm packages, and the
# Debian packages docker-registry, skopeo, iproute2, openssl, docker.io (the engine test), and
# curl and jq (the sandbox's fake chainctl), tinyproxy (the proxy test), podman, maven (the libraries test).
# Runs before `npm start` and `npm test`; safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

need=()
for p in docker-registry skopeo iproute2 openssl docker.io curl jq tinyproxy podman maven; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup: the sandbox needs: ${need[*]}. Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "setup: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
