import {
  challengeFailure,
  describeFailures,
  manifestFailure,
  parseChallenge,
  parseChallenges,
  tokenFailure,
  type Who,
} from '../../src/images/pullfailure.js'
import { parseReference } from '../../src/images/reference.js'

const ID = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const oidc: Who = { registry: 'cgr.dev', identity: ID, pullToken: false }
const pull: Who = { ...oidc, pullToken: true }
const python = parseReference('acme.com/python:3.12-dev', 'cgr.dev')
const byDigest = parseReference(`acme.com/python@sha256:${'0'.repeat(64)}`, 'cgr.dev')
const UNAUTHORIZED = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
const DENIED = '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'

describe('parseChallenge', () => {
  it('reads the scheme and quoted or bare parameters', () => {
    expect(parseChallenge('Bearer realm="https://cgr.dev/token",service="cgr.dev"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://cgr.dev/token', service: 'cgr.dev' },
    })
    expect(
      parseChallenge('Bearer realm="https://r/token",service="r",scope="repository:a/b:pull",error="insufficient_scope"').params,
    ).toEqual({
      realm: 'https://r/token',
      service: 'r',
      scope: 'repository:a/b:pull',
      error: 'insufficient_scope',
    })
    expect(parseChallenge('Basic realm=registry')).toEqual({ scheme: 'basic', params: { realm: 'registry' } })
    expect(parseChallenge('')).toEqual({ scheme: '', params: {} })
    // As servers write them: leading space, any case, spaces after commas, a comma inside quotes.
    expect(parseChallenge(' BEARER Realm="https://r/t", service=svc, error="a,b"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://r/t', service: 'svc', error: 'a,b' },
    })
    expect(parseChallenge('Bearer realm=""').params).toEqual({ realm: '' })
  })

  it('parses every challenge (RFC 9110 11.6.1) and picks the Bearer one', () => {
    expect(parseChallenge('Bearer realm="https://cgr.dev/token",service="cgr.dev", Basic realm="Registry Realm"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://cgr.dev/token', service: 'cgr.dev' },
    })
    expect(parseChallenge('Basic realm="Registry Realm", Bearer realm="https://r/token"').params).toEqual({ realm: 'https://r/token' })
    expect(parseChallenges('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"')).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ])
  })

  it('takes an escaped quote as part of a value, never as the end of it', () => {
    expect(parseChallenge('Bearer error_description="a \\",realm=\\"https://evil/\\"",realm="https://r/token"').params).toEqual({
      error_description: 'a ",realm="https://evil/"',
      realm: 'https://r/token',
    })
  })

  it('reads parameter names whole: x-service is not service; names are case-insensitive', () => {
    expect(parseChallenge('Bearer realm="https://r/token",x-service="evil",Service="r"').params).toEqual({
      realm: 'https://r/token',
      'x-service': 'evil',
      service: 'r',
    })
  })

  it('takes any run of spaces or tabs around =, and an empty bare value', () => {
    expect(parseChallenge('Bearer realm  =\t "https://r/token",service=,scope= \t\tx').params).toEqual({
      realm: 'https://r/token',
      service: '',
      scope: 'x',
    })
  })

  it('finds the Bearer challenge after a stray parameter that opens the header', () => {
    expect(parseChallenge('realm="https://evil/token", Bearer realm="https://r/t"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://r/t' },
    })
  })

  it('passes over a token68 to the next challenge', () => {
    expect(parseChallenges('Negotiate abc==, Bearer realm="https://r/token"').map((c) => c.scheme)).toEqual(['negotiate', 'bearer'])
  })
})

describe('token endpoint failures', () => {
  it('401: the token is refused, in words for an identity or a pull token', () => {
    expect(tokenFailure(401, UNAUTHORIZED, python, oidc)).toEqual({
      kind: 'token refused',
      detail: `cgr.dev does not accept the Chainguard token of identity ${ID} (HTTP 401 UNAUTHORIZED: authentication required): check that the identity still exists`,
    })
    expect(tokenFailure(401, '', python, pull)).toEqual({
      kind: 'token refused',
      detail: `cgr.dev does not accept the pull token of ${ID} (HTTP 401): it may have expired or been deleted; make a new one with chainctl auth configure-docker --pull-token`,
    })
  })

  it('403: denied, naming the organization and the role to check', () => {
    expect(tokenFailure(403, DENIED, python, oidc)).toEqual({
      kind: 'denied',
      detail:
        `${ID} may not pull acme.com/python (HTTP 403 DENIED: requested access to the resource is denied): ` +
        'check that it has the registry.pull role in organization acme.com, and that acme.com is entitled to python',
    })
  })

  it('5xx after retries: unreachable; anything else: unexpected', () => {
    expect(tokenFailure(503, '', python, oidc)).toEqual({
      kind: 'registry unreachable',
      detail: 'the token endpoint answered HTTP 503 after retries',
    })
    expect(tokenFailure(400, '<html>', python, oidc)).toEqual({ kind: 'unexpected answer', detail: 'the token endpoint answered HTTP 400' })
  })

  it('names the error code alone when the body gives no message, and the status alone without a code', () => {
    expect(tokenFailure(401, '{"errors":[{"code":"UNAUTHORIZED"}]}', python, oidc).detail).toMatch(/ \(HTTP 401 UNAUTHORIZED\): check /)
    expect(tokenFailure(401, '{"errors":[{"code":"UNAUTHORIZED","message":7}]}', python, oidc).detail).toMatch(
      / \(HTTP 401 UNAUTHORIZED\): /,
    )
    expect(tokenFailure(401, '{"errors":[{"message":"no code"}]}', python, oidc).detail).toMatch(/ \(HTTP 401\): check /)
  })

  it('keeps a hostile body to one bounded line', () => {
    const body = JSON.stringify({ errors: [{ code: 'X\nY', message: 'a\r\nb'.repeat(100) }] })
    const { detail } = tokenFailure(401, body, python, oidc)
    expect(detail).not.toMatch(/[\r\n]/)
    expect(detail.length).toBeLessThan(400)
  })
})

describe('manifest failures', () => {
  it('403 DENIED, or 401 insufficient_scope with a fresh token: denied', () => {
    const denied = manifestFailure(403, '', undefined, python, oidc)
    expect(denied).toEqual({
      kind: 'denied',
      detail: `${ID} may not pull acme.com/python (HTTP 403 DENIED): check that it has the registry.pull role in organization acme.com, and that acme.com is entitled to python`,
    })
    const scope =
      'Bearer realm="https://cgr.dev/token",service="cgr.dev",scope="repository:acme.com/python:pull",error="insufficient_scope"'
    expect(manifestFailure(401, scope, undefined, python, oidc)).toMatchObject({
      kind: 'denied',
      detail: expect.stringContaining('(HTTP 401 insufficient_scope): check that it has the registry.pull role in organization acme.com'),
    })
    expect(manifestFailure(401, 'Bearer realm="x"', undefined, python, oidc).detail).toMatch(
      /^\S+ may not pull acme.com\/python \(HTTP 401\):/,
    )
    // invalid_token on a 403 is still a denial: only a 401 says the token itself is refused.
    expect(manifestFailure(403, 'Bearer error="invalid_token"', undefined, python, oidc)).toMatchObject({
      kind: 'denied',
      detail: expect.stringContaining('(HTTP 403 invalid_token)'),
    })
  })

  it('401 invalid_token: the token is refused', () => {
    expect(manifestFailure(401, 'Bearer realm="x",error="invalid_token"', undefined, python, pull)).toMatchObject({
      kind: 'token refused',
      detail: expect.stringContaining('(HTTP 401 invalid_token)'),
    })
  })

  it('404: no such repository, no such tag or digest, or either', () => {
    expect(manifestFailure(404, '', false, python, oidc)).toEqual({
      kind: 'not found',
      detail:
        'no repository acme.com/python on cgr.dev (NAME_UNKNOWN): check the name, and that it has been added to organization acme.com',
    })
    expect(manifestFailure(404, '', true, python, oidc)).toEqual({
      kind: 'not found',
      detail: 'acme.com/python has no tag 3.12-dev (MANIFEST_UNKNOWN): check the tag; crane ls cgr.dev/acme.com/python lists its tags',
    })
    expect(manifestFailure(404, '', true, byDigest, oidc).detail).toBe(
      `acme.com/python has no manifest sha256:${'0'.repeat(64)} (MANIFEST_UNKNOWN): check the digest; crane ls cgr.dev/acme.com/python lists its tags`,
    )
    expect(manifestFailure(404, '', undefined, python, oidc)).toEqual({
      kind: 'not found',
      detail: 'no such repository or tag on cgr.dev (HTTP 404): check the name, and that it has been added to organization acme.com',
    })
  })

  it('without an organization in the name, says what to check in general', () => {
    const bare = parseReference('python', 'cgr.dev')
    expect(manifestFailure(403, '', undefined, bare, oidc).detail).toMatch(
      /check its registry\.pull role and the organization's entitlements$/,
    )
    expect(manifestFailure(404, '', false, bare, oidc).detail).toBe('no repository python on cgr.dev (NAME_UNKNOWN): check the name')
  })

  it('429 and 5xx after retries: unreachable; anything else: unexpected', () => {
    expect(manifestFailure(502, '', undefined, python, oidc)).toEqual({
      kind: 'registry unreachable',
      detail: 'cgr.dev answered HTTP 502 after retries',
    })
    expect(manifestFailure(429, '', undefined, python, oidc).kind).toBe('registry unreachable')
    expect(manifestFailure(500, '', undefined, python, oidc).kind).toBe('registry unreachable')
    expect(manifestFailure(499, '', undefined, python, oidc).kind).toBe('unexpected answer')
    expect(manifestFailure(405, '', undefined, python, oidc)).toEqual({
      kind: 'unexpected answer',
      detail: 'cgr.dev answered HTTP 405 for the manifest',
    })
  })
})

it('GET /v2/ that is no challenge: unreachable on 5xx, else unexpected', () => {
  expect(challengeFailure(503, '', oidc)).toEqual({ kind: 'registry unreachable', detail: 'cgr.dev answered HTTP 503 after retries' })
  expect(challengeFailure(404, '', oidc)).toEqual({
    kind: 'unexpected answer',
    detail: 'cgr.dev/v2/ answered HTTP 404 with no challenge: not a registry this check can speak to',
  })
  expect(challengeFailure(401, 'negotiate', oidc).detail).toMatch(/with a negotiate challenge/)
})

it('lists every failing image, one line each, under one heading', () => {
  const hello = parseReference('cgr.dev/chainguard/hello:nope', 'cgr.dev')
  expect(
    describeFailures(
      [
        [python, { kind: 'denied', detail: 'd' }],
        [hello, { kind: 'not found', detail: 'n' }],
      ],
      5,
      oidc,
    ),
  ).toBe(
    `2 of 5 image(s) cannot be pulled from cgr.dev as ${ID}:\n  acme.com/python:3.12-dev: denied: d\n  cgr.dev/chainguard/hello:nope: not found: n`,
  )
})
