#!/usr/bin/env bash
# Runs a command inside a private network and mount namespace where the real host names
# (cgr.dev, issuer.enforce.dev, ...) resolve to the sandbox on loopback and the sandbox CA is
# trusted by node, docker, skopeo and podman. Nothing in it can reach outside the machine.
# Usage: test/sandbox/netns.sh COMMAND [ARGS...]   (needs root, or unprivileged user namespaces)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${SANDBOX_NETNS:-}" != 1 ]; then
  missing=()
  for tool in docker docker-registry skopeo openssl unshare ip dockerd podman tinyproxy curl jq mvn python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "sandbox: missing ${missing[*]}; install them with: bash test/setup.sh (as root)" >&2
    exit 1
  fi
  userns=()
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  exec unshare "${userns[@]}" --mount --net --fork env SANDBOX_NETNS=1 "$0" "$@"
fi
ip link set lo up
mount --bind "$root/test/sandbox/hosts" /etc/hosts
# The sandbox CA, made once, joins the system bundle (Go and curl read it) and NODE_EXTRA_CA_CERTS.
"$root/node_modules/.bin/node" --input-type=module -e \
  "import { ensurePki } from '$root/test/sandbox/pki.ts'; ensurePki('$root/.sandbox/pki')"
bundle="$root/.sandbox/ca-bundle.crt"
cat /etc/ssl/certs/ca-certificates.crt "$root/.sandbox/pki/ca.crt" > "$bundle"
mount --bind "$bundle" /etc/ssl/certs/ca-certificates.crt
export NODE_EXTRA_CA_CERTS="$root/.sandbox/pki/ca.crt"
exec "$@"
