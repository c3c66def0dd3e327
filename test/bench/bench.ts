// `npm run bench`: the action's costs on this machine, from one run, in the sandbox namespace.
// (a) bundle cold start, (b) the main step's OIDC login (install: false), (c) the same flow as a
// bare curl + jq + docker login script, b/c, (d) chainctl install with a cold and a warm tool
// cache (a warm hit is verified against the release checksums: one request and a sha256 of the
// cached file, timed on its own), (e) bundle sizes and peak memory, (f) check-images: 20 images
// against one, (g) the default step over a WAN against its critical path, (h) the matrix
// simulation (simulated clock, the real retry policy: see matrix.ts). BENCH_ONLY=dg (say) runs
// only those sections; BENCH_COMPARE=<root>[:<root>...] runs (g) for other checkouts' dist/ too.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY, PULL_IDENTITY, startSandbox } from '../sandbox/index.ts'
import { laterStep, NODE24, ROOT, runStep, type Job, type StepResult } from '../sandbox/runner.ts'
import { newJob } from '../sandbox/runner.ts'
import { criticalPath, type CriticalPath } from './critical.ts'
import { matrixTable, totalDeadlineMs } from './matrix.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const WAN_RUNS = Number(process.env.BENCH_WAN_RUNS ?? 5)
const on = (section: string) => (process.env.BENCH_ONLY ?? 'abcdefgh').includes(section)
// The committed bundle, then the others, in turn for every run: a noisy machine weighs on each alike.
const ROOTS = [ROOT, ...(process.env.BENCH_COMPARE ?? '').split(':').filter(Boolean)]

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return `median ${q(0.5).toFixed(0)} ms (p10 ${q(0.1).toFixed(0)}, p90 ${q(0.9).toFixed(0)}, n=${s.length})`
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

async function measure(label: string, once: () => Promise<StepResult>): Promise<number[]> {
  await once() // warm the page cache; not counted
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const r = await once()
    if (r.code !== 0) throw new Error(`${label} failed: ${r.lines.slice(-3).join(' | ')}`)
    samples.push(r.ms)
  }
  console.log(`${label.padEnd(48)} ${stats(samples)}`)
  return samples
}

function timeNode(args: string[]): number {
  const started = process.hrtime.bigint()
  spawnSync(NODE24, args, { stdio: 'ignore', env: { ...process.env, INPUT_IDENTITY: '' } })
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** The local part of verifying a warm hit: hashing the cached chainctl (the action fetches the checksums meanwhile). */
async function hashCached(toolcache: string): Promise<string> {
  const exe = readdirSync(toolcache, { recursive: true })
    .map((p) => join(toolcache, String(p)))
    .find((p) => p.endsWith('/chainctl') && statSync(p).isFile())!
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(exe)) hash.update(chunk as Buffer)
    hash.digest()
    samples.push(performance.now() - started)
  }
  return `sha256 of the cached ${(statSync(exe).size / 1024 / 1024).toFixed(0)} MiB file: median ${median(samples).toFixed(0)} ms`
}

const sb = await startSandbox()
const fresh = () => newJob(sb.github.env)
const warmRun = (toolcache: string, inputs: Record<string, string>) => {
  const j = fresh()
  j.env.RUNNER_TOOL_CACHE = toolcache
  return runStep(j, 'main', inputs)
}
// A pull-token login installs chainctl without logging it in, so (d) is the install's own cost.
const pull = { username: PULL_IDENTITY, password: sb.pullToken, version: '0.2.50', 'container-cli': 'docker' }

function startup(): void {
  const bare = Array.from({ length: RUNS }, () => timeNode(['-e', '0']))
  const cold = Array.from({ length: RUNS }, () => timeNode([join(ROOT, 'dist/main/index.js')]))
  console.log(`${'(a) node -e 0 (the floor)'.padEnd(48)} ${stats(bare)}`)
  console.log(`${'(a) bundle cold start (load, fail on input)'.padEnd(48)} ${stats(cold)}`)
}

async function againstScript(): Promise<void> {
  // docker only, like the script (auto would log podman in too, where it is installed).
  const action = await measure('(b) main step, OIDC login, install: false', () =>
    runStep(fresh(), 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'docker' }),
  )
  const script = await measure('(c) bare script: curl + jq + docker login', () => {
    const j: Job = fresh()
    j.env.IDENTITY = IDENTITY
    return laterStep(j, join(ROOT, 'test/bench/login.sh'), [])
  })
  console.log(`${'b/c'.padEnd(48)} ${(median(action) / median(script)).toFixed(2)} (goal: at most 1.5)`)
}

async function installs(): Promise<void> {
  await measure('(d) pull-token login, no install', () => runStep(fresh(), 'main', { ...pull, install: 'false' }))
  await measure('(d) pull-token login + install, cold tool cache', () => runStep(fresh(), 'main', pull))
  const warm = fresh().env.RUNNER_TOOL_CACHE
  await measure('(d) pull-token login + install, warm tool cache', () => warmRun(warm, pull))
  sb.downloads.size = 64 * 1024 * 1024
  await measure('(d) install of a 64 MiB chainctl, cold tool cache', () => runStep(fresh(), 'main', { ...pull, version: '0.2.51' }))
  const warmBig = fresh().env.RUNNER_TOOL_CACHE
  await measure('(d) install of a 64 MiB chainctl, warm tool cache', () => warmRun(warmBig, { ...pull, version: '0.2.51' }))
  console.log(`${'(d) of which verifying the hit'.padEnd(48)} ${await hashCached(warmBig)}, plus one checksums request`)
  sb.downloads.size = 0
}

async function images(): Promise<void> {
  // (f) 20 images in 20 repositories (one token request for all 20 scopes) against one. The check
  // phase is read from the job summary's timings, so Node's start and the login are not in it. On
  // loopback it is CPU-bound (20 HEADs at once are 20 TLS connections); with each registry request
  // held 50 ms (the round trips to a remote registry), it is what a job sees.
  const images = Array.from({ length: 20 }, (_, i) => `bench/image-${i}:v1`)
  for (const image of images) await sb.registry.push(image.split(':')[0], 'v1', `${image}\n`)
  for (const latencyMs of [0, 50]) {
    sb.registry.latencyMs = latencyMs
    const checkMs: Record<number, number[]> = { 1: [], 20: [] }
    for (const n of [1, 20]) {
      const inputs = { ...pull, install: 'false', 'check-images': images.slice(0, n).join('\n') }
      await measure(`(f) login + check of ${n} image(s), +${latencyMs} ms/request`, async () => {
        const j = fresh()
        const r = await runStep(j, 'main', inputs)
        const [, start, end] = /(?:<code>|\n)check +(\d+)-(\d+) ms/.exec(readFileSync(j.files.summary, 'utf8')) ?? []
        checkMs[n].push(Number(end) - Number(start))
        return r
      })
      checkMs[n].shift() // the warm-up run
      console.log(`${`(f) check phase alone, ${n} image(s)`.padEnd(48)} ${stats(checkMs[n])}`)
    }
    console.log(
      `${`(f) check of 20 / check of 1, +${latencyMs} ms/request`.padEnd(48)} ${(median(checkMs[20]) / median(checkMs[1])).toFixed(2)} (goal: under 2)`,
    )
  }
  sb.registry.latencyMs = 0
}

async function footprint(): Promise<void> {
  const sizes = ['main', 'post'].map((step) => {
    const dir = join(ROOT, 'dist', step)
    const js = readdirSync(dir).filter((f) => f.endsWith('.js'))
    const total = js.reduce((n, f) => n + statSync(join(dir, f)).size, 0)
    const entry = statSync(join(dir, 'index.js')).size
    return `${step} ${(entry / 1024).toFixed(0)} kB entry, ${(total / 1024).toFixed(0)} kB with lazy chunks`
  })
  console.log(`${'(e) bundle sizes'.padEnd(48)} ${sizes.join('; ')}`)
  // Async: the sandbox's servers live in this process and must keep answering meanwhile.
  const peak = async (inputs: Record<string, string>) => {
    const j = fresh()
    const env = { ...j.env, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])) }
    const child = spawn('/usr/bin/time', ['-f', 'peak-kb %M', NODE24, join(ROOT, 'dist/main/index.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    const kb = /peak-kb (\d+)/.exec(out)?.[1]
    if (code !== 0 || !kb) throw new Error(`peak-memory run failed: ${out.split('\n').slice(-3).join(' | ')}`)
    return Number(kb) / 1024
  }
  sb.downloads.size = 64 * 1024 * 1024
  const bigPeak = await peak({ username: PULL_IDENTITY, password: sb.pullToken, install: 'true', version: '0.2.51', logout: 'true' })
  sb.downloads.size = 0
  const loginPeak = await peak({ identity: IDENTITY, install: 'false', logout: 'true' })
  const installPeak = await peak({ username: PULL_IDENTITY, password: sb.pullToken, install: 'true', version: '0.2.50', logout: 'true' })
  console.log(
    `${'(e) peak RSS of the main step'.padEnd(48)} OIDC login ${loginPeak.toFixed(0)} MB, pull-token login + install ${installPeak.toFixed(0)} MB, + a 64 MiB chainctl ${bigPeak.toFixed(0)} MB`,
  )
}

interface WanRun {
  ms: number
  path: CriticalPath
  /** How long chainctl's logins waited for the install once the identity was accepted (the job summary's phases). */
  waited: number
}

/** One (g) run of the default step. */
async function wanRun(root: string, toolcache?: string): Promise<WanRun> {
  const j = fresh()
  if (toolcache) j.env.RUNNER_TOOL_CACHE = toolcache
  const from = sb.wire.served.length
  const r = await runStep(j, 'main', { identity: IDENTITY }, undefined, root)
  if (r.code !== 0) throw new Error(`WAN run of ${root} failed: ${r.lines.slice(-3).join(' | ')}`)
  const summary = readFileSync(j.files.summary, 'utf8')
  rmSync(j.dir, { recursive: true, force: true }) // 64 MiB per cold tool cache
  const end = (phase: string) => Number(new RegExp(`(?:<code>|\n)${phase} +\\d+-(\\d+) ms`).exec(summary)?.[1])
  return { ms: r.ms, path: criticalPath(sb.wire.served.slice(from)), waited: Math.max(0, end('chainctl download') - end('token')) }
}

// (g) WAN: every request to a stand-in costs 100 ms, chainctl is 64 MiB. The default step
// (identity only: registry login, chainctl installed and logged in) against its critical path.
async function wan(): Promise<void> {
  sb.wire.delayMs = 100
  sb.downloads.size = 64 * 1024 * 1024
  console.log(
    `\n(g) WAN profile: ${sb.wire.delayMs} ms per request, a 64 MiB chainctl, the default step (identity only), ${WAN_RUNS} runs each`,
  )
  for (const cache of ['cold', 'warm'] as const) {
    const cacheJob = fresh() // a warm cache is filled by the first, uncounted, run
    const runs = ROOTS.map(() => [] as WanRun[])
    for (let i = 0; i <= WAN_RUNS; i++) {
      for (const [k, root] of ROOTS.entries()) {
        const run = await wanRun(root, cache === 'warm' ? cacheJob.env.RUNNER_TOOL_CACHE : undefined)
        if (i > 0) runs[k].push(run) // the first warms the page cache (and, for warm, the tool cache)
      }
    }
    rmSync(cacheJob.dir, { recursive: true, force: true })
    for (const [k, root] of ROOTS.entries()) {
      const part = (key: keyof CriticalPath) => median(runs[k].map((r) => r.path[key])).toFixed(0)
      const walls = runs[k].map((r) => r.ms)
      const path = median(runs[k].map((r) => r.path.total))
      console.log(`${`(g) default step, ${cache} tool cache`.padEnd(48)} ${stats(walls)}${ROOTS.length > 1 ? ` ${root}` : ''}`)
      console.log(
        `${'    critical path'.padEnd(48)} median ${path.toFixed(0)} ms (identity ${part('identity')}, registry login ${part('registry')}, ` +
          `install ${part('install')}, chainctl logins ${part('chainctl')})`,
      )
      console.log(`${'    wall / critical path'.padEnd(48)} ${(median(walls) / path).toFixed(2)} (goal: at most 1.3)`)
      console.log(`${'    logins waiting on the install'.padEnd(48)} ${stats(runs[k].map((r) => r.waited))}, after the identity`)
    }
  }
  sb.wire.delayMs = 0
  sb.downloads.size = 0
}

try {
  console.log(`setup-chainctl bench: ${RUNS} runs each, ${execFileSync(NODE24, ['--version']).toString().trim()}, sandbox on loopback\n`)
  if (on('a')) startup()
  if (on('b') || on('c')) await againstScript()
  if (on('d')) await installs()
  if (on('f')) await images()
  if (on('e')) await footprint()
  if (on('g')) await wan()
  if (on('h')) {
    console.log(`\n(h) matrix simulation: simulated clock, the action's retry policy; total deadline ${totalDeadlineMs() / 1000} s`)
    console.log(matrixTable())
  }
} finally {
  await sb.stop()
}
