// Stand-in for https://dl.<env>/chainctl: metadata.json naming the latest version, per-platform
// binaries (the fake chainctl script) and sha256sum-format checksums, with scriptable faults.
// /mirror/chainctl is a mirror with other bytes (its chainctl says "<version>-mirror") and
// checksums that match them.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { json, serve, type Listen, type Running } from './http.ts'
import { ROOT } from './runner.ts'

export const VERSIONS = ['0.2.50', '0.2.51']
export const LATEST = '0.2.51'
export const FILES = ['linux_x86_64', 'linux_arm64', 'darwin_x86_64', 'darwin_arm64', 'windows_x86_64.exe', 'windows_arm64.exe'].map(
  (p) => `chainctl_${p}`,
)

export interface Downloads extends Running {
  /** Every path asked for. */
  requests: string[]
  /** Serve binaries with bytes that do not match the checksums. */
  tamper: boolean
  /** Statuses to answer the next requests with. */
  faults: number[]
  /** Pad binaries to this many bytes, to measure installs of a real-sized chainctl. */
  size: number
}

const script = readFileSync(join(ROOT, 'test/sandbox/fake-chainctl.sh'), 'utf8')
const made = new Map<string, { data: Buffer; sha256: string }>()
/** The fake chainctl of `version` (the mirror's, with `mirror`), padded with a trailing shell comment up to `size` bytes. */
function binary(version: string, size: number, mirror: boolean): { data: Buffer; sha256: string } {
  const key = `${version}/${size}/${mirror}`
  if (!made.has(key)) {
    const text = Buffer.from(script.replace('__VERSION__', mirror ? `${version}-mirror` : version))
    const data =
      size > text.length + 2 ? Buffer.concat([text, Buffer.from('#'), Buffer.alloc(size - text.length - 2, 'x'), Buffer.from('\n')]) : text
    made.set(key, { data, sha256: createHash('sha256').update(data).digest('hex') })
  }
  return made.get(key)!
}

export async function startDownloads(where: Listen): Promise<Downloads> {
  const running = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    d.requests.push(path)
    const fault = d.faults.shift()
    if (fault) return json(res, fault, { message: 'fault' })
    const m = /^\/(mirror\/)?chainctl\/([^/]+)\/([^/]+)$/.exec(path)
    if (m && m[2] === 'latest' && m[3] === 'metadata.json') return json(res, 200, { version: LATEST, updated: '2026-11-20T00:00:00Z' })
    if (!m || !VERSIONS.includes(m[2])) return json(res, 404, { message: 'not found' })
    const [, mirror, version, file] = m
    if (file === 'chainctl_checksums.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end(FILES.map((f) => `${binary(version, d.size, !!mirror).sha256}  ${f}\n`).join(''))
      return
    }
    if (!FILES.includes(file)) return json(res, 404, { message: 'not found' })
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
    const { data } = binary(version, d.size, !!mirror)
    res.end(d.tamper ? Buffer.concat([data, Buffer.from('\necho tampered\n')]) : data)
  }, where)
  const d: Downloads = { ...running, requests: [], tamper: false, faults: [], size: 0 }
  return d
}
