import { decodeClaims, expiresAt, expiryOf } from '../../src/token/jwt.js'

/** A JWT whose payload is `json` as written (JSON.stringify cannot write 1e400). */
const rawJwt = (json: string) => ['{"alg":"none"}', json].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.sig'
const jwt = (payload: unknown) => rawJwt(JSON.stringify(payload))

describe('claims', () => {
  it('decodes a JWT payload', () => {
    expect(decodeClaims(jwt({ sub: 'repo:o/r:ref:refs/heads/main', exp: 1 }))).toEqual({ sub: 'repo:o/r:ref:refs/heads/main', exp: 1 })
  })

  it('rejects what is not a JWT', () => {
    expect(() => decodeClaims('abc')).toThrow('three dot-separated parts')
    expect(() => decodeClaims('a.%%%.c')).toThrow('not base64url JSON')
    // A payload that is JSON but no object: its claims would read as absent, or crash the explanation.
    for (const payload of [[1, 2], null, 'sub', 42, true]) expect(() => decodeClaims(jwt(payload))).toThrow('not a JSON object')
  })

  it('formats exp as RFC 3339 in UTC', () => {
    expect(expiresAt({ exp: Date.parse('2026-11-27T13:04:05Z') / 1000 })).toBe('2026-11-27T13:04:05Z')
    expect(expiresAt({})).toBeUndefined()
    expect(expiresAt({ exp: 'soon' })).toBeUndefined()
    expect(expiresAt({ exp: '1795093445' })).toBeUndefined() // a NumericDate is a JSON number, never a string
  })

  it('names no time for an exp past what a date can hold, rather than failing the step', () => {
    // JSON reads 1e400 as Infinity; 1e300 is finite but far past the year 275760.
    for (const exp of ['1e400', '1e300', '-1e300']) expect(expiresAt(decodeClaims(rawJwt(`{"exp":${exp}}`)))).toBeUndefined()
  })

  it('names no time for a year RFC 3339 cannot write (four digits: 0000 to 9999), as expires-at promises RFC 3339', () => {
    // Date writes these as +010000-01-01 and -000002-12-31, which no RFC 3339 reader takes.
    for (const exp of [253402300800, 8.64e12, -62198755201]) expect(expiresAt({ exp })).toBeUndefined()
    expect(expiresAt({ exp: 253402300799 })).toBe('9999-12-31T23:59:59Z')
    expect(expiresAt({ exp: -62167219200 })).toBe('0000-01-01T00:00:00Z')
    expect(expiresAt({ exp: 0 })).toBe('1970-01-01T00:00:00Z')
    expect(expiresAt({ exp: 1795093445.999 })).toBe('2026-11-19T13:04:05Z') // a fraction of a second is dropped
  })

  it("names a token's expiry, or none for a token that is no JWT (a pull token, an opaque token)", () => {
    expect(expiryOf(jwt({ exp: 1795093445 }))).toBe('2026-11-19T13:04:05Z')
    for (const token of ['opaque-token', 'a.%%%.c', jwt([1])]) expect(expiryOf(token)).toBeUndefined()
  })
})
