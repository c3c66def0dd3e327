// End to end: a job cancelled while the action waits on a CLI. The runner sends SIGINT to the
// step's process alone; a CLI the action started in a process group of its own must not outlive
// it and log in after the post step has cleaned up.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PULL_IDENTITY } from '../sandbox/index.ts'
import { newJob, runStep } from '../sandbox/runner.ts'

/** A docker whose login takes 3 s (a busy daemon), then stores the credential in its config. */
const SLOW_DOCKER = `#!/bin/sh
cat > /dev/null
echo $$ >> "$RUNNER_TEMP/../docker.pids"
sleep 3
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"auth":"c2VjcmV0"}}}' "$2" > "$DOCKER_CONFIG/config.json"
echo "$DOCKER_CONFIG" >> "$RUNNER_TEMP/../docker-wrote"
echo "Login Succeeded"
`

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))

it('a job cancelled during docker login leaves no docker to store the credential after the post step', async () => {
  const j = newJob()
  const bin = join(j.dir, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'docker'), SLOW_DOCKER, { mode: 0o755 })
  j.env.PATH = `${bin}:${j.env.PATH}`

  const inputs = { username: PULL_IDENTITY, password: 'pull-token-0123456789', install: 'false', 'container-cli': 'docker' }
  const main = await runStep(j, 'main', inputs, 1000)
  expect(main.code).not.toBe(0)
  const pids = readFileSync(join(j.dir, 'docker.pids'), 'utf8').split('\n').filter(Boolean).map(Number)
  expect(pids).toHaveLength(1) // docker was logging in when the job was cancelled

  expect((await runStep(j, 'post')).code).toBe(0)
  await sleep(3500) // past the end of docker's login
  expect(existsSync(join(j.dir, 'docker-wrote'))).toBe(false)
  expect(pids.filter(alive)).toEqual([])
  expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
})
