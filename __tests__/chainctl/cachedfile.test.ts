// A tool-cache entry that another job on the runner replaced with something that is not a chainctl
// file: the job's copy must end at once, without hanging on it or filling the disk with it.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fetchChainctl } from '../../src/chainctl/install.js'
import { toolCacheName } from '../../src/chainctl/release.js'
import { releaseSite, sha } from '../../test/releasesite.ts'

const site = releaseSite()
const { options } = site
const CHAINCTL = Buffer.from('chainctl 0.2.50')

/** The tool cache's folder of chainctl 0.2.50 for Linux x64, marked complete, with `put` making its chainctl. */
function cache(put: (file: string) => void): string {
  const dir = join(process.env.RUNNER_TOOL_CACHE!, toolCacheName(options().downloadUrl), '0.2.50', 'x64')
  mkdirSync(dir, { recursive: true })
  put(join(dir, 'chainctl'))
  writeFileSync(`${dir}.complete`, '')
  return dir
}

/** The job's files under RUNNER_TEMP and their sizes. */
const written = () =>
  readdirSync(process.env.RUNNER_TEMP!, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(process.env.RUNNER_TEMP!, f)).isFile())
    .map((f) => statSync(join(process.env.RUNNER_TEMP!, f)).size)

/** fetchChainctl's outcome, or 'still running' after `ms`. */
const within = (ms: number) =>
  Promise.race([
    fetchChainctl(options(), {}, () => undefined).then(
      () => 'installed',
      (err: Error) => err.message,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms).unref()),
  ])

beforeEach(() => {
  Object.assign(process.env, { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64' })
  site.files = { '/chainctl/0.2.50/chainctl_checksums.txt': Buffer.from(`${sha(CHAINCTL)}  chainctl_linux_x86_64\n`) }
})

it.each([
  ['a named pipe no one writes to', (file: string) => execFileSync('mkfifo', [file])],
  ['a link to an endless device', (file: string) => symlinkSync('/dev/zero', file)],
  ['a folder', (file: string) => mkdirSync(file)],
])('is refused at once when it is %s, and dropped from the tool cache', async (_what, put) => {
  const dir = cache(put)
  expect(await within(3000)).toBe(
    `The cached chainctl 0.2.50 at ${join(dir, 'chainctl')} does not match chainctl_checksums.txt (sha256 ${sha(CHAINCTL)}, the file is not a regular file): ` +
      'it changed after it was cached; it was not run and was removed from the tool cache, so the next run downloads it again',
  )
  expect([existsSync(dir), written()]).toEqual([false, []])
})

it('is refused unread when it is larger than any chainctl download may be (512 MiB)', async () => {
  const dir = cache((file) => (writeFileSync(file, ''), truncateSync(file, 600 * 1024 * 1024))) // sparse: no disk used
  const started = Date.now()
  expect(await within(10_000)).toMatch(/, the file is 629145600 bytes, over the 512 MiB limit\): it changed after it was cached;/)
  expect(Date.now() - started).toBeLessThan(1000)
  expect([existsSync(dir), written()]).toEqual([false, []])
})
