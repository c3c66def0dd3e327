// Stand-in for https://dl.<env>/chainctl: metadata.json naming the latest version, per-platform
// binaries (the fake chainctl script) and sha256sum-format checksums, with scriptable faults.
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
}

const script = readFileSync(join(ROOT, 'test/sandbox/fake-chainctl.sh'), 'utf8')
export const binary = (version: string) => Buffer.from(script.replace('__VERSION__', version))
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

export async function startDownloads(where: Listen): Promise<Downloads> {
  const running = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    d.requests.push(path)
    const fault = d.faults.shift()
    if (fault) return json(res, fault, { message: 'fault' })
    if (path === '/chainctl/latest/metadata.json') return json(res, 200, { version: LATEST, updated: '2026-11-20T00:00:00Z' })
    const m = /^\/chainctl\/([^/]+)\/([^/]+)$/.exec(path)
    if (!m || !VERSIONS.includes(m[1])) return json(res, 404, { message: 'not found' })
    const [, version, file] = m
    if (file === 'chainctl_checksums.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end(FILES.map((f) => `${sha256(binary(version))}  ${f}\n`).join(''))
      return
    }
    if (!FILES.includes(file)) return json(res, 404, { message: 'not found' })
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
    res.end(d.tamper ? Buffer.concat([binary(version), Buffer.from('\necho tampered\n')]) : binary(version))
  }, where)
  const d: Downloads = { ...running, requests: [], tamper: false, faults: [] }
  return d
}
