import { assetName, checksumFor, versionFromMetadata } from '../src/release.js'

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
  })

  it('takes only a plain version from metadata.json', () => {
    expect(versionFromMetadata({ version: '0.2.51' })).toBe('0.2.51')
    expect(versionFromMetadata({ version: 'v0.2.51' })).toBe('0.2.51')
    expect(versionFromMetadata({ version: '../../etc' })).toBeUndefined()
    expect(versionFromMetadata({})).toBeUndefined()
    expect(versionFromMetadata(undefined)).toBeUndefined()
  })
})
