// chainctl private to the job. chainctl keeps its tokens under os.UserCacheDir()/chainguard
// (Linux $XDG_CACHE_HOME or ~/.cache, macOS ~/Library/Caches, Windows %LocalAppData%): shared by
// every job of the user on a self-hosted machine, where one job's logout would drop another's
// tokens and identities would mix. Each job's chainctl gets a cache folder of its own instead,
// set only for chainctl (a later step's pip or go keep their caches): the action runs its verified
// copy with it, and later steps find on PATH a launcher that does the same.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The variable os.UserCacheDir() reads on `platform`, pointed at `cache`. */
export function cacheEnv(cache: string, platform: string = process.platform): Record<string, string> {
  if (platform === 'win32') return { LOCALAPPDATA: cache }
  if (platform === 'darwin') return { HOME: cache } // $HOME/Library/Caches: no variable of its own
  return { XDG_CACHE_HOME: cache }
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
// cmd expands %NAME% even inside quotes: a literal % is %%.
const cmdQuote = (s: string) => `"${s.replace(/%/g, '%%')}"`

/**
 * Writes, in `dir`, a `chainctl` launcher for later steps that runs the verified copy `exe` with
 * `env`; returns `dir`, for PATH. Only the launcher is in `dir`: the copy itself is not on PATH.
 */
export function writeLauncher(dir: string, exe: string, env: Record<string, string>, platform: string = process.platform): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (platform === 'win32') {
    const sets = Object.entries(env).map(([k, v]) => `set ${cmdQuote(`${k}=${v}`)}\r\n`)
    writeFileSync(join(dir, 'chainctl.cmd'), `@echo off\r\n${sets.join('')}${cmdQuote(exe)} %*\r\n`)
  } else {
    const sets = Object.entries(env).map(([k, v]) => `${k}=${shQuote(v)} export ${k}\n`)
    writeFileSync(join(dir, 'chainctl'), `#!/bin/sh\n${sets.join('')}exec ${shQuote(exe)} "$@"\n`)
    chmodSync(join(dir, 'chainctl'), 0o700)
  }
  return dir
}
