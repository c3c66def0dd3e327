// The copy of a cached chainctl into the job's folder: the bytes, their sha256, the size bound, and
// no file left open whatever the outcome (a runner job opens it once per install, on every run).
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyHashing, Uncopyable } from '../../src/chainctl/cachecopy.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('cachecopy-')
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
/** The files under `folder` this process holds open. */
const openIn = (folder: string) =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(folder) ? [fd] : []
    } catch {
      return [] // closed between the listing and the read
    }
  })

it('copies every byte of a file of several chunks to a new 0600 file, with their sha256', async () => {
  const folder = dir()
  const data = randomBytes(3.5 * 1024 * 1024)
  writeFileSync(join(folder, 'cached'), data)
  expect(await copyHashing(join(folder, 'cached'), join(folder, 'copy'), data.length)).toBe(sha(data))
  expect(readFileSync(join(folder, 'copy')).equals(data)).toBe(true)
  expect(statSync(join(folder, 'copy')).mode & 0o777).toBe(0o600)
  expect(openIn(folder)).toEqual([])
})

it('takes a file of exactly the limit, and refuses one byte more unread', async () => {
  const folder = dir()
  writeFileSync(join(folder, 'cached'), '0123456789')
  expect(await copyHashing(join(folder, 'cached'), join(folder, 'copy'), 10)).toBe(sha(Buffer.from('0123456789')))
  const refused = copyHashing(join(folder, 'cached'), join(folder, 'other'), 9)
  await expect(refused).rejects.toThrow(Uncopyable)
  await expect(refused).rejects.toThrow(/^10 bytes, over the /)
  expect(openIn(folder)).toEqual([])
})

it('leaves no file open when the copy cannot be made', async () => {
  const folder = dir()
  writeFileSync(join(folder, 'cached'), 'chainctl')
  writeFileSync(join(folder, 'taken'), '')
  await expect(copyHashing(join(folder, 'cached'), join(folder, 'taken'), 100)).rejects.toThrow(/EEXIST/)
  await expect(copyHashing(join(folder, 'cached'), join(folder, 'none', 'copy'), 100)).rejects.toThrow(/ENOENT/)
  expect(openIn(folder)).toEqual([])
})

// A sysfs file says 4096 bytes and holds a few: the copy ends at what the file gives, not in a
// loop waiting for the rest (as it would for a cached file cut short while it is copied).
const SAYS_MORE = '/sys/devices/system/cpu/online'
;(existsSync(SAYS_MORE) ? it : it.skip)('ends at the end of what a file holds, short of the size it said', async () => {
  const folder = dir()
  const copied = copyHashing(SAYS_MORE, join(folder, 'copy'), 1024 * 1024)
  const late = new Promise((resolve) => setTimeout(() => resolve('still copying'), 2000).unref())
  expect(await Promise.race([copied, late])).toBe(sha(readFileSync(SAYS_MORE)))
  expect(statSync(SAYS_MORE).size).toBeGreaterThan(statSync(join(folder, 'copy')).size)
})
