// The registry behind cgr.dev's stand-in: Debian's docker-registry on a free loopback port, with
// token auth that trusts the tokens the front (registry.ts) signs.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, openSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'

/** The issuer of the registry tokens the front hands out and the backend accepts. */
export const TOKEN_ISSUER = 'sandbox-cgr-token'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
    s.once('error', reject)
  })
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) }) // a backend that takes the connection but never answers
      return
    } catch {
      if (Date.now() > until) throw new Error(`registry did not start at ${url}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/**
 * Starts docker-registry with its storage under `dataDir` (log in registry.log), sending clients
 * for tokens to `realm`; resolves with its URL once it answers.
 */
export async function startBackend(o: { dataDir: string; realm: string; service: string; tokenCert: string }): Promise<{
  url: string
  process: ChildProcess
}> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  mkdirSync(join(o.dataDir, 'storage'), { recursive: true })
  const config = join(o.dataDir, 'config.yml')
  writeFileSync(
    config,
    `version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: ${join(o.dataDir, 'storage')} }, delete: { enabled: true } }
http: { addr: 127.0.0.1:${port}, secret: sandbox-${randomUUID()} }
auth:
  token: { realm: "${o.realm}", service: "${o.service}", issuer: ${TOKEN_ISSUER}, rootcertbundle: ${o.tokenCert} }
`,
  )
  const log = openSync(join(o.dataDir, 'registry.log'), 'a')
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`docker-registry exited with ${code}; see ${o.dataDir}/registry.log`))),
  )
  await Promise.race([waitFor(`${url}/v2/`, 10_000), exited])
  exited.catch(() => undefined)
  return { url, process: child }
}
