// A matrix of N jobs against an STS that admits R exchanges a second (a token bucket, burst R) and
// answers 429 + Retry-After (whole seconds until it admits again, at least 1) beyond that. Each job
// makes the default step's exchanges: the registry's (retried as send() does, under DEFAULT_POLICY),
// then chainctl's three logins at once (each a chainctl run; a 429 makes chainctl fail with
// ResourceExhausted, which login() retries under LOGIN_POLICY without a Retry-After, as chainctl
// prints none). The clock is simulated; every wait comes from the action's own retry functions
// (src/net/retry.ts: nextDelayMs, the policies), so a run takes milliseconds and measures the policy.
import { DEFAULT_POLICY, LOGIN_POLICY, nextDelayMs, scheduleFor, type RetryPolicy } from '../../src/net/retry.ts'

export interface MatrixOptions {
  jobs: number
  /** Exchanges the STS admits per second. */
  rate: number
  /** Jobs start uniformly within this window. */
  startWindowMs?: number
  /** The STS's time to answer, and a chainctl run's own time on top. */
  stsMs?: number
  chainctlMs?: number
  seed?: number
  policies?: { sts: RetryPolicy; login: RetryPolicy }
}

export interface MatrixResult {
  jobs: number
  succeeded: number
  exchangesPerJob: number
  rejected: number
  p50Ms: number
  p99Ms: number
  /** Attempts per exchange a job needed (4 per job). */
  attemptsPerExchange: number
}

/** A seeded generator (mulberry32): the same figures every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Events in time order (ties in the order they were scheduled). */
class Clock {
  now = 0
  private queue: Array<{ at: number; seq: number; run: () => void }> = []
  private seq = 0
  at(delayMs: number, run: () => void): void {
    const e = { at: this.now + delayMs, seq: this.seq++, run }
    let i = this.queue.length
    this.queue.push(e)
    while (i > 0 && (this.queue[i - 1].at > e.at || (this.queue[i - 1].at === e.at && this.queue[i - 1].seq > e.seq))) {
      this.queue[i] = this.queue[i - 1]
      i--
    }
    this.queue[i] = e
  }
  drain(): void {
    for (let e = this.queue.shift(); e; e = this.queue.shift()) {
      this.now = e.at
      e.run()
    }
  }
}

/** A token bucket: admits `rate` a second with a burst of `rate`; else how long until it would, in ms. */
function bucket(clock: Clock, rate: number) {
  let tokens = rate
  let last = 0
  return (): number | 'admitted' => {
    tokens = Math.min(rate, tokens + ((clock.now - last) * rate) / 1000)
    last = clock.now
    if (tokens >= 1) return (tokens--, 'admitted')
    return ((1 - tokens) * 1000) / rate
  }
}

export function simulate(o: MatrixOptions): MatrixResult {
  const { jobs, rate, startWindowMs = 5000, stsMs = 100, chainctlMs = 300, seed = 1 } = o
  const { sts: stsPolicy, login: loginPolicy } = o.policies ?? { sts: DEFAULT_POLICY, login: LOGIN_POLICY }
  const random = seeded(seed)
  const clock = new Clock()
  const admit = bucket(clock, rate)
  let [attempts, rejected, succeeded] = [0, 0, 0]
  const loggedIn: number[] = []

  /** One exchange, retried: `retryAfter` says whether the client sees the STS's Retry-After. */
  const exchange = (policy: RetryPolicy, overheadMs: number, retryAfter: boolean, startedAt: number, done: (ok: boolean) => void) => {
    // Every rejection here is a 429: the schedule send() and login() take after one.
    const schedule = scheduleFor(policy, true)
    const attempt = (retry: number) =>
      clock.at(overheadMs, () => {
        attempts++
        const answer = admit()
        clock.at(stsMs, () => {
          if (answer === 'admitted') return done(true)
          rejected++
          const after = retryAfter ? Math.max(1, Math.ceil(answer / 1000)) * 1000 : undefined
          const delay = nextDelayMs(retry, after, startedAt + schedule.deadlineMs - clock.now, schedule, random)
          if (delay === undefined) return done(false)
          clock.at(delay, () => attempt(retry + 1))
        })
      })
    attempt(0)
  }

  for (let j = 0; j < jobs; j++) {
    clock.at(random() * startWindowMs, () => {
      const started = clock.now
      exchange(stsPolicy, 0, true, started, (ok) => {
        if (!ok) return
        let pending = 3
        let failed = false
        const loginsStarted = clock.now
        for (let l = 0; l < 3; l++) {
          exchange(loginPolicy, chainctlMs, false, loginsStarted, (loginOk) => {
            failed ||= !loginOk
            if (--pending > 0 || failed) return
            succeeded++
            loggedIn.push(clock.now - started)
          })
        }
      })
    })
  }
  clock.drain()
  const sorted = loggedIn.sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
  return {
    jobs,
    succeeded,
    exchangesPerJob: attempts / jobs,
    rejected,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    attemptsPerExchange: attempts / (jobs * 4),
  }
}

/** The action's total deadline for the default step's exchanges when rate limited: the registry's, then chainctl's logins. */
export const totalDeadlineMs = (p = { sts: DEFAULT_POLICY, login: LOGIN_POLICY }) =>
  scheduleFor(p.sts, true).deadlineMs + scheduleFor(p.login, true).deadlineMs

export function matrixTable(rate = 20, sizes = [16, 256, 1000]): string {
  const rows = sizes.map((jobs) => simulate({ jobs, rate }))
  const s = (ms: number) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(1)} s`)
  return [
    `| jobs (R = ${rate}/s) | succeeded | exchanges per job | 429s | p50 to logged in | p99 to logged in |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.jobs} | ${r.succeeded} | ${r.exchangesPerJob.toFixed(2)} | ${r.rejected} | ${s(r.p50Ms)} | ${s(r.p99Ms)} |`),
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`Matrix simulation (simulated clock, the action's retry policy; total deadline ${totalDeadlineMs() / 1000} s)`)
  console.log(matrixTable())
}
