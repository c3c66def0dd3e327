// parseReference against distribution/reference v0.6 (regexp.go, normalize.go) and go-digest, as
// docker reads a reference (ParseDockerRef -> ParseNormalizedNamed), with the registry logged in
// to as the default domain. The grammar is encoded here from that source; a generated corpus must
// give the same verdict from both, except the refusals docs/troubleshooting.md names on purpose.
import { parseReference } from '../../src/images/reference.js'
import { seeded } from '../../test/bench/matrix.ts' // mulberry32: a disagreement can be replayed

const REGISTRY = 'cgr.dev'
const alphanumeric = '[a-z0-9]+'
const separator = '(?:[._]|__|[-]+)'
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`
const host = `(?:${domainName}|\\[(?:[a-fA-F0-9:]+)\\])`
const domainAndPort = `${host}(?::[0-9]+)?`
const namePat = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`
const tag = '[\\w][\\w.-]{0,127}'
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}'
const REFERENCE = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`)
/** go-digest: the registered algorithms (sha256, sha384, sha512), each its exact lowercase hex length. */
const GO_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/

/** reference.ParseNormalizedNamed(s) succeeds, with REGISTRY as the default domain (no library/ prefix: docker.io's only). */
function distributionAccepts(s: string): boolean {
  if (/^[a-f0-9]{64}$/.test(s)) return false // anchoredIdentifierRegexp
  const i = s.indexOf('/')
  const first = i === -1 ? '' : s.slice(0, i)
  const isDomain = i !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)
  const [domain, remainder] = isDomain ? [first, s.slice(i + 1)] : [REGISTRY, s]
  const colon = remainder.indexOf(':')
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder
  if (remote.toLowerCase() !== remote) return false
  const m = REFERENCE.exec(`${domain}/${remainder}`)
  if (!m || m[1].length > 255) return false // NameTotalLengthMax
  return m[3] === undefined || GO_DIGEST.test(m[3])
}

/** The refusals on purpose: another registry (a port, localhost, an IPv6 or uppercase host), or the registry alone. */
function refusedOnPurpose(s: string): boolean {
  const name = s.split('@')[0]
  const i = name.indexOf('/')
  if (i === -1) return [REGISTRY].includes(name.replace(/:[^:]*$/, '').toLowerCase())
  const first = name.slice(0, i)
  return first.toLowerCase() !== REGISTRY && (first.includes(':') || first === 'localhost' || first.toLowerCase() !== first)
}

function oursAccepts(s: string): boolean {
  try {
    parseReference(s, REGISTRY)
    return true
  } catch {
    return false
  }
}

const FRAGMENTS = [
  ...'abcxyz0189AZ._-/:@[]',
  '__',
  '--',
  'acme',
  'acme.com',
  'cgr.dev',
  'CGR.DEV',
  'localhost',
  ':5000',
  '[::1]',
  'latest',
  'v1.2.3',
  ' ',
  '\t',
  '\u00A0',
  '\u212A',
  '\u0131',
  '$(id)',
  `sha256:${'ab'.repeat(32)}`,
  `sha384:${'cd'.repeat(48)}`,
  `sha512:${'ef'.repeat(64)}`,
  `sha256:${'AB'.repeat(32)}`,
  `md5:${'ab'.repeat(16)}`,
  'a'.repeat(64),
  'x'.repeat(130),
]

function generate(random: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]
  if (random() < 0.5) {
    // Well-formed shapes with one mutation now and then.
    const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
      pick(['acme', 'acme.com', 'a_b', 'a__b', 'a--b', 'py-thon', 'x1']),
    )
    let s = `${pick(['', '', 'cgr.dev/', 'CGR.dev/', 'localhost:5000/', 'acme.com:443/', '[::1]/', 'Acme.com/'])}${parts.join('/')}`
    if (random() < 0.5) s += `:${pick(['latest', '3.12', 'V1_x.y-z', '-bad', '', 't'.repeat(128), 't'.repeat(129)])}`
    if (random() < 0.3) s += `@${pick(FRAGMENTS.filter((f) => f.includes(':') && f.length > 20))}`
    if (random() < 0.3) {
      const at = Math.floor(random() * (s.length + 1))
      s = s.slice(0, at) + pick(FRAGMENTS) + s.slice(at)
    }
    return s
  }
  return Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(FRAGMENTS)).join('')
}

it('agrees with distribution/reference on 50,000 generated references, but for the refusals on purpose', () => {
  const random = seeded(21)
  const table: string[] = []
  let [valid, refused] = [0, 0]
  for (let n = 0; n < 50_000; n++) {
    const s = generate(random)
    const [theirs, ours] = [distributionAccepts(s), oursAccepts(s)]
    if (theirs) valid++
    if (theirs === ours) continue
    if (theirs && refusedOnPurpose(s)) {
      refused++
      continue
    }
    table.push(`${JSON.stringify(s)}: distribution ${theirs ? 'accepts' : 'refuses'}, parseReference ${ours ? 'accepts' : 'refuses'}`)
  }
  expect(table.slice(0, 20)).toEqual([])
  expect(valid).toBeGreaterThan(10_000) // the corpus is not all noise
  expect(refused).toBeGreaterThan(100) // and the refusals on purpose were met
})
