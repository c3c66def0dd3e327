// File-system steps that fail on Windows where they work elsewhere, with what works instead.
import { copyFileSync, linkSync, renameSync, symlinkSync } from 'node:fs'

const TRANSIENT = new Set(['EPERM', 'EACCES', 'EBUSY'])

/**
 * renameSync, retried for up to a second on Windows while the target is held open by another
 * process (an antivirus scan, an indexer, a tool reading the config): Windows refuses the rename
 * with EPERM, EACCES or EBUSY until the handle closes, as graceful-fs works around. Elsewhere, and
 * for any other error, it fails at once.
 */
export function renameRetrying(from: string, to: string, platform: string = process.platform, rename = renameSync): void {
  for (let waitMs = 10; ; waitMs *= 2) {
    try {
      return rename(from, to)
    } catch (err) {
      if (platform !== 'win32' || !TRANSIENT.has((err as NodeJS.ErrnoException).code ?? '') || waitMs > 640) throw err
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, waitMs)
    }
  }
}

/**
 * Makes `link` stand for the file or folder `target`: a symbolic link (a junction for a folder,
 * which Windows allows everyone), else for a file a hard link, else a copy. A file symbolic link
 * on Windows needs the "Create symbolic links" privilege, which service accounts lack; a hard
 * link needs the same volume. Returns how it was made.
 */
export function linkOrCopy(
  target: string,
  link: string,
  folder: boolean,
  { symlink = symlinkSync, hardLink = linkSync }: { symlink?: typeof symlinkSync; hardLink?: typeof linkSync } = {},
): 'symlink' | 'hard link' | 'copy' {
  try {
    symlink(target, link, folder ? 'junction' : 'file')
    return 'symlink'
  } catch (err) {
    if (folder) throw err
  }
  try {
    hardLink(target, link)
    return 'hard link'
  } catch {
    copyFileSync(target, link)
    return 'copy'
  }
}
