// The model check of a shared config: every order of three jobs' main and post steps, with a step
// that makes docker rewrite the file anywhere among them, run against the real setEntry and
// restoreEntry. No order may leave a running job without a live login, or leave anything of an
// ended job once all have ended.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { restoreEntry, setEntry, type EntryUndo } from '../../src/registry/configentry.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('model-')
const auth = (user: string, secret: string) => ({ auth: Buffer.from(`${user}:${secret}`).toString('base64') })
const USER = auth('me', 'my-own')
// A and C log in with one pull token, B with a token of its own.
const CREDS: Record<string, object> = { A: auth('pull', 'long-lived'), B: auth('_token', 'b'), C: auth('pull', 'long-lived') }
type Event = `${'main' | 'post' | 'kill'} ${string}` | 'rewrite'

/** Every order of the jobs' main and post steps (main first), with one rewrite at each place. */
function orders(jobs: string[]): Event[][] {
  const steps = (left: Map<string, number>): Event[][] => {
    const out: Event[][] = []
    for (const [j, n] of left) {
      if (n === 2) continue
      const next = new Map(left).set(j, n + 1)
      const here: Event = `${n === 0 ? 'main' : 'post'} ${j}`
      const rest = steps(next)
      out.push(...(rest.length ? rest.map((r) => [here, ...r]) : [[here]]))
    }
    return out
  }
  const plain = steps(new Map(jobs.map((j) => [j, 0])))
  return plain.flatMap((o) => o.map((_, i) => [...o.slice(0, i), 'rewrite' as Event, ...o.slice(i)]).concat([[...o, 'rewrite']]))
}

/** What docker does to the file on any change: rewrites it whole, keeping only the fields it knows. */
function dockerRewrite(file: string): void {
  const config = JSON.parse(readFileSync(file, 'utf8'))
  for (const [k, v] of Object.entries(config.auths ?? {}))
    config.auths[k] = Object.fromEntries(Object.entries(v as object).filter(([f]) => ['auth', 'identitytoken'].includes(f)))
  writeFileSync(file, JSON.stringify(config, null, '\t'))
}

/** Runs one order; returns what went wrong, if anything. */
function check(order: Event[]): string | undefined {
  // A killed job never runs its post step; the runner empties its RUNNER_TEMP. Only a post step
  // after that (another run of the action on the file) can take its login out.
  const killedAt = order.findIndex((e) => e.startsWith('kill'))
  const cleanedUp = killedAt < 0 || order.slice(killedAt).some((e) => e.startsWith('post'))
  const home = dir()
  const file = join(home, 'config.json')
  const original = { auths: { 'cgr.dev': USER, 'ghcr.io': auth('u', 'p') }, psFormat: 'table' }
  writeFileSync(file, JSON.stringify(original, null, '\t'))
  const running = new Map<string, { folder: string; undo: EntryUndo }>()
  let stale: { auth: string } | undefined
  for (const [i, event] of order.entries()) {
    const [step, job] = event.split(' ')
    if (step === 'rewrite') dockerRewrite(file)
    else if (step === 'main') {
      const folder = mkdtempSync(join(home, 'setup-chainctl-'))
      running.set(job, { folder, undo: setEntry(file, 'auths', 'cgr.dev', CREDS[job], folder)! })
    } else if (step === 'kill') {
      rmSync(running.get(job)!.folder, { recursive: true })
      running.delete(job)
      stale = CREDS[job] as { auth: string } // nothing runs at a kill: the killed job's login stays until a post step
    } else {
      restoreEntry(running.get(job)!.undo)
      rmSync(running.get(job)!.folder, { recursive: true }) // the post step removes the run's folder
      running.delete(job)
    }
    // The credential in the file (whatever else an entry holds) is a running job's.
    const entry = JSON.parse(readFileSync(file, 'utf8')).auths?.['cgr.dev']?.auth
    if (step === 'post') stale = undefined
    const live = [...[...running.keys()].map((j) => (CREDS[j] as { auth: string }).auth), stale?.auth]
    if (running.size > 0 && !live.includes(entry)) return `after ${order.slice(0, i + 1).join(', ')}: ${entry}`
  }
  const now = JSON.parse(readFileSync(file, 'utf8'))
  if (!cleanedUp) return undefined
  if (!isDeepStrictEqual(now, original)) return `${order.join(', ')}: ends with ${JSON.stringify(now)}`
  // A killed job's record may stay in the index (it holds nothing of a running job): only files count here.
  const left = readdirSync(home).filter((f) => f !== 'config.json' && (killedAt < 0 || !f.endsWith('.setup-chainctl.json')))
  if (left.length > 0) return `${order.join(', ')}: leaves ${left.join(', ')}`
  return existsSync(file) ? undefined : `${order.join(', ')}: the file is gone`
}

it('no order of three jobs, with a docker rewrite anywhere, leaves a running job without its login or an ended job behind', () => {
  const all = orders(['A', 'B', 'C'])
  expect(all).toHaveLength(630) // 90 orders of the six steps, a rewrite at each of 7 places
  const bad = all.map(check).filter(Boolean)
  expect(bad).toEqual([])
})

it('with C killed instead of its post step, no order leaves a running job without its login, and a later post step takes C out', () => {
  const all = orders(['A', 'B', 'C']).map((o) => o.map((e) => (e === 'post C' ? ('kill C' as Event) : e)))
  expect(all.map(check).filter(Boolean)).toEqual([])
})
