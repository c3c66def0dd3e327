// Pure facts about chainctl releases: file names per platform, the checksums file, and the
// tool-cache name of a download source.
import { createHash } from 'node:crypto'

const OS: Record<string, string> = { Linux: 'linux', macOS: 'darwin', Windows: 'windows' }
const ARCH: Record<string, string> = { X64: 'x86_64', ARM64: 'arm64' }

export class ReleaseError extends Error {}

/** The release file for a runner, from RUNNER_OS / RUNNER_ARCH: e.g. chainctl_darwin_arm64. */
export function assetName(runnerOs: string, runnerArch: string): string {
  const os = OS[runnerOs]
  const arch = ARCH[runnerArch]
  if (!os || !arch) {
    throw new ReleaseError(
      `chainctl is published for Linux, macOS and Windows on X64 and ARM64, not ${runnerOs || '?'}/${runnerArch || '?'}`,
    )
  }
  return `chainctl_${os}_${arch}${os === 'windows' ? '.exe' : ''}`
}

/**
 * The release files that run on a runner, best first. Windows on ARM64 also runs x86_64 programs
 * (emulated), and Chainguard's install guide names only chainctl_windows_x86_64.exe for Windows.
 */
export function assetNames(runnerOs: string, runnerArch: string): string[] {
  const file = assetName(runnerOs, runnerArch)
  return runnerOs === 'Windows' && runnerArch === 'ARM64' ? [file, assetName('Windows', 'X64')] : [file]
}

/** The first of `files` the checksums list, with its sha256. */
export function firstListed(checksums: string, files: string[]): { file: string; sha256: string } | undefined {
  for (const file of files) {
    const sha256 = checksumFor(checksums, file)
    if (sha256) return { file, sha256 }
  }
  return undefined
}

/** The sha256 listed for `file` in a sha256sum-format checksums file. */
export function checksumFor(checksums: string, file: string): string | undefined {
  for (const line of checksums.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *]?(\S+)\s*$/i.exec(line.trim())
    if (m && m[2] === file) return m[1].toLowerCase()
  }
  return undefined
}

/** The version from latest/metadata.json, if it is a plain X.Y.Z. */
export function versionFromMetadata(metadata: Record<string, unknown> | undefined): string | undefined {
  const v = metadata?.version
  return typeof v === 'string' && /^v?\d+\.\d+\.\d+$/.test(v) ? v.replace(/^v/, '') : undefined
}

/**
 * The tool-cache name for chainctl from `downloadUrl`: chainctl-<host>-<12 hex of the URL's
 * sha256>. A mirror's binary never serves a job downloading from elsewhere, and the folder still
 * says where it came from.
 */
export function toolCacheName(downloadUrl: string): string {
  const host = new URL(downloadUrl).hostname.replace(/[^a-z0-9.-]/g, '-')
  return `chainctl-${host}-${createHash('sha256').update(downloadUrl).digest('hex').slice(0, 12)}`
}
