import { homeDir, jobTemp } from '../../src/util/home.js'
import { tmpdir, userInfo } from 'node:os'

describe('the home folder, as docker and podman compute it', () => {
  it('is USERPROFILE on Windows, never an MSYS-style HOME', () => {
    expect(homeDir({ HOME: '/c/Users/me', USERPROFILE: 'C:\\Users\\me' }, 'win32')).toBe('C:\\Users\\me')
  })
  it('is HOME elsewhere, else the passwd entry; never relative', () => {
    expect(homeDir({ HOME: '/home/me', USERPROFILE: 'C:\\x' }, 'linux')).toBe('/home/me')
    expect(homeDir({}, 'linux')).toBe(userInfo().homedir)
    expect(homeDir({ HOME: 'relative' }, 'darwin')).toBe(userInfo().homedir)
  })
})

describe("the job's temporary folder", () => {
  it('is RUNNER_TEMP, else the system one with a line saying so, never the working folder', () => {
    expect(jobTemp({ RUNNER_TEMP: '/r/t' })).toBe('/r/t')
    expect(jobTemp({ RUNNER_TEMP: 'D:\\a\\_temp' })).toBe('D:\\a\\_temp') // a Windows runner's
    const said: string[] = []
    expect(jobTemp({}, (l) => said.push(l))).toBe(tmpdir())
    expect(jobTemp({ RUNNER_TEMP: '.' }, (l) => said.push(l))).toBe(tmpdir())
    expect(said).toEqual([
      `RUNNER_TEMP is not set: this job's files go to a private folder in ${tmpdir()}`,
      `RUNNER_TEMP is not absolute (.): this job's files go to a private folder in ${tmpdir()}`,
    ])
  })
})
