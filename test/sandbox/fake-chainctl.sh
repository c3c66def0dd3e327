#!/bin/sh
# A stand-in chainctl published by the sandbox's download server. It records its argv next to the
# job (RUNNER_TEMP/..), and `auth login` does what the real one does on a runner: fetches the job's
# OIDC token from the runner variables and exchanges it at the STS; it fails when that fails.
VERSION=__VERSION__
printf '%s ' "$@" >> "${RUNNER_TEMP:-/tmp}/../chainctl-argv.log"
echo >> "${RUNNER_TEMP:-/tmp}/../chainctl-argv.log"
case "$1 $2" in
  "version "*) echo "GitVersion:    v$VERSION"; exit 0 ;;
  "auth logout") echo "Logged out."; exit 0 ;;
  "auth login") ;;
  *) echo "fake chainctl: unsupported command: $*" >&2; exit 2 ;;
esac
identity= audience=https://console-api.enforce.dev
while [ $# -gt 0 ]; do
  case "$1" in
    --identity) identity=$2; shift ;;
    --audience) audience=$2; shift ;;
  esac
  shift
done
if [ -z "$ACTIONS_ID_TOKEN_REQUEST_URL" ] || [ -z "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" ]; then
  echo "Error: no OIDC token available: ACTIONS_ID_TOKEN_REQUEST_URL is not set" >&2; exit 1
fi
# Like Go's proxy handling in the real chainctl, never proxy loopback.
oidc=$(curl --noproxy 127.0.0.1,localhost -fsS -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=issuer.enforce.dev" | jq -r .value) || exit 1
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $oidc" \
  --data-urlencode "aud=$audience" --data-urlencode "identity=$identity" https://issuer.enforce.dev/sts/exchange)
[ "$status" = 200 ] || { echo "Error: exchanging the OIDC token failed: HTTP $status" >&2; exit 1; }
echo "Successfully exchanged token for $audience."
