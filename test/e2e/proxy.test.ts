// The OIDC, STS and download requests honour https_proxy / no_proxy: a real proxy (tinyproxy)
// in the sandbox logs the CONNECTs it carries.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY, startSandbox, type Sandbox } from '../sandbox/index.ts'
import { runStep, scratchDir, stopProcess } from '../sandbox/runner.ts'
import { job } from './helpers.ts'

const PROXY = 'http://127.0.0.1:8888'
let sb: Sandbox
let proxy: ChildProcess
let log: string

beforeAll(async () => {
  sb = await startSandbox()
  const dir = scratchDir('tinyproxy-')
  log = join(dir, 'tinyproxy.log')
  const conf = join(dir, 'tinyproxy.conf')
  writeFileSync(
    conf,
    [
      'User root',
      'Group root',
      'Port 8888',
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${log}"`,
      'LogLevel Connect',
      'Allow 127.0.0.1',
      'ConnectPort 443',
    ].join('\n'),
  )
  proxy = spawn('tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' })
  for (let i = 0; i < 100 && !(existsSync(log) && readFileSync(log, 'utf8').includes('listening')); i++)
    await new Promise((r) => setTimeout(r, 50))
})
afterAll(async () => {
  await stopProcess(proxy)
  await sb.stop()
})

const connects = () => [...readFileSync(log, 'utf8').matchAll(/CONNECT (\S+) HTTP/g)].map((m) => m[1])

it('sends the STS and download requests through https_proxy', async () => {
  const before = connects().length
  const j = job(sb)
  Object.assign(j.env, { https_proxy: PROXY, HTTPS_PROXY: PROXY })
  const main = await runStep(j, 'main', { identity: IDENTITY, version: '0.2.50' })
  expect(main.code).toBe(0)
  const seen = connects().slice(before)
  expect(seen).toEqual(expect.arrayContaining(['issuer.enforce.dev:443', 'dl.enforce.dev:443']))
  // The runner's OIDC endpoint is on loopback here, which http-client never proxies.
  await runStep(j, 'post')
})

it('bypasses the proxy for no_proxy hosts', async () => {
  const before = connects().length
  const j = job(sb)
  Object.assign(j.env, { https_proxy: PROXY, no_proxy: 'issuer.enforce.dev,dl.enforce.dev,cgr.dev' })
  const main = await runStep(j, 'main', { identity: IDENTITY, version: '0.2.50' })
  expect(main.code).toBe(0)
  expect(connects().slice(before)).toEqual([])
  await runStep(j, 'post')
})

it('sends every request of check-images through https_proxy: its kept-open connections never bypass it', async () => {
  const tunnels = async (checkImages: string) => {
    const before = connects().length
    const j = job(sb)
    Object.assign(j.env, { https_proxy: PROXY, HTTPS_PROXY: PROXY })
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'docker', 'check-images': checkImages })
    expect(main.code).toBe(0)
    await runStep(j, 'post')
    return connects()
      .slice(before)
      .filter((c) => c === 'cgr.dev:443').length
  }
  // The challenge, one token, two HEADs: a tunnel each (http-client keeps no tunnel open).
  expect((await tunnels('chainguard/hello\nacme.com/python:3.12')) - (await tunnels(''))).toBe(4)
})
