import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cacheEnv, writeLauncher } from '../../src/chainctl/private.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('private-chainctl-')

describe("chainctl's token cache of the job's own", () => {
  it("points the variable os.UserCacheDir() reads on each platform at the job's folder", () => {
    expect(cacheEnv('/t/c', 'linux')).toEqual({ XDG_CACHE_HOME: '/t/c' })
    expect(cacheEnv('/t/c', 'darwin')).toEqual({ HOME: '/t/c' }) // ~/Library/Caches
    expect(cacheEnv('C:\\t\\c', 'win32')).toEqual({ LOCALAPPDATA: 'C:\\t\\c' })
  })

  it('puts on PATH a launcher that runs the verified copy with it, quoting what a path may hold', () => {
    const d = dir()
    const exe = join(d, "it's here", 'chainctl')
    execFileSync('mkdir', ['-p', join(d, "it's here")])
    writeFileSync(exe, '#!/bin/sh\necho "$XDG_CACHE_HOME|$OTHER|$*"\n', { mode: 0o700 })
    const path = writeLauncher(join(d, 'path'), exe, { XDG_CACHE_HOME: "/a b/$c'd", OTHER: 'x' }, 'linux')
    expect(execFileSync(join(path, 'chainctl'), ['auth', 'token x']).toString()).toBe("/a b/$c'd|x|auth token x\n")
  })

  it('on Windows writes a .cmd whose % are literal', () => {
    const d = dir()
    writeLauncher(d, 'C:\\a%PATH%\\chainctl.exe', { LOCALAPPDATA: 'C:\\t\\100%', OTHER: 'x' }, 'win32')
    expect(readFileSync(join(d, 'chainctl.cmd'), 'utf8')).toBe(
      '@echo off\r\nset "LOCALAPPDATA=C:\\t\\100%%"\r\nset "OTHER=x"\r\n"C:\\a%%PATH%%\\chainctl.exe" %*\r\n',
    )
  })
})
