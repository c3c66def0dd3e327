// Reads (never verifies) a JWT's claims: for expiry times and for explaining auth failures.

export type Claims = Record<string, unknown>

export function decodeClaims(jwt: string): Claims {
  const parts = jwt.split('.')
  if (parts.length !== 3) throw new Error('not a JWT (expected three dot-separated parts)')
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    throw new Error('not a JWT (payload is not base64url JSON)')
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new Error('not a JWT (payload is not a JSON object)')
  }
  return claims as Claims
}

/** The `exp` claim as RFC 3339 (UTC, whole seconds), or undefined when there is none. */
export function expiresAt(claims: Claims): string | undefined {
  const exp = claims.exp
  if (typeof exp !== 'number') return undefined
  // RFC 3339 writes years 0000 to 9999 only: past them (or past Date's range, or 1e400 read as
  // Infinity) Date writes +010000-... or throws, so there is no time to name.
  const date = new Date(exp * 1000)
  const year = date.getUTCFullYear()
  return year >= 0 && year <= 9999 ? `${date.toISOString().slice(0, 19)}Z` : undefined
}

/** A token's expiry as expiresAt names it; undefined for a token that is no JWT (pull tokens, opaque tokens). */
export function expiryOf(token: string): string | undefined {
  try {
    return expiresAt(decodeClaims(token))
  } catch {
    return undefined
  }
}
