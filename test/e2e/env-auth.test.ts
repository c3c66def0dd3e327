// env-auth: HTTP_AUTH for the apk host, exported to later steps, masked, with or without chainctl.
import { IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, type Job, type StepResult } from '../sandbox/runner.ts'
import { chainctlCalls, job, leaks, resetStandIns, useSandbox } from './helpers.ts'

const sb = useSandbox()
beforeEach(() => resetStandIns(sb))

describe('env-auth', () => {
  /** HTTP_AUTH as later steps get it: an STS token for the apk host, masked before it was exported. */
  async function expectHttpAuth(j: Job, main: StepResult): Promise<void> {
    expect(main.code).toBe(0)
    const m = /^basic:apk\.cgr\.dev:user:(.+)$/.exec(fileCommands(j.files.env).HTTP_AUTH ?? '')
    expect(m).not.toBeNull()
    const token = m![1]
    expect(sb.sts.issued).toContain(token)
    expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).toMatchObject({ aud: 'apk.cgr.dev', sub: IDENTITY })
    expect(main.stdout).toContain(`::add-mask::${token}`)
    expect(main.stdout.indexOf(`::add-mask::${token}`)).toBeLessThan(main.stdout.indexOf('HTTP_AUTH exported'))
    expect(leaks(sb, j, [main])).toEqual([])
    const later = await laterStep(j, 'sh', ['-c', 'test "$HTTP_AUTH" = "basic:apk.cgr.dev:user:$1"', 'sh', token])
    expect(later.code).toBe(0)
  }

  it('exports HTTP_AUTH for the apk host, masked, only when asked', async () => {
    const j = job(sb)
    await expectHttpAuth(j, await runStep(j, 'main', { identity: IDENTITY, 'env-auth': 'true' }))
  })

  it('exports HTTP_AUTH with install: false too: it needs only an STS exchange', async () => {
    const j = job(sb)
    await expectHttpAuth(j, await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'env-auth': 'true' }))
    expect(sb.downloads.requests).toEqual([])
    expect(chainctlCalls(j)).toEqual([])
  })
})
