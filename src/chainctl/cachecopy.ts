// The copy of a cached chainctl into the job's own folder, hashed as it is written: the bytes
// checked are the bytes that will run, whatever happens to the tool cache's file meanwhile.
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'

// Two 1 MiB buffers in turn: streams took a fresh 64 KiB buffer for each of a 64 MiB file's 1024
// chunks (3.5 times the page faults) and twice the CPU, and the copy held chainctl's logins back.
const COPY_CHUNK = 1024 * 1024

/** Writes all of `chunk` at `at`: a write may take fewer bytes than it was given. */
async function writeAll(file: FileHandle, chunk: Buffer, at: number): Promise<void> {
  for (let done = 0; done < chunk.length;) done += (await file.write(chunk, done, chunk.length - done, at + done)).bytesWritten
}

/** Why a cached chainctl cannot be copied at all: it is named in place of its sha256. */
export class Uncopyable extends Error {}

/**
 * Opens the cached chainctl if it is a regular file no larger than `maxBytes`, and returns its
 * size: on a shared runner another job can put a named pipe (an open would wait for a writer for
 * ever) or a link to /dev/zero (a copy that fills the disk) in its place. Non-blocking: a pipe
 * opens at once, to be refused.
 */
async function openCached(from: string, maxBytes: number): Promise<[FileHandle, number]> {
  const source = await open(from, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  const stat = await source.stat().catch((err: Error) => source.close().then(() => Promise.reject(err)))
  const limit = `over the ${maxBytes / (1024 * 1024)} MiB limit`
  const refused = !stat.isFile() ? 'not a regular file' : stat.size > maxBytes ? `${stat.size} bytes, ${limit}` : undefined
  if (refused) await source.close().then(() => Promise.reject(new Uncopyable(refused)))
  return [source, stat.size]
}

/**
 * Copies `from` to `to`, a new file (0600), in one pass, hashing the bytes written: the copy's
 * sha256. A chunk is read and hashed while the one before it is being written. No more than the
 * size the file had when opened is read: a file still growing ends there.
 */
export async function copyHashing(from: string, to: string, maxBytes: number): Promise<string> {
  const hash = createHash('sha256')
  const [source, size] = await openCached(from, maxBytes)
  const copy = await open(to, 'wx', 0o600).catch((err: Error) => source.close().then(() => Promise.reject(err)))
  let writing = Promise.resolve()
  try {
    const buffers = [Buffer.allocUnsafe(COPY_CHUNK), Buffer.allocUnsafe(COPY_CHUNK)]
    for (let at = 0, turn = 0; at < size; turn ^= 1) {
      const { bytesRead } = await source.read(buffers[turn], 0, Math.min(COPY_CHUNK, size - at), at) // not the buffer being written
      if (bytesRead === 0) break
      const chunk = buffers[turn].subarray(0, bytesRead)
      hash.update(chunk)
      await writing
      writing = writeAll(copy, chunk, at)
      at += bytesRead
    }
    await writing
  } finally {
    await writing.catch(() => undefined) // after a failed read: no write left running on a closed file
    await Promise.all([source.close(), copy.close()])
  }
  return hash.digest('hex')
}
