import { assetName, assetNames, checksumFor, firstListed, toolCacheName, versionFromMetadata } from '../../src/chainctl/release.js'

describe('chainctl release files', () => {
  it.each([
    ['Linux', 'X64', 'chainctl_linux_x86_64'],
    ['Linux', 'ARM64', 'chainctl_linux_arm64'],
    ['macOS', 'X64', 'chainctl_darwin_x86_64'],
    ['macOS', 'ARM64', 'chainctl_darwin_arm64'],
    ['Windows', 'X64', 'chainctl_windows_x86_64.exe'],
    ['Windows', 'ARM64', 'chainctl_windows_arm64.exe'],
  ])('maps %s/%s to %s', (os, arch, file) => {
    expect(assetName(os, arch)).toBe(file)
  })

  it('falls back on Windows ARM64 to the x86_64 build, which it runs emulated, when the checksums lack arm64', () => {
    expect(assetNames('Windows', 'ARM64')).toEqual(['chainctl_windows_arm64.exe', 'chainctl_windows_x86_64.exe'])
    expect(assetNames('macOS', 'ARM64')).toEqual(['chainctl_darwin_arm64']) // no emulation to count on elsewhere
    expect(assetNames('Linux', 'ARM64')).toEqual(['chainctl_linux_arm64'])
    expect(assetNames('Windows', 'X64')).toEqual(['chainctl_windows_x86_64.exe'])
    const sum = (c: string) => c.repeat(64)
    const withoutArm = `${sum('a')}  chainctl_linux_arm64\n${sum('b')}  chainctl_windows_x86_64.exe\n`
    expect(firstListed(withoutArm, assetNames('Windows', 'ARM64'))).toEqual({ file: 'chainctl_windows_x86_64.exe', sha256: sum('b') })
    const withArm = `${withoutArm}${sum('c')}  chainctl_windows_arm64.exe\n`
    expect(firstListed(withArm, assetNames('Windows', 'ARM64'))).toEqual({ file: 'chainctl_windows_arm64.exe', sha256: sum('c') })
    expect(firstListed(withoutArm, assetNames('macOS', 'ARM64'))).toBeUndefined()
  })

  it('rejects platforms chainctl is not published for', () => {
    expect(() => assetName('Linux', 'ARM')).toThrow('chainctl is published for Linux, macOS and Windows on X64 and ARM64, not Linux/ARM')
    expect(() => assetName('', '')).toThrow('not ?/?')
  })

  it('reads sha256sum lines, text or binary mode', () => {
    const a = 'a'.repeat(64)
    const b = 'B'.repeat(64)
    const sums = `${a}  chainctl_linux_x86_64\n${b} *chainctl_windows_x86_64.exe\nnot a line\n`
    expect(checksumFor(sums, 'chainctl_linux_x86_64')).toBe(a)
    expect(checksumFor(sums, 'chainctl_windows_x86_64.exe')).toBe('b'.repeat(64))
    expect(checksumFor(sums, 'chainctl_linux_arm64')).toBeUndefined()
    expect(checksumFor(`${a}  chainctl_linux_x86_64.sig`, 'chainctl_linux_x86_64')).toBeUndefined()
    // A line that only contains a checksum and the name is not the file's: garbage before, after or in between.
    expect(checksumFor(`g${a}  chainctl_linux_x86_64`, 'chainctl_linux_x86_64')).toBeUndefined()
    expect(checksumFor(`a${a}  chainctl_linux_x86_64`, 'chainctl_linux_x86_64')).toBeUndefined()
    expect(checksumFor(`${a}  chainctl_linux_x86_64 chainctl_linux_arm64`, 'chainctl_linux_x86_64')).toBeUndefined()
    expect(checksumFor(`${a}   chainctl_linux_x86_64`, 'chainctl_linux_x86_64')).toBeUndefined()
    expect(checksumFor(`  ${a}  chainctl_linux_x86_64  \r`, 'chainctl_linux_x86_64')).toBe(a)
    expect(checksumFor(`${a} chainctl_linux_x86_64`, 'chainctl_linux_x86_64')).toBe(a)
  })

  it('takes only a plain version from metadata.json', () => {
    expect(versionFromMetadata({ version: '0.2.51' })).toBe('0.2.51')
    expect(versionFromMetadata({ version: 'v0.2.51' })).toBe('0.2.51')
    expect(versionFromMetadata({ version: '../../etc' })).toBeUndefined()
    // The version becomes part of a download path: nothing before or after X.Y.Z.
    expect(versionFromMetadata({ version: '0.2.51/../../x' })).toBeUndefined()
    expect(versionFromMetadata({ version: 'x/0.2.51' })).toBeUndefined()
    expect(versionFromMetadata({ version: 'vv0.2.51' })).toBeUndefined()
    expect(versionFromMetadata({ version: '10.11.12' })).toBe('10.11.12')
    expect(versionFromMetadata({ version: 'v10.11.12' })).toBe('10.11.12')
    expect(versionFromMetadata({ version: 2 })).toBeUndefined()
    expect(versionFromMetadata({})).toBeUndefined()
    expect(versionFromMetadata(undefined)).toBeUndefined()
  })

  it('names the tool cache after the download source, readably and distinctly', () => {
    const official = toolCacheName('https://dl.enforce.dev/chainctl')
    expect(official).toMatch(/^chainctl-dl\.enforce\.dev-[0-9a-f]{12}$/)
    expect(toolCacheName('https://dl.enforce.dev/chainctl')).toBe(official) // stable across runs
    // Same host, another path: another entry.
    expect(toolCacheName('https://dl.enforce.dev/mirror/chainctl')).toMatch(/^chainctl-dl\.enforce\.dev-/)
    expect(toolCacheName('https://dl.enforce.dev/mirror/chainctl')).not.toBe(official)
    // Only file-name-safe characters, on every OS (no ':' of a port or IPv6 address).
    expect(toolCacheName('http://[::1]:8080/chainctl')).toMatch(/^chainctl----1--[0-9a-f]{12}$/)
    expect(toolCacheName('http://localhost:8080/chainctl')).not.toBe(toolCacheName('http://localhost:8081/chainctl'))
  })
})
