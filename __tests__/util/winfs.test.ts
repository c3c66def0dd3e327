import { lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { linkOrCopy, renameRetrying } from '../../src/util/winfs.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('winfs-')
const failing = (code: string, times = Infinity) => {
  let calls = 0
  const fn = () => {
    calls++
    if (calls <= times) throw Object.assign(new Error(`${code}: operation not permitted`), { code })
  }
  return { fn, calls: () => calls }
}

describe('renames', () => {
  it.each(['EPERM', 'EACCES', 'EBUSY'])('retry %s on Windows while another process holds the file, then succeed', (code) => {
    const rename = failing(code, 3)
    renameRetrying('a', 'b', 'win32', rename.fn)
    expect(rename.calls()).toBe(4)
  })

  it('give up on Windows after about a second', () => {
    const rename = failing('EBUSY')
    const started = Date.now()
    expect(() => renameRetrying('a', 'b', 'win32', rename.fn)).toThrow('EBUSY')
    expect(rename.calls()).toBe(8) // waits of 10, 20 ... 640 ms between them
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200)
  })

  it('fail at once elsewhere, and for other errors', () => {
    const linux = failing('EBUSY')
    expect(() => renameRetrying('a', 'b', 'linux', linux.fn)).toThrow('EBUSY')
    expect(linux.calls()).toBe(1)
    const missing = failing('ENOENT')
    expect(() => renameRetrying('a', 'b', 'win32', missing.fn)).toThrow('ENOENT')
    expect(missing.calls()).toBe(1)
  })
})

describe('links of an isolated docker config', () => {
  const noPrivilege = () => {
    throw Object.assign(new Error('EPERM: operation not permitted, symlink'), { code: 'EPERM' })
  }

  it('are symbolic links where allowed', () => {
    const d = dir()
    writeFileSync(join(d, 'ca.pem'), 'pem')
    expect(linkOrCopy(join(d, 'ca.pem'), join(d, 'link.pem'), false)).toBe('symlink')
    expect(lstatSync(join(d, 'link.pem')).isSymbolicLink()).toBe(true)
  })

  it('are hard links for files when symbolic links need a privilege the account lacks (Windows)', () => {
    const d = dir()
    writeFileSync(join(d, 'ca.pem'), 'pem')
    expect(linkOrCopy(join(d, 'ca.pem'), join(d, 'link.pem'), false, { symlink: noPrivilege })).toBe('hard link')
    expect(statSync(join(d, 'link.pem')).ino).toBe(statSync(join(d, 'ca.pem')).ino)
  })

  it('are copies for files when a hard link cannot be made either (another volume)', () => {
    const d = dir()
    writeFileSync(join(d, 'key.pem'), 'key', { mode: 0o600 })
    const otherVolume = () => {
      throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' })
    }
    expect(linkOrCopy(join(d, 'key.pem'), join(d, 'copy.pem'), false, { symlink: noPrivilege, hardLink: otherVolume })).toBe('copy')
    expect(readFileSync(join(d, 'copy.pem'), 'utf8')).toBe('key')
    expect(statSync(join(d, 'copy.pem')).mode & 0o777).toBe(0o600)
  })

  it("are never copies of folders: a failed junction is the caller's to report", () => {
    const d = dir()
    mkdirSync(join(d, 'contexts'))
    expect(() => linkOrCopy(join(d, 'contexts'), join(d, 'link'), true, { symlink: noPrivilege })).toThrow('EPERM')
  })
})
