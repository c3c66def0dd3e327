#!/usr/bin/env bash
# The baseline: the same OIDC -> STS -> docker login flow as a bare script, as a user could write it.
set -euo pipefail
oidc=$(curl -fsS -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=issuer.enforce.dev" | jq -r .value)
token=$(curl -fsS -H "Authorization: Bearer $oidc" --data-urlencode aud=cgr.dev --data-urlencode "identity=$IDENTITY" \
  https://issuer.enforce.dev/sts/exchange | jq -r .token)
printf %s "$token" | docker login cgr.dev --username _token --password-stdin
