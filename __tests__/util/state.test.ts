// What main records reaches post the way the runner carries it: GITHUB_STATE, then STATE_* variables.
import { jest } from '@jest/globals'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { privateDir, remember, stepsToUndo } from '../../src/util/state.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('state-')
const saved = { ...process.env }
let stdout: jest.SpiedFunction<typeof process.stdout.write>
beforeEach(() => {
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})
afterEach(() => {
  stdout.mockRestore()
  process.env = { ...saved }
})

/** What the runner does between the steps: each GITHUB_STATE entry becomes STATE_<name> for post. */
function toPost(stateFile: string): void {
  const entry = /^(\w+)<<(\S+)\n([\s\S]*?)\n\2$/gm
  for (const [, name, , value] of readFileSync(stateFile, 'utf8').matchAll(entry)) process.env[`STATE_${name}`] = value
}

describe('the undo record', () => {
  it('reaches the post step, latest first, including a private folder made along the way', () => {
    const d = dir()
    Object.assign(process.env, { GITHUB_STATE: join(d, 'state'), RUNNER_TEMP: d })
    writeFileSync(join(d, 'state'), '')
    remember({ kind: 'docker-logout', registry: 'cgr.dev' })
    const folder = privateDir('setup-chainctl-')
    expect(folder.startsWith(join(d, 'setup-chainctl-'))).toBe(true)
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    toPost(join(d, 'state'))
    expect(stepsToUndo()).toEqual([
      { kind: 'remove', path: folder },
      { kind: 'docker-logout', registry: 'cgr.dev' },
    ])
  })

  it('is empty when main recorded nothing, and says so when what it left cannot be read', () => {
    delete process.env.STATE_undo
    expect(stepsToUndo()).toEqual([])
    process.env.STATE_undo = '[{"kind":'
    expect(stepsToUndo()).toEqual([])
    expect(stdout.mock.calls.map((c) => String(c[0]))).toEqual(['::warning::The main step left unreadable state; nothing is cleaned up.\n'])
  })
})
