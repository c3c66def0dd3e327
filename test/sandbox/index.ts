// Starts the whole sandbox in one call: GitHub's OIDC provider, the Chainguard STS, cgr.dev, the
// chainctl downloads and Chainguard Libraries, each on its real host name (see hosts and netns.sh) with TLS from the
// sandbox CA.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDownloads, type Downloads } from './downloads.ts'
import { GITHUB_ISSUER, startGitHubOidc, type GitHubOidc, type Job } from './github.ts'
import { now, sign } from './jwt.ts'
import { newWire, type Wire } from './http.ts'
import { startLibraries, type Libraries } from './libraries.ts'
import { ensurePki, read, type Pki } from './pki.ts'
import { startRegistry, type Registry } from './registry.ts'
import { ROOT, scratchDir } from './runner.ts'
import { startSts, type Sts, type StsOptions } from './sts.ts'

/** An identity that trusts pushes and PRs of acme/app on any branch. */
export const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
/** An identity bound to another repository: a claim-match failure for acme/app jobs. */
export const OTHER_IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/0badc0ffee000001'
/** A pull token's identity. */
export const PULL_IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/9f1e2d3c4b5a6978'
export const JOB: Job = { repository: 'acme/app', ref: 'refs/heads/main' }

export interface Sandbox {
  pki: Pki
  github: GitHubOidc
  sts: Sts
  registry: Registry
  downloads: Downloads
  libraries: Libraries
  /** Every stand-in's per-request delay, and the requests they served. */
  wire: Wire
  pullToken: string
  /** Every secret the sandbox handed out so far, for leak scans. */
  secrets(): string[]
  stop(): Promise<void>
}

/** Loopback address of a host name, from the namespace's hosts file. */
export function addressOf(name: string): string {
  const line = readFileSync(join(ROOT, 'test/sandbox/hosts'), 'utf8')
    .split('\n')
    .find((l) => l.split(/\s+/).slice(1).includes(name))
  if (!line) throw new Error(`${name} is not in test/sandbox/hosts`)
  return line.split(/\s+/)[0]
}

export type SandboxOptions = Partial<Pick<StsOptions, 'ttl' | 'maxInFlight' | 'latencyMs'>> & {
  /** Added before every answer of every stand-in (a WAN round trip); sb.wire changes it later. */
  delayMs?: number
}

export async function startSandbox({ delayMs = 0, ...opts }: SandboxOptions = {}): Promise<Sandbox> {
  const pki = ensurePki(join(ROOT, '.sandbox/pki'))
  const tls = { key: read(pki.tlsKey), cert: read(pki.tlsCert) }
  const wire = { ...newWire(), delayMs }
  const at = (name: string) => ({ host: addressOf(name), name, port: 443, tls, wire })

  const github = await startGitHubOidc({ host: '127.0.0.1', port: 0, tls, wire }, JOB)
  const sts = await startSts(at('issuer.enforce.dev'), {
    issuer: 'https://issuer.enforce.dev',
    trust: { [GITHUB_ISSUER]: github.jwks },
    identities: {
      [IDENTITY]: { issuer: GITHUB_ISSUER, subjectPattern: 'repo:acme/app:(ref:refs/heads/.+|pull_request)' },
      [OTHER_IDENTITY]: { issuer: GITHUB_ISSUER, subject: 'repo:acme/other:ref:refs/heads/main' },
    },
    ...opts,
  })
  const t = now()
  const pullToken = sign(sts.signer, { iss: 'https://issuer.enforce.dev', sub: PULL_IDENTITY, aud: 'cgr.dev', iat: t, exp: t + 30 * 86400 })
  const registry = await startRegistry(at('cgr.dev'), {
    service: 'cgr.dev',
    pki,
    dataDir: scratchDir('cgr-'),
    stsIssuer: 'https://issuer.enforce.dev',
    stsKeys: sts.jwks,
    pullTokens: { [PULL_IDENTITY]: pullToken },
  })
  const downloads = await startDownloads(at('dl.enforce.dev'))
  const libraries = await startLibraries(at('libraries.cgr.dev'), sts.jwks)
  return {
    pki,
    github,
    sts,
    registry,
    downloads,
    libraries,
    wire,
    pullToken,
    secrets: () => [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, pullToken, ...github.issued, ...sts.issued, ...registry.issued],
    stop: async () => {
      await Promise.all([github.close(), sts.close(), registry.close(), downloads.close(), libraries.close()])
    },
  }
}
