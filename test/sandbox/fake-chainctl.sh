#!/bin/sh
# A stand-in chainctl published by the sandbox's download server. It records its argv next to the
# job (RUNNER_TEMP/..), and `auth login` does what the real one does on a runner: fetches the job's
# OIDC token from the runner variables, exchanges it at the STS, and saves the Chainguard token as
# chainguard.dev/sdk's auth/token.Save does: os.WriteFile (not atomic), mode 0600, in
# <os.UserCacheDir>/chainguard/<audience, "/" -> "-">/oidc-token, a file per audience (folders 0700).
# A login reads the config (CHAINCTL_CONFIG) but never writes it. It fails when the exchange fails.
# `auth token [--audience A]` prints the saved token of that audience, as the real one does for a
# login still valid, and fails when there is none.
VERSION=__VERSION__
umask 077
# One write per line, so that logins running at once do not interleave their lines.
line=$(printf '%s ' "$@")
printf '%s\n' "$line" >> "${RUNNER_TEMP:-/tmp}/../chainctl-argv.log"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/chainguard"
case "$1 $2" in
  "version "*) echo "GitVersion:    v$VERSION"; exit 0 ;;
  "auth logout") ;;
  "auth login") ;;
  "auth token") ;;
  *) echo "fake chainctl: unsupported command: $*" >&2; exit 2 ;;
esac
command=$2
identity= audience=https://console-api.enforce.dev
while [ $# -gt 0 ]; do
  case "$1" in
    --identity) identity=$2; shift ;;
    --audience) audience=$2; shift ;;
  esac
  shift
done
# The audience's folder: every "/" becomes "-" (https://console-api.enforce.dev -> https:--console-api.enforce.dev).
folder= rest=$audience
while :; do
  case $rest in
    */*) folder="$folder${rest%%/*}-" rest=${rest#*/} ;;
    *) folder="$folder$rest"; break ;;
  esac
done
dir="$cache/$folder"
if [ "$command" = token ]; then
  [ -f "$dir/oidc-token" ] || { echo "Error: not logged in for $audience: run chainctl auth login" >&2; exit 1; }
  cat "$dir/oidc-token"; echo
  exit 0
fi
if [ "$command" = logout ]; then
  # Like the SDK's token.DeleteAll (inferred: chainctl's logout without --audience drops every token).
  [ -d "$cache" ] && find "$cache" -mindepth 1 \( -name oidc-token -o -name refresh-token \) -type f -delete &&
    find "$cache" -mindepth 1 -depth -type d -empty -delete
  echo "Logged out."
  exit 0
fi
# A test makes the next logins fail as chainctl does when the STS fails it over gRPC (chainguard.dev/sdk's
# sts client): a file in RUNNER_TEMP/../chainctl-fail-logins/ holding `<HTTP status> [<audience>]` fails
# one login (of that audience, or any) with that status's gRPC code. Each file is claimed once (mv is atomic).
failing="${RUNNER_TEMP:-/tmp}/../chainctl-fail-logins"
for f in "$failing/"*; do
  [ -f "$f" ] && read -r fail_status fail_audience < "$f" || continue
  [ -z "$fail_audience" ] || [ "$fail_audience" = "$audience" ] || continue
  mv "$f" "$failing.claimed.$$" 2>/dev/null || continue
  case $fail_status in
    429) grpc='ResourceExhausted desc = rate limit exceeded' ;;
    503) grpc='Unavailable desc = connection error: desc = "transport: Error while dialing: read: connection reset by peer"' ;;
    504) grpc='DeadlineExceeded desc = context deadline exceeded' ;;
    401) grpc='Unauthenticated desc = JWT validation failed' ;;
    *) grpc='PermissionDenied desc = permission denied' ;;
  esac
  echo "Error: rpc error: code = $grpc" >&2
  exit 1
done
if [ -z "$ACTIONS_ID_TOKEN_REQUEST_URL" ] || [ -z "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" ]; then
  echo "Error: no OIDC token available: ACTIONS_ID_TOKEN_REQUEST_URL is not set" >&2; exit 1
fi
# Like Go's proxy handling in the real chainctl, never proxy loopback. The JSON is read with the
# shell's own patterns (the stand-ins' JWTs hold no quotes): a real chainctl is one process, and
# a jq per reply would cost more than the login's own work.
agent="chainctl/$VERSION"
reply=$(curl --noproxy 127.0.0.1,localhost -fsS -A "$agent" -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=issuer.enforce.dev") || exit 1
field() { value=${2#*\"$1\":\"}; [ "$value" != "$2" ] && printf %s "${value%%\"*}"; }
oidc=$(field value "$reply")
nl='
'
reply=$(curl -sS -A "$agent" -w "$nl%{http_code}" -H "Authorization: Bearer $oidc" \
  --data-urlencode "aud=$audience" --data-urlencode "identity=$identity" https://issuer.enforce.dev/sts/exchange) || exit 1
status=${reply##*"$nl"}
[ "$status" = 200 ] || { echo "Error: exchanging the OIDC token failed: HTTP $status" >&2; exit 1; }
token=$(field token "${reply%"$nl"*}")
[ -n "$token" ] || { echo "Error: the STS answered without a token" >&2; exit 1; }
[ -d "$dir" ] || mkdir -p "$dir" || exit 1
printf %s "$token" > "$dir/oidc-token" || exit 1
echo "Successfully exchanged token for $audience."
# The release is padded to a real binary's size below this line: never read it.
exit 0
