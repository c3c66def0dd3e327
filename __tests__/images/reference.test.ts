import {
  BadReference,
  fullName,
  manifestRef,
  MAX_IMAGES,
  organizationOf,
  parseReference,
  parseReferences,
} from '../../src/images/reference.js'

const D = `sha256:${'ab'.repeat(32)}`
const parse = (ref: string, registry = 'cgr.dev') => parseReference(ref, registry)
const error = (ref: string, registry = 'cgr.dev') => {
  try {
    parseReference(ref, registry)
  } catch (err) {
    expect(err).toBeInstanceOf(BadReference)
    return (err as Error).message
  }
  throw new Error(`${ref} parsed`)
}

describe('parseReference', () => {
  it('takes a reference without a host as one in the registry logged in to, latest by default', () => {
    expect(parse('acme.com/python')).toEqual({
      written: 'acme.com/python',
      registry: 'cgr.dev',
      repository: 'acme.com/python',
      tag: 'latest',
    })
    expect(parse('acme.com/python:3.12-dev')).toMatchObject({ repository: 'acme.com/python', tag: '3.12-dev', digest: undefined })
    expect(parse('chainguard/hello')).toMatchObject({ registry: 'cgr.dev', repository: 'chainguard/hello', tag: 'latest' })
  })

  it('strips the registry host when it is written, in any case', () => {
    expect(parse('cgr.dev/acme.com/python:3.12-dev')).toEqual({
      written: 'cgr.dev/acme.com/python:3.12-dev',
      registry: 'cgr.dev',
      repository: 'acme.com/python',
      tag: '3.12-dev',
      digest: undefined,
    })
    expect(parse('CGR.dev/acme.com/python')).toMatchObject({ repository: 'acme.com/python' })
  })

  it('takes digests, alone or with a tag, and asks for the digest', () => {
    const byDigest = parse(`acme.com/python@${D}`)
    expect(byDigest).toMatchObject({ repository: 'acme.com/python', tag: undefined, digest: D })
    expect(manifestRef(byDigest)).toBe(D)
    const both = parse(`cgr.dev/acme.com/python:3.12@${D}`)
    expect(both).toMatchObject({ tag: '3.12', digest: D })
    expect(manifestRef(both)).toBe(D)
    expect(fullName(both)).toBe(`cgr.dev/acme.com/python:3.12@${D}`)
    expect([fullName(parse(`o/i@${D}`)), fullName(parse('o/i'))]).toEqual([`cgr.dev/o/i@${D}`, 'cgr.dev/o/i:latest'])
    expect(manifestRef(parse('acme.com/python:3.12'))).toBe('3.12')
  })

  it('understands ports: a registry with one, and a tag after it', () => {
    expect(parse('localhost:5000/team/app:1.2', 'localhost:5000')).toMatchObject({
      registry: 'localhost:5000',
      repository: 'team/app',
      tag: '1.2',
    })
    expect(parse('localhost:5000/app', 'localhost:5000')).toMatchObject({ repository: 'app', tag: 'latest' })
    expect(parse('reg.example.com:8443/a/b@' + D, 'reg.example.com:8443')).toMatchObject({ repository: 'a/b', digest: D })
  })

  it('takes sha384 and sha512 digests, as go-digest registers them', () => {
    expect(parse(`o/i@sha384:${'ab'.repeat(48)}`).digest).toBe(`sha384:${'ab'.repeat(48)}`)
    expect(parse(`o/i:1@sha512:${'ab'.repeat(64)}`)).toMatchObject({ tag: '1', digest: `sha512:${'ab'.repeat(64)}` })
  })

  it('accepts the separators and tag characters of the grammar', () => {
    expect(parse('a_b/c__d/e-f/g--h/i.j:V1_x.y-z')).toMatchObject({ repository: 'a_b/c__d/e-f/g--h/i.j', tag: 'V1_x.y-z' })
    expect(parse(`o/i:${'t'.repeat(128)}`).tag).toHaveLength(128)
  })

  it('refuses uppercase repository names', () => {
    expect(error('Acme.com/python')).toBe('repository names must be lowercase')
    expect(error('cgr.dev/acme.com/Python:3.12')).toBe('repository names must be lowercase')
  })

  it('refuses another registry it would have to send the credentials to', () => {
    expect(error('localhost:5000/app')).toBe(
      "it names registry localhost:5000, but only cgr.dev (the 'registry' input) is logged in to and can be checked",
    )
    expect(error('localhost/app')).toMatch(/^it names registry localhost, /)
    // A dotted first component that is not the registry is an organization, as in acme.com/python.
    expect(parse('cgr.dev/app', 'localhost:5000')).toMatchObject({ registry: 'localhost:5000', repository: 'cgr.dev/app' })
  })

  it('refuses the registry host alone, with or without a port: it names no repository', () => {
    const message = /^it names only the registry: add the repository, as in cgr\.dev\/<organization>\/<image>$/
    for (const ref of ['cgr.dev', 'CGR.DEV', 'cgr.dev:443', `cgr.dev@${D}`]) expect(error(ref)).toMatch(message)
    expect(error('localhost:5000', 'localhost:5000')).toMatch(/^it names only the registry: /)
    // A one-component repository is still one: some registries have them.
    expect(parse('python')).toMatchObject({ repository: 'python', tag: 'latest' })
  })

  it('refuses 64 hex digits alone, an image ID as docker reads it, and takes them anywhere else', () => {
    const id = 'ab'.repeat(32)
    expect(error(id)).toBe('64 hex digits alone are an image ID, not a repository name')
    expect(parse(`${id}:1`)).toMatchObject({ repository: id, tag: '1' })
    expect(parse(`o/${id}`)).toMatchObject({ repository: `o/${id}` })
    expect(parse(`${id}a`).repository).toHaveLength(65)
    expect(parse(id.slice(1)).repository).toHaveLength(63)
  })

  it('takes names up to 255 characters with the registry, and a repository named localhost', () => {
    // cgr.dev (7) + / (1) + 247 = 255.
    expect(parse(`o/${'i'.repeat(245)}`).repository).toHaveLength(247)
    expect(error(`o/${'i'.repeat(246)}`)).toMatch(/^a repository name is at most 255 characters/)
    expect(parse('localhost')).toMatchObject({ repository: 'localhost', tag: 'latest' })
  })

  it.each([
    ['a bad tag', 'o/i:-x', /^a tag is up to 128/],
    ['a tag too long', `o/i:${'t'.repeat(129)}`, /^a tag is up to 128/],
    ['an empty tag', 'o/i:', /^a tag is up to 128/],
    ['a short digest', 'o/i@sha256:abc', /^a digest is sha256:/],
    ['an uppercase digest', `o/i@sha256:${'AB'.repeat(32)}`, /^a digest is sha256:/],
    ['an unregistered algorithm', `o/i@md5:${'ab'.repeat(16)}`, /^a digest is sha256:, sha384: or sha512:/],
    ['a sha512 digest of sha256 length', `o/i@sha512:${'ab'.repeat(32)}`, /^a digest is sha256:, sha384: or sha512:/],
    ['a non-ASCII letter that lower-cases to ASCII', 'cgr.dev/acme/\u212Aube', /^a reference is ASCII/],
    ['a registry written with one', 'cgr.de\u0475/acme/x', /^a reference is ASCII/],
    ['two digests', `o/i@${D}@${D}`, /at most one '@'/],
    ['an empty component', 'o//i', /^a repository path is lowercase/],
    ['a leading separator', 'o/-i', /^a repository path is lowercase/],
    ['a trailing slash', 'cgr.dev/o/', /^a repository path is lowercase/],
    ['a host alone', 'cgr.dev/', /^a repository path is lowercase/],
    ['only a tag', ':latest', /^a repository path is lowercase/],
    ['a space', 'o/i x', /^it has whitespace inside/],
    ['a tab', 'acme.com/python\t3.12', /^it has whitespace inside/],
    ['a shell metacharacter', 'o/$(id)', /^a repository path is lowercase/],
    ['a name too long', `o/${'i'.repeat(260)}`, /^a repository name is at most 255/],
    // Anchors: a digest, tag or component with anything before or after it goes into a URL path.
    ['a digest with a path after it', `o/i@${D}/../../x`, /^a digest is sha256:/],
    ['a digest of 65 hex digits', `o/i@${D}a`, /^a digest is sha256:/],
    ['a digest with a prefix', `o/i@xsha256:${'ab'.repeat(32)}`, /^a digest is sha256:/],
    ['a tag with a trailing character outside the grammar', 'o/i:1.0%2f..', /^a tag is up to 128/],
    ['a component with a trailing separator', 'o/i-', /^a repository path is lowercase/],
    ['a component with a leading dot', 'o/.i', /^a repository path is lowercase/],
    ['a component with a dot and a dash together', 'o/a.-b', /^a repository path is lowercase/],
    ['a component with three underscores', 'o/a___b', /^a repository path is lowercase/],
  ])('refuses %s', (_name, ref, message) => {
    expect(error(ref)).toMatch(message)
  })
})

describe('parseReferences', () => {
  it('splits on newlines and commas, keeps order and drops repeats', () => {
    const refs = parseReferences(
      'acme.com/python:3.12\n cgr.dev/acme.com/python:3.12-dev,chainguard/hello\n\nacme.com/python:3.12\n',
      'cgr.dev',
    )
    expect(refs.map((r) => r.written)).toEqual(['acme.com/python:3.12', 'cgr.dev/acme.com/python:3.12-dev', 'chainguard/hello'])
    expect(parseReferences('', 'cgr.dev')).toEqual([])
  })

  it('splits only on newlines and commas, trimming each item of any whitespace', () => {
    const refs = parseReferences('\uFEFF acme.com/python:3.12\u00A0, \tchainguard/hello\u2028\r\n', 'cgr.dev')
    expect(refs.map((r) => r.written)).toEqual(['acme.com/python:3.12', 'chainguard/hello'])
  })

  it('names an item with whitespace inside as one bad reference, not two images', () => {
    for (const list of ['acme.com/python 3.12', 'acme.com/python\u00A03.12', 'acme.com/python\u20283.12']) {
      expect(() => parseReferences(list, 'cgr.dev')).toThrow(
        /^has an invalid image reference "acme\.com\/python.+3\.12": it has whitespace inside/s,
      )
    }
  })

  it('names the bad reference and the form expected, on one line', () => {
    expect(() => parseReferences('acme.com/python\nAcme.com/Python:3.12', 'cgr.dev')).toThrow(
      new BadReference(
        'has an invalid image reference "Acme.com/Python:3.12": repository names must be lowercase (expected [cgr.dev/]<organization>/<image>[:<tag>][@sha256:<64 hex>])',
      ),
    )
  })

  it('caps the number of images', () => {
    const many = Array.from({ length: MAX_IMAGES + 1 }, (_, i) => `o/i:${i}`).join('\n')
    expect(() => parseReferences(many, 'cgr.dev')).toThrow(`lists ${MAX_IMAGES + 1} images; at most ${MAX_IMAGES} can be checked`)
    expect(parseReferences(many.slice(0, many.lastIndexOf('\n')), 'cgr.dev')).toHaveLength(MAX_IMAGES)
  })

  it('shows a bad reference of up to 80 characters whole, and a longer one cut', () => {
    const bad = (length: number) => `O/${'i'.repeat(length - 2)}`
    expect(() => parseReferences(bad(80), 'cgr.dev')).toThrow(`reference "${bad(80)}": repository names`)
    expect(() => parseReferences(bad(81), 'cgr.dev')).toThrow(`reference "${bad(81).slice(0, 80)}...": repository names`)
  })
})

it('takes the organization from the first path component', () => {
  expect(organizationOf('acme.com/python')).toBe('acme.com')
  expect(organizationOf('acme.com/tools/python')).toBe('acme.com')
  expect(organizationOf('python')).toBeUndefined()
})
