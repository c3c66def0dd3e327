import { decodeClaims, expiresAt } from '../../src/token/jwt.js'

const jwt = (payload: unknown) =>
  ['{"alg":"none"}', JSON.stringify(payload)].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.sig'

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
  })
})
