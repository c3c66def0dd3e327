// The matrix simulation's goals, for the action's own retry policy (see test/bench/matrix.ts).
import { simulate, totalDeadlineMs } from '../../test/bench/matrix.ts'

it.each([1, 2, 3])('logs in all of 1000 jobs at 20 exchanges/s within the total deadline (seed %i)', (seed) => {
  const r = simulate({ jobs: 1000, rate: 20, seed })
  expect(r.succeeded).toBe(1000)
  expect(r.p99Ms).toBeLessThan(totalDeadlineMs())
})

it.each([1, 2, 3])('makes at most 1.5 attempts per exchange for 256 jobs (seed %i)', (seed) => {
  const r = simulate({ jobs: 256, rate: 20, seed })
  expect(r.succeeded).toBe(256)
  expect(r.attemptsPerExchange).toBeLessThanOrEqual(1.5)
})

it('makes no more than the four exchanges a job needs when the STS keeps up', () => {
  expect(simulate({ jobs: 16, rate: 20 })).toMatchObject({ succeeded: 16, exchangesPerJob: 4, rejected: 0 })
})
