// `npm start`: the action end to end in the sandbox, as a user would see it in a job log.
import { IDENTITY, startSandbox } from './index.ts'
import { laterStep, outputs, runStep, type StepResult } from './runner.ts'
import { newJob } from './runner.ts'

const masks: string[] = []
function show(title: string, r: StepResult): void {
  console.log(`\n\x1b[1m== ${title}\x1b[0m (exit ${r.code}, ${r.ms} ms)`)
  for (const line of r.lines) {
    const mask = /^::add-mask::(.*)$/.exec(line)
    if (mask) masks.push(mask[1])
    else if (!line.startsWith('::debug::')) console.log(`  ${masks.reduce((l, m) => l.split(m).join('***'), line)}`)
  }
}

const sb = await startSandbox()
let ok = false
try {
  console.log('Sandbox up: GitHub OIDC stand-in, Chainguard STS at https://issuer.enforce.dev, registry at https://cgr.dev')
  const job = newJob(sb.github.env)
  const inputs = { identity: IDENTITY }
  console.log(`Job: acme/app on refs/heads/main, with: ${JSON.stringify(inputs)}`)
  const main = await runStep(job, 'main', inputs)
  show('setup-chainctl (main)', main)
  console.log(`  outputs: ${JSON.stringify(outputs(job))}`)
  const image = 'docker://cgr.dev/chainguard/hello:latest'
  const pull = await laterStep(job, 'skopeo', ['inspect', '--format', '{{.Name}}@{{.Digest}}', image])
  show(`later step: skopeo inspect ${image}`, pull)
  show('later step: chainctl version', await laterStep(job, 'chainctl', ['version']))
  const post = await runStep(job, 'post')
  show('Post setup-chainctl', post)
  const after = await laterStep(job, 'skopeo', ['inspect', '--retry-times', '0', image])
  show('after the post step: the same pull', after)
  ok = main.code === 0 && pull.code === 0 && post.code === 0 && after.code !== 0
  console.log(
    ok
      ? '\nDone: logged in with the job OIDC token, a later step pulled, the post step logged out and access is gone.'
      : '\nSomething did not go as expected: see the steps above.',
  )
} finally {
  await sb.stop()
}
process.exitCode = ok ? 0 : 1
