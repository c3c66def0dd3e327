// Pure parsing of image references, per the distribution reference grammar, in the one registry
// the action logged in to.

export interface ImageRef {
  /** As the user wrote it: the key of the digests output. */
  written: string
  /** host[:port] */
  registry: string
  /** The repository path in the registry, e.g. acme.com/python. */
  repository: string
  /** Absent only when a digest is given. */
  tag?: string
  digest?: string
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^\w[\w.-]{0,127}$/
/** go-digest's registered algorithms, each with its hex length. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/
/** The most images one step checks: a job pulls a handful, a matrix a few dozen. */
export const MAX_IMAGES = 256

/** What a manifest request asks for: the digest when there is one (as a pull by digest does), else the tag. */
export const manifestRef = (image: ImageRef): string => image.digest ?? image.tag ?? 'latest'

/** registry/repository:tag@digest, in full. */
export function fullName(image: ImageRef): string {
  return `${image.registry}/${image.repository}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`
}

/** The organization of a cgr.dev repository: its first path component. */
export const organizationOf = (repository: string): string | undefined => (repository.includes('/') ? repository.split('/')[0] : undefined)

export class BadReference extends Error {}

/**
 * Parses `[host[:port]/]path[:tag][@<algorithm>:<hex>]` as distribution/reference v0.6 and
 * go-digest read it. The first component is the registry only
 * when it is `registry` (the host logged in to): Chainguard organization names look like host
 * names (acme.com/python), so a dotted first component is the organization. A first component
 * that can only be a host (a port, or localhost) but is not `registry` is refused: checking it
 * would send the login's credentials to a registry the action did not log in to.
 */
export function parseReference(written: string, registry: string): ImageRef {
  const bad = (why: string): never => {
    throw new BadReference(why)
  }
  if (/\s/.test(written)) bad('it has whitespace inside: references are separated by newlines or commas')
  // Before anything is lower-cased: some non-ASCII letters lower-case to ASCII ones (U+212A to k).
  if (/[^\x21-\x7e]/.test(written)) bad('a reference is ASCII letters, digits and . _ - / : @ only')
  // As docker refuses it: 64 hex digits alone read as an image ID, not a name.
  if (/^[a-f0-9]{64}$/.test(written)) bad('64 hex digits alone are an image ID, not a repository name')
  const [rest, digest, ...more] = written.split('@')
  if (more.length > 0) bad("a reference has at most one '@'")
  if (digest !== undefined && !DIGEST.test(digest)) {
    bad('a digest is sha256:, sha384: or sha512: followed by 64, 96 or 128 lowercase hex digits')
  }

  const slash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  const name = colon > slash ? rest.slice(0, colon) : rest
  const tag = colon > slash ? rest.slice(colon + 1) : undefined
  if (tag !== undefined && !TAG.test(tag)) bad('a tag is up to 128 letters, digits, _ . and -, not starting with . or -')

  const parts = name.split('/')
  // `cgr.dev` or `cgr.dev:443` alone would otherwise read as a repository named cgr.dev.
  const hosts = [registry, registry.split(':')[0]]
  if (parts.length === 1 && [name, rest].some((n) => hosts.includes(n.toLowerCase()))) {
    bad(`it names only the registry: add the repository, as in ${registry}/<organization>/<image>`)
  }
  let path = parts
  if (parts.length > 1 && parts[0].toLowerCase() === registry) path = parts.slice(1)
  else if (parts.length > 1 && (parts[0].includes(':') || parts[0] === 'localhost')) {
    bad(`it names registry ${parts[0]}, but only ${registry} (the 'registry' input) is logged in to and can be checked`)
  }
  if (path.some((p) => p.toLowerCase() !== p)) bad('repository names must be lowercase')
  if (!path.every((p) => COMPONENT.test(p))) {
    bad('a repository path is lowercase letters and digits, separated by / and single . _ __ or dashes')
  }
  const repository = path.join('/')
  if (registry.length + 1 + repository.length > 255) bad('a repository name is at most 255 characters with the registry')
  return { written, registry, repository, tag: tag ?? (digest ? undefined : 'latest'), digest }
}

/**
 * A newline- or comma-separated list, each item trimmed, each reference once, in the order given.
 * Errors read as the rest of a sentence about the input: `has an invalid image reference "X": why (expected ...)`.
 */
export function parseReferences(list: string, registry: string): ImageRef[] {
  const written = [
    ...new Set(
      list
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ]
  if (written.length > MAX_IMAGES) throw new BadReference(`lists ${written.length} images; at most ${MAX_IMAGES} can be checked`)
  return written.map((w) => {
    try {
      return parseReference(w, registry)
    } catch (err) {
      const shown = JSON.stringify(w.length > 80 ? `${w.slice(0, 80)}...` : w)
      const expected = `[${registry}/]<organization>/<image>[:<tag>][@sha256:<64 hex>]`
      throw new BadReference(`has an invalid image reference ${shown}: ${(err as Error).message} (expected ${expected})`)
    }
  })
}
