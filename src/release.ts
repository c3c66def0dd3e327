// Pure facts about chainctl releases: file names per platform and the checksums file.

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
