// setupLibraries and the post step's undo against a libraries index on loopback (HTTPS, trusted
// through the sandbox's CA): what later steps are handed, what the job's folder holds and with
// which modes, where the token goes (the libraries host only), whose client settings are carried
// over, and what the undo leaves (nothing of ours, the user's files as they were). What a refused
// token leaves: setupfailures.test.ts.
import { lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { undoLibraries, type LibrariesUndo } from '../../src/libraries/undo.js'
import { stepsToUndo } from '../../src/util/state.js'
import { fileCommands } from '../../test/sandbox/runner.js'
import {
  answers,
  AUTH,
  audiences,
  b64,
  creds,
  host,
  job,
  leftIn,
  printed,
  requests,
  secretModes,
  setup,
  TOKEN,
  useLibrariesIndex,
} from '../../test/librariesindex.ts'

useLibrariesIndex()

describe('setupLibraries', () => {
  it('points pip, uv, npm, pnpm and Maven at the index with the identity’s token; 0600 files in a 0700 folder that undo removes', async () => {
    writeFileSync(join(job.home, '.netrc'), 'machine git.example.com login me password mine\n')
    writeFileSync(join(job.home, '.npmrc'), 'fund=false\n')
    process.env.MAVEN_OPTS = '-Xmx1g'
    audiences.length = 0
    const result = await setup(['python', 'javascript', 'java'])

    expect(result).toEqual({
      configured: { python: ['pip', 'uv'], javascript: ['npm', 'pnpm'], java: ['maven'] },
      expiresAt: '2030-03-17T17:46:40Z',
    })
    expect(audiences).toEqual([host])
    expect(requests.sort()).toEqual([`HEAD /java/ Basic ${AUTH}`, `HEAD /javascript/ Basic ${AUTH}`, `HEAD /python/simple/ Basic ${AUTH}`])

    const env = fileCommands(job.env)
    const dir = dirname(env.NETRC)
    expect(dir).toMatch(new RegExp(`^${job.temp}/chainguard-libraries-[0-9a-f]{12}$`))
    expect(env).toEqual({
      NETRC: `${dir}/netrc`,
      PIP_INDEX_URL: `https://${host}/python/simple/`,
      UV_DEFAULT_INDEX: `https://${host}/python/simple/`,
      NPM_CONFIG_USERCONFIG: `${dir}/npmrc`,
      npm_config_userconfig: `${dir}/npmrc`,
      MAVEN_OPTS: `-Xmx1g -Dmaven.conf=${dir}/maven-conf`,
    })
    expect(process.env.NETRC).toBe(`${dir}/netrc`) // this step's own later calls see them too
    expect(secretModes(dir)).toEqual({ '.': 0o700, netrc: 0o600, npmrc: 0o600, 'maven-conf/settings.xml': 0o600 })
    expect(readFileSync(join(dir, 'netrc'), 'utf8')).toBe(
      `machine git.example.com login me password mine\n\nmachine 127.0.0.1 login _token password ${TOKEN}\n`,
    )
    expect(readFileSync(join(dir, 'npmrc'), 'utf8')).toBe(`fund=false\nregistry=https://${host}/javascript/\n//${host}/:_auth=${AUTH}\n`)
    expect(readFileSync(join(dir, 'maven-conf/settings.xml'), 'utf8')).toContain('<localRepository>/opt/m2</localRepository>')
    expect(lstatSync(join(dir, 'maven-conf')).isDirectory()).toBe(true) // a copy, not the link to the installation's own
    expect(readFileSync(join(dir, 'maven-conf/logging/simplelogger.properties'), 'utf8')).toContain('defaultLogLevel=info')

    expect(printed()).toContain(`::add-mask::${AUTH}\n`)
    const lines = printed().split('\n')
    expect(lines.filter((l) => (l.includes(TOKEN) || l.includes(AUTH)) && !l.startsWith('::add-mask::'))).toEqual([])
    expect(lines).toEqual(
      expect.arrayContaining([
        `Chainguard Libraries for python: pip, uv use https://${host}/python/simple/ as _token`,
        `Chainguard Libraries for javascript: npm, pnpm use https://${host}/javascript/ as _token`,
        `Chainguard Libraries for java: maven use https://${host}/java/ as _token`,
        'The libraries token expires at 2030-03-17T17:46:40Z (about an hour): use this action again before a step that starts later',
      ]),
    )

    expect(statSync(join(job.conf, 'settings.xml')).mode & 0o777).toBe(0o644)
    expect(readFileSync(join(job.conf, 'settings.xml'), 'utf8')).not.toContain('chainguard')
    // The post step: what main recorded, undone; the user's own files and the installation untouched.
    process.env.STATE_undo = /^undo<<(.+)\n(.*)\n\1$/m.exec(readFileSync(job.state, 'utf8'))?.[2]
    const steps = stepsToUndo<LibrariesUndo>()
    expect(steps).toEqual([{ kind: 'libraries', path: dir, ecosystems: ['python', 'javascript', 'java'] }])
    expect(undoLibraries(steps[0])).toBe('Removed the Chainguard Libraries configuration for python, javascript, java')
    expect(leftIn(job.temp)).toEqual([])
    expect(undoLibraries(steps[0])).toBe('Removed the Chainguard Libraries configuration for python, javascript, java') // a second post
    expect(readFileSync(join(job.home, '.netrc'), 'utf8')).toBe('machine git.example.com login me password mine\n')
    expect(readFileSync(join(job.home, '.npmrc'), 'utf8')).toBe('fund=false\n')
    expect(statSync(join(job.conf, 'settings.xml')).mode & 0o777).toBe(0o644)
    expect(readFileSync(join(job.conf, 'settings.xml'), 'utf8')).not.toContain('chainguard')
  })
})

it('sends the token to no other origin when the index redirects there (another name of the same server here)', async () => {
  answers['/python/simple/'] = 302
  await setup(['python'])
  expect(requests).toEqual([`HEAD /python/simple/ Basic ${AUTH}`, 'HEAD /elsewhere/ -'])
})

it('says when the token’s expiry is unknown (a token without exp)', async () => {
  const token = `${b64({ alg: 'RS256' })}.${b64({ aud: 'libraries.cgr.dev' })}.c2ln`
  expect(await setup(['python'], { ...creds, tokenFor: async () => token })).toEqual({ configured: { python: ['pip', 'uv'] } })
  expect(printed()).toContain('The libraries token expires at an unknown time (about an hour)')
})

it('gives Maven our -Dmaven.conf alone when the job has no MAVEN_OPTS', async () => {
  await setup(['java'])
  expect(fileCommands(job.env).MAVEN_OPTS).toMatch(/^-Dmaven\.conf=\S+\/chainguard-libraries-\w+\/maven-conf$/)
})

describe('the user’s own client settings are carried over from where each client reads them', () => {
  it('netrc: $NETRC before ~/.netrc; none at all gives ours alone', async () => {
    writeFileSync(join(job.home, '.netrc'), 'machine home.example.com login me password home\n')
    process.env.NETRC = join(job.home, 'ci-netrc')
    writeFileSync(process.env.NETRC, 'machine ci.example.com login me password ci\n')
    await setup(['python'])
    expect(readFileSync(fileCommands(job.env).NETRC, 'utf8')).toMatch(/^machine ci\.example\.com .*\n\nmachine 127\.0\.0\.1 /)
    process.env.NETRC = join(job.home, 'none')
    writeFileSync(job.env, '')
    await setup(['python'])
    expect(readFileSync(fileCommands(job.env).NETRC, 'utf8')).toBe(`machine 127.0.0.1 login _token password ${TOKEN}\n`)
  })

  it.each([
    ['NPM_CONFIG_USERCONFIG', { NPM_CONFIG_USERCONFIG: 'upper', npm_config_userconfig: 'lower' }, 'upper'],
    ['npm_config_userconfig', { npm_config_userconfig: 'lower' }, 'lower'],
    ['~/.npmrc', {}, 'home'],
  ])('npmrc: %s', async (_name, vars: Record<string, string>, expected) => {
    for (const name of ['upper', 'lower', 'home']) writeFileSync(join(job.home, name), `${name}=true\n`)
    writeFileSync(join(job.home, '.npmrc'), 'home=true\n')
    for (const [name, file] of Object.entries(vars)) process.env[name] = join(job.home, file)
    await setup(['javascript'])
    expect(readFileSync(fileCommands(job.env).NPM_CONFIG_USERCONFIG, 'utf8')).toMatch(new RegExp(`^${expected}=true\nregistry=`))
  })
})
