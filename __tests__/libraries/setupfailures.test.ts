// setupLibraries against a libraries index on loopback that refuses the token or keeps failing,
// and with a job it cannot serve: it fails before anything is configured, naming what to check.
import { jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { answers, creds, host, IDENTITY, job, leftIn, printed, requests, setup, useLibrariesIndex } from '../../test/librariesindex.ts'

useLibrariesIndex()

describe('setupLibraries fails before anything is configured', () => {
  const nothingLeft = () => ({ folders: leftIn(job.temp), env: readFileSync(job.env, 'utf8'), state: readFileSync(job.state, 'utf8') })
  const nothing = { folders: [], env: '', state: '' }

  it.each([
    [401, 'java', '/java/', 'Java'],
    [403, 'python', '/python/simple/', 'Python'],
    [403, 'javascript', '/javascript/', 'JavaScript'],
  ])(
    'when the index refuses the token (HTTP %i) for one ecosystem (%s), naming it and what to check',
    async (status, name, path, title) => {
      answers[path] = status
      await expect(setup(['python', 'javascript', 'java'])).rejects.toThrow(
        new Error(
          `Chainguard Libraries refused the token of ${IDENTITY} for ${name} (HTTP ${status} at https://${host}${path}): ` +
            `check that the organization is entitled to Chainguard Libraries for ${title} and that the identity has a role that can pull them`,
        ),
      )
      expect(nothingLeft()).toEqual(nothing)
    },
  )

  it('when the index keeps failing (HTTP 500), after retrying', async () => {
    answers['/python/simple/'] = 500
    jest.spyOn(Math, 'random').mockReturnValue(0) // no backoff: the retries are the point, not their wait
    await expect(setup(['python'])).rejects.toThrow(
      new Error(`Chainguard Libraries (python) answered HTTP 500 at https://${host}/python/simple/`),
    )
    expect(printed()).toContain('::warning::Chainguard Libraries (python) answered HTTP 500; retry 1/4 in 0.0s')
    expect(nothingLeft()).toEqual(nothing)
  })

  it('when the job’s temp folder has a space, which MAVEN_OPTS cannot carry: before any request', async () => {
    process.env.RUNNER_TEMP = join(job.temp, 'runner temp')
    await expect(setup(['python', 'java'])).rejects.toThrow(
      /^The runner's temp folder .*\/runner temp\/chainguard-libraries-\w+ has a space in it/,
    )
    expect(requests).toEqual([])
    expect(nothingLeft()).toEqual(nothing)
  })

  it('for a login with no identity (a pull token has no tokens for other audiences)', async () => {
    await expect(setup(['python'], { ...creds, tokenFor: undefined })).rejects.toThrow("Input 'libraries' needs 'identity'")
    expect(requests).toEqual([])
  })
})
