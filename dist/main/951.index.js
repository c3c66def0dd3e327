export const id = 951;
export const ids = [951];
export const modules = {

/***/ 8951:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ChainctlError: () => (/* binding */ ChainctlError),
  login: () => (/* binding */ login),
  setupChainctl: () => (/* binding */ setupChainctl)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: external "node:timers/promises"
var promises_ = __webpack_require__(8500);
// EXTERNAL MODULE: ./src/util/exec.ts + 1 modules
var exec = __webpack_require__(2817);
// EXTERNAL MODULE: ./src/net/retry.ts
var net_retry = __webpack_require__(7893);
;// CONCATENATED MODULE: ./src/chainctl/loginfailure.ts
/** gRPC codes a later try can get past; every other code is an answer (PermissionDenied, Unauthenticated, ...). */
const RETRIED_CODES = {
    ResourceExhausted: 'rate limited',
    Unavailable: 'unavailable',
    DeadlineExceeded: 'timed out',
    Aborted: 'aborted',
    Unknown: 'unknown error',
    Internal: 'internal error',
};
/** Refusals in other words: the identity, the token or the job's permissions, which a retry does not change. */
const REFUSAL = /\b(?:400|401|403|404)\b|permission denied|no matching identit|unauthori[sz]ed|unauthenticated|forbidden|no OIDC token|ACTIONS_ID_TOKEN_REQUEST/i;
const TRANSIENT = [
    [/\b429\b|too many requests|rate.?limit/i, 'rate limited'],
    [/\b50[0234]\b|service unavailable|bad gateway/i, 'unavailable'],
    [/timeout|timed out|deadline exceeded|did not finish within/i, 'timed out'],
    [/connection reset|broken pipe|ECONNRESET/i, 'connection reset'],
    [/\bEOF\b/, 'connection closed early (EOF)'],
    [/connection refused|no such host|network is unreachable|temporary failure/i, 'network error'],
];
/** What to do about a login that printed `output` (its last line) and failed. When unsure, retry. */
function classifyLoginFailure(output) {
    // Answers no retry changes that gRPC wraps in Unavailable: Go's TLS verification failures, a proxy wanting credentials.
    if (/\bx509: |tls: failed to verify certificate/.test(output))
        return { retry: false, why: 'untrusted certificate' };
    if (/proxy authentication required/i.test(output))
        return { retry: false, why: 'refused by the proxy (407)' };
    const code = /rpc error: code = (\w+)/.exec(output)?.[1];
    // grpc-go's Unknown for an HTTP status it has no code for: a 4xx (but 429) is an answer.
    const status = Number(/unexpected HTTP status code received from server: (\d{3})/.exec(output)?.[1]);
    if (code === 'Unknown' && status >= 400 && status < 500 && status !== 429)
        return { retry: false, why: `refused (HTTP ${status})` };
    if (code)
        return code in RETRIED_CODES ? { retry: true, why: RETRIED_CODES[code] } : { retry: false, why: `refused (${code})` };
    const transient = TRANSIENT.find(([re]) => re.test(output));
    if (REFUSAL.test(output) && !/\b429\b|\b50[0234]\b/.test(output))
        return { retry: false, why: 'refused' };
    return transient ? { retry: true, why: transient[1] } : { retry: true, why: 'unrecognized failure' };
}

// EXTERNAL MODULE: ./node_modules/@actions/tool-cache/lib/tool-cache.js + 2 modules
var tool_cache = __webpack_require__(9805);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/util/text.ts
var util_text = __webpack_require__(9997);
// EXTERNAL MODULE: ./src/net/http.ts + 5 modules
var http = __webpack_require__(8328);
;// CONCATENATED MODULE: ./src/chainctl/release.ts
// Pure facts about chainctl releases: file names per platform, the checksums file, and the
// tool-cache name of a download source.

const OS = { Linux: 'linux', macOS: 'darwin', Windows: 'windows' };
const ARCH = { X64: 'x86_64', ARM64: 'arm64' };
class ReleaseError extends Error {
}
/** The release file for a runner, from RUNNER_OS / RUNNER_ARCH: e.g. chainctl_darwin_arm64. */
function assetName(runnerOs, runnerArch) {
    const os = OS[runnerOs];
    const arch = ARCH[runnerArch];
    if (!os || !arch) {
        throw new ReleaseError(`chainctl is published for Linux, macOS and Windows on X64 and ARM64, not ${runnerOs || '?'}/${runnerArch || '?'}`);
    }
    return `chainctl_${os}_${arch}${os === 'windows' ? '.exe' : ''}`;
}
/**
 * The release files that run on a runner, best first. Windows on ARM64 also runs x86_64 programs
 * (emulated), and Chainguard's install guide names only chainctl_windows_x86_64.exe for Windows.
 */
function assetNames(runnerOs, runnerArch) {
    const file = assetName(runnerOs, runnerArch);
    return runnerOs === 'Windows' && runnerArch === 'ARM64' ? [file, assetName('Windows', 'X64')] : [file];
}
/** The first of `files` the checksums list, with its sha256. */
function firstListed(checksums, files) {
    for (const file of files) {
        const sha256 = checksumFor(checksums, file);
        if (sha256)
            return { file, sha256 };
    }
    return undefined;
}
/** The sha256 listed for `file` in a sha256sum-format checksums file. */
function checksumFor(checksums, file) {
    for (const line of checksums.split('\n')) {
        const m = /^([0-9a-f]{64}) [ *]?(\S+)\s*$/i.exec(line.trim());
        if (m && m[2] === file)
            return m[1].toLowerCase();
    }
    return undefined;
}
/** The version from latest/metadata.json, if it is a plain X.Y.Z. */
function versionFromMetadata(metadata) {
    const v = metadata?.version;
    return typeof v === 'string' && /^v?\d+\.\d+\.\d+$/.test(v) ? v.replace(/^v/, '') : undefined;
}
/**
 * The tool-cache name for chainctl from `downloadUrl`: chainctl-<host>-<12 hex of the URL's
 * sha256>. A mirror's binary never serves a job downloading from elsewhere, and the folder still
 * says where it came from.
 */
function toolCacheName(downloadUrl) {
    const host = new URL(downloadUrl).hostname.replace(/[^a-z0-9.-]/g, '-');
    return `chainctl-${host}-${(0,external_node_crypto_.createHash)('sha256').update(downloadUrl).digest('hex').slice(0, 12)}`;
}

// EXTERNAL MODULE: ./src/util/home.ts
var home = __webpack_require__(3545);
;// CONCATENATED MODULE: ./src/chainctl/private.ts
// chainctl private to the job. chainctl keeps its tokens under os.UserCacheDir()/chainguard
// (Linux $XDG_CACHE_HOME or ~/.cache, macOS ~/Library/Caches, Windows %LocalAppData%): shared by
// every job of the user on a self-hosted machine, where one job's logout would drop another's
// tokens and identities would mix. Each job's chainctl gets a cache folder of its own instead,
// set only for chainctl (a later step's pip or go keep their caches): the action runs its verified
// copy with it, and later steps find on PATH a launcher that does the same.


/** The variable os.UserCacheDir() reads on `platform`, pointed at `cache`. */
function cacheEnv(cache, platform = process.platform) {
    if (platform === 'win32')
        return { LOCALAPPDATA: cache };
    if (platform === 'darwin')
        return { HOME: cache }; // $HOME/Library/Caches: no variable of its own
    return { XDG_CACHE_HOME: cache };
}
const shQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
// cmd expands %NAME% even inside quotes: a literal % is %%.
const cmdQuote = (s) => `"${s.replace(/%/g, '%%')}"`;
/**
 * Writes, in `dir`, a `chainctl` launcher for later steps that runs the verified copy `exe` with
 * `env`; returns `dir`, for PATH. Only the launcher is in `dir`: the copy itself is not on PATH.
 */
function writeLauncher(dir, exe, env, platform = process.platform) {
    (0,external_node_fs_.mkdirSync)(dir, { recursive: true, mode: 0o700 });
    if (platform === 'win32') {
        const sets = Object.entries(env).map(([k, v]) => `set ${cmdQuote(`${k}=${v}`)}\r\n`);
        (0,external_node_fs_.writeFileSync)((0,external_node_path_.join)(dir, 'chainctl.cmd'), `@echo off\r\n${sets.join('')}${cmdQuote(exe)} %*\r\n`);
    }
    else {
        const sets = Object.entries(env).map(([k, v]) => `${k}=${shQuote(v)} export ${k}\n`);
        (0,external_node_fs_.writeFileSync)((0,external_node_path_.join)(dir, 'chainctl'), `#!/bin/sh\n${sets.join('')}exec ${shQuote(exe)} "$@"\n`);
        (0,external_node_fs_.chmodSync)((0,external_node_path_.join)(dir, 'chainctl'), 0o700);
    }
    return dir;
}

// EXTERNAL MODULE: external "node:fs/promises"
var external_node_fs_promises_ = __webpack_require__(1455);
;// CONCATENATED MODULE: ./src/chainctl/cachecopy.ts
// The copy of a cached chainctl into the job's own folder, hashed as it is written: the bytes
// checked are the bytes that will run, whatever happens to the tool cache's file meanwhile.



// Two 1 MiB buffers in turn: streams took a fresh 64 KiB buffer for each of a 64 MiB file's 1024
// chunks (3.5 times the page faults) and twice the CPU, and the copy held chainctl's logins back.
const COPY_CHUNK = 1024 * 1024;
/** Writes all of `chunk` at `at`: a write may take fewer bytes than it was given. */
async function writeAll(file, chunk, at) {
    for (let done = 0; done < chunk.length;)
        done += (await file.write(chunk, done, chunk.length - done, at + done)).bytesWritten;
}
/** Why a cached chainctl cannot be copied at all: it is named in place of its sha256. */
class Uncopyable extends Error {
}
/**
 * Opens the cached chainctl if it is a regular file no larger than `maxBytes`, and returns its
 * size: on a shared runner another job can put a named pipe (an open would wait for a writer for
 * ever) or a link to /dev/zero (a copy that fills the disk) in its place. Non-blocking: a pipe
 * opens at once, to be refused.
 */
async function openCached(from, maxBytes) {
    const source = await (0,external_node_fs_promises_.open)(from, external_node_fs_.constants.O_RDONLY | (external_node_fs_.constants.O_NONBLOCK ?? 0));
    const stat = await source.stat().catch((err) => source.close().then(() => Promise.reject(err)));
    const limit = `over the ${maxBytes / (1024 * 1024)} MiB limit`;
    const refused = !stat.isFile() ? 'not a regular file' : stat.size > maxBytes ? `${stat.size} bytes, ${limit}` : undefined;
    if (refused)
        await source.close().then(() => Promise.reject(new Uncopyable(refused)));
    return [source, stat.size];
}
/**
 * Copies `from` to `to`, a new file (0600), in one pass, hashing the bytes written: the copy's
 * sha256. A chunk is read and hashed while the one before it is being written. No more than the
 * size the file had when opened is read: a file still growing ends there.
 */
async function copyHashing(from, to, maxBytes) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const [source, size] = await openCached(from, maxBytes);
    const copy = await (0,external_node_fs_promises_.open)(to, 'wx', 0o600).catch((err) => source.close().then(() => Promise.reject(err)));
    let writing = Promise.resolve();
    try {
        const buffers = [Buffer.allocUnsafe(COPY_CHUNK), Buffer.allocUnsafe(COPY_CHUNK)];
        for (let at = 0, turn = 0; at < size; turn ^= 1) {
            const { bytesRead } = await source.read(buffers[turn], 0, Math.min(COPY_CHUNK, size - at), at); // not the buffer being written
            if (bytesRead === 0)
                break;
            const chunk = buffers[turn].subarray(0, bytesRead);
            hash.update(chunk);
            await writing;
            writing = writeAll(copy, chunk, at);
            at += bytesRead;
        }
        await writing;
    }
    finally {
        await writing.catch(() => undefined); // after a failed read: no write left running on a closed file
        await Promise.all([source.close(), copy.close()]);
    }
    return hash.digest('hex');
}

;// CONCATENATED MODULE: ./src/chainctl/install.ts
// Installs chainctl through the tool cache in two steps, so that the caller decides when to keep
// it: fetch (resolve the version, then a cache hit or a download, into a folder of the job's own,
// where the copy that will run is verified against the release's checksums file: on a shared
// runner another job can write the tool cache), and keep (cache a download, and put a launcher of
// that copy on PATH: never the tool cache's folder, which another job may rewrite).













/** chainctl is about 60 MB: this is room to grow, not room to fill a disk. */
const MAX_BINARY_BYTES = 512 * 1024 * 1024;
// Each attempt's deadline covers the whole body: 2 minutes lets 60 MB through a 0.5 MB/s link.
const BINARY_POLICY = { ...net_retry/* DEFAULT_POLICY */.zj, timeoutMs: 120_000, deadlineMs: 300_000 };
const arch = () => (process.env.RUNNER_ARCH ?? '').toLowerCase();
/** GETs `url`, failing on anything but 200 once retries are spent. */
async function fetchOk(url, opts) {
    const res = await (0,http/* send */.tN)({ method: 'GET', url }, { service: 'chainctl download', ...opts });
    if (res.status !== 200)
        throw new ReleaseError(`Downloading ${url} failed: HTTP ${res.status}`);
    return res.data;
}
/** Streams `url` into `file` (mode 0700), returning its sha256: tens of MB never sit in memory. */
async function downloadTo(url, file, opts) {
    let sha256 = '';
    const sink = async (body) => {
        const hash = (0,external_node_crypto_.createHash)('sha256');
        const hashing = async function* (source) {
            for await (const chunk of source) {
                hash.update(chunk);
                yield chunk;
            }
        };
        await (0,external_node_stream_promises_.pipeline)(body, hashing, (0,external_node_fs_.createWriteStream)(file, { mode: 0o700 }));
        sha256 = hash.digest('hex');
    };
    await fetchOk(url, { policy: BINARY_POLICY, ...opts, sink, maxBytes: MAX_BINARY_BYTES });
    return sha256;
}
/** The first of `files` the release's chainctl_checksums.txt lists, with its sha256. */
async function published(base, files, version, opts) {
    const listed = firstListed((await fetchOk(`${base}/chainctl_checksums.txt`, opts)).toString(), files);
    if (!listed)
        throw new ReleaseError(`chainctl_checksums.txt of ${version} lists no checksum for ${files.join(' or ')}`);
    return listed;
}
/** Starts copying chainctl `version` from the tool cache to `path`, if the cache holds it. */
function copyIfCached(tool, version, exe, path) {
    const dir = version && tool_cache/* find */.I6(tool, version, arch());
    if (!dir)
        return undefined;
    // Asynchronous, not copyFileSync: a 64 MiB copy must not stall the registry login running alongside.
    return {
        dir,
        hashed: copyHashing((0,external_node_path_.join)(dir, exe), path, MAX_BINARY_BYTES).catch((err) => err instanceof Uncopyable ? err.message : `unreadable (${err.code})`),
    };
}
/** The newest version of `tool` the tool cache holds for this runner's architecture. */
const newestCached = (tool) => tool_cache/* evaluateVersions */.hX(tool_cache/* findAllVersions */.iq(tool, arch()), '*') || undefined;
/**
 * Checks the copy, the file that will run, against the release's checksums: the cache may change
 * after the check, the copy cannot. A changed entry is removed, not kept: it would fail every
 * later job on the runner too, and the next run downloads it again.
 */
async function verifyCopy(hit, copy, expected, version) {
    const [want, actual] = await Promise.all([expected, hit.hashed]);
    if (actual === want)
        return (0,external_node_fs_.chmodSync)(copy, 0o700);
    (0,external_node_fs_.rmSync)(`${hit.dir}.complete`, { force: true }); // first, so tc.find stops returning it
    (0,external_node_fs_.rmSync)(hit.dir, { recursive: true, force: true });
    throw new ReleaseError(`The cached chainctl ${version} at ${(0,external_node_path_.join)(hit.dir, (0,external_node_path_.basename)(copy))} does not match chainctl_checksums.txt (sha256 ${want}, the file is ${actual}): ` +
        'it changed after it was cached; it was not run and was removed from the tool cache, so the next run downloads it again');
}
async function resolveVersion(c, opts) {
    if (c.version !== 'latest')
        return c.version;
    const url = `${c.downloadUrl}/latest/metadata.json`;
    const version = versionFromMetadata((0,http/* jsonObject */.o$)((await fetchOk(url, opts)).toString()));
    if (!version)
        throw new ReleaseError(`${url} did not name a version (expected JSON {"version": "X.Y.Z"})`);
    return version;
}
/** Downloads the release's chainctl for this runner to `path`, checked against its checksums. */
async function download(base, files, version, path, opts, info) {
    // With a fallback, the checksums say which file to download; else they come alongside it.
    const listed = files.length > 1 ? await published(base, files, version, opts) : undefined;
    const file = listed?.file ?? files[0];
    if (file !== files[0])
        info(`chainctl ${version} has no ${files[0]}: using ${file}, which Windows on ARM64 runs emulated`);
    info(`Downloading chainctl ${version} from ${base}/${file}`);
    // Either one failing ends the other: a download left running would hold the step for minutes after its error.
    const both = new AbortController();
    const signal = opts.signal ? AbortSignal.any([both.signal, opts.signal]) : both.signal; // the caller's too
    const ending = (work) => work.catch((err) => (both.abort(), Promise.reject(err)));
    const [actual, expected] = await Promise.all([
        ending(downloadTo(`${base}/${file}`, path, { ...opts, signal })),
        ending(listed ? Promise.resolve(listed) : published(base, files, version, { ...opts, signal })),
    ]);
    if (actual !== expected.sha256) {
        throw new ReleaseError(`Checksum mismatch for ${file} ${version}: chainctl_checksums.txt says sha256 ${expected.sha256}, the download is ${actual}; nothing was installed`);
    }
    (0,external_node_fs_.chmodSync)(path, 0o700);
}
async function fetchChainctl(c, opts = {}, info = core/* info */.pq) {
    const files = assetNames(process.env.RUNNER_OS ?? '', process.env.RUNNER_ARCH ?? '');
    const exe = files[0].endsWith('.exe') ? 'chainctl.exe' : 'chainctl';
    const tool = toolCacheName(c.downloadUrl);
    const staging = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)((0,home/* jobTemp */.UG)(), 'chainctl-'));
    const path = (0,external_node_path_.join)(staging, exe);
    const env = cacheEnv((0,external_node_path_.join)(staging, 'cache'));
    // `latest` is most often the newest version cached: its copy is made while metadata.json says which version is latest.
    const guess = c.version === 'latest' ? newestCached(tool) : c.version;
    let hit = copyIfCached(tool, guess, exe, path);
    try {
        const version = await resolveVersion(c, opts);
        const base = `${c.downloadUrl}/${version}`;
        if (hit && version !== guess) {
            await hit.hashed; // not the version latest names: that copy goes, unchecked and never run
            (0,external_node_fs_.rmSync)(path, { force: true });
            hit = copyIfCached(tool, version, exe, path);
        }
        if (hit)
            await verifyCopy(hit, path, published(base, files, version, opts).then((p) => p.sha256), version);
        else
            await download(base, files, version, path, opts, info);
        return { version, path, fromCache: hit !== undefined, tool, staging, env };
    }
    catch (err) {
        await hit?.hashed; // no copy still being written in the folder removed next
        dropChainctl({ staging });
        throw err;
    }
}
/**
 * Caches a download (unless another job cached that version meanwhile: tc.cacheFile empties the
 * folder first), and puts the launcher of the job's verified copy on PATH.
 */
async function keepChainctl(f, warn = core/* warning */.$e) {
    if (!f.fromCache && !tool_cache/* find */.I6(f.tool, f.version, arch()))
        await tool_cache/* cacheFile */.NJ(f.path, (0,external_node_path_.basename)(f.path), f.tool, f.version, arch()).catch((err) => {
            warn(`Could not cache chainctl ${f.version} (${(0,util_text/* oneLine */.T)(err.message)}); this job runs its verified download`);
        });
    core/* addPath */.fM(writeLauncher((0,external_node_path_.join)(f.staging, 'path'), f.path, f.env));
    return { version: f.version, path: f.path, fromCache: f.fromCache, env: f.env };
}
/** Removes the job's copy and its folder. */
function dropChainctl(f) {
    (0,external_node_fs_.rmSync)(f.staging, { recursive: true, force: true });
}

// EXTERNAL MODULE: ./src/util/state.ts
var state = __webpack_require__(2269);
;// CONCATENATED MODULE: ./src/chainctl/setup.ts
// chainctl for later steps, alongside the registry login: resolved and downloaded at once, kept
// (cached, put on PATH) once the registry login succeeded, and logged in as the identity for the
// API and the apk and libraries hosts as soon as both the identity and the binary are ready.
// Loaded only when `install` is on, so a plain registry login never pays for it.







class ChainctlError extends Error {
}
/**
 * chainctl finds the runner's OIDC variables itself: no token on its command line. A login that
 * fails the way a busy STS or network fails is retried under LOGIN_POLICY; a refusal is not.
 */
async function login(chainctl, c, identity, audience, limits = {}) {
    const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`];
    const env = { ...process.env, ...chainctl.env, ...(c.configPath ? { CHAINCTL_CONFIG: c.configPath } : {}) };
    const what = `chainctl auth login${audience ? ` --audience ${audience}` : ''}`;
    const { signal, onRetry = core/* warning */.$e, startedAt = Date.now(), policy = net_retry/* LOGIN_POLICY */.XV } = limits;
    const remaining = (deadlineMs) => startedAt + deadlineMs - Date.now();
    let schedule = policy; // after a rate-limited attempt, its schedule's deadline bounds the next
    const timeoutMs = limits.timeoutMs ?? policy.timeoutMs;
    for (let retry = 0;; retry++) {
        // A login that overran its time is retried like a timed-out request; a cancelled one is not.
        const failed = await (0,exec/* run */.eF)(chainctl.path, args, {
            env,
            signal,
            timeoutMs: Math.max(1, Math.min(timeoutMs, remaining(schedule.deadlineMs))),
        }).then(({ code, output }) => (code === 0 ? undefined : (0,exec/* lastLine */.fM)(output)), (err) => (signal?.aborted || !/did not finish within/.test(err.message) ? Promise.reject(err) : err.message));
        if (failed === undefined)
            return;
        const failure = classifyLoginFailure(failed);
        schedule = (0,net_retry/* scheduleFor */.hd)(policy, failure.why === 'rate limited');
        const delay = failure.retry ? (0,net_retry/* nextDelayMs */.j6)(retry, undefined, remaining(schedule.deadlineMs), schedule) : undefined;
        if (delay === undefined) {
            throw new ChainctlError(retry === 0 && !failure.retry ? `${what} failed: ${failed}` : `${what} failed after ${retry + 1} attempt(s): ${failed}`);
        }
        onRetry(`${what} failed (${failure.why}): ${failed}; retry ${retry + 1}/${schedule.attempts - 1} in ${(delay / 1000).toFixed(1)}s`);
        await (0,promises_.setTimeout)(delay, undefined, { signal }).catch(() => Promise.reject(new exec/* ExecError */.cI(`${what} was cancelled`)));
    }
}
/** What a later command needs chainctl logged in to each host for, named when its login fails. */
const USED_BY = {
    apk: (host) => `apk with https://${host} repositories, and chainctl auth token --audience ${host}`,
    libraries: (host) => `pip, npm or Maven installs from https://${host}, and chainctl auth token --audience ${host}`,
};
/**
 * The three logins at once: each writes only its own audience's token file (chainctl saves a
 * token per audience and reads its config without writing it), so nothing needs serializing. The
 * API login must work; an apk or libraries login that fails for good is warned about and the step
 * goes on, unless this step needs that host (env-auth needs apk). Returns the hosts logged in to.
 */
async function loginAll(chainctl, c, identity, a) {
    const limits = { signal: a.signal, startedAt: Date.now(), onRetry: a.log.warning };
    const hosts = [
        { host: c.apkHost, kind: 'apk', needed: c.envAuth },
        { host: c.librariesHost, kind: 'libraries', needed: false },
    ];
    const [api, ...others] = await Promise.allSettled([undefined, ...hosts.map((h) => h.host)].map((aud) => login(chainctl, c, identity, aud, limits)));
    const reasons = [api, ...others].flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason]] : []));
    const fatal = reasons.find(([i]) => i === 0 || hosts[i - 1].needed);
    if (fatal)
        throw fatal[1];
    for (const [i, err] of reasons) {
        const { host, kind } = hosts[i - 1];
        a.log.warning(`${err.message}. chainctl is logged in to the registry and the API, but not ${host}: later ${USED_BY[kind](host)} will fail; the step goes on`);
    }
    return hosts.filter((_, i) => others[i].status === 'fulfilled').map((h) => h.host);
}
async function setupChainctl(c, a) {
    const fetched = await a.timed('chainctl download', () => fetchChainctl(c, { onRetry: a.log.warning, signal: a.signal }, a.log.info));
    // The post step removes the job's copy, however this ends: chainctl's logins, later steps and
    // the post step's logout all run that copy, from where it was verified, with its token cache.
    (0,state/* remember */.kY)({ kind: 'remove', path: fetched.staging });
    const kept = a.login.then(() => keepChainctl(fetched, a.log.warning)); // a failed login caches nothing
    kept.catch(() => undefined); // awaited below
    let logsIn = false; // whether chainctl logs in (and so runs the download from where it was verified)
    let loggedIn = [];
    try {
        const creds = await a.creds;
        if (c.configPath)
            core/* exportVariable */.dN('CHAINCTL_CONFIG', c.configPath);
        logsIn = creds.tokenFor !== undefined; // pull-token logins have no identity to log chainctl in as
        if (logsIn) {
            if (a.logout)
                (0,state/* remember */.kY)({ kind: 'chainctl-logout', chainctl: fetched.path, env: fetched.env });
            loggedIn = await a.timed('chainctl login', () => loginAll(fetched, c, creds.identity, a));
        }
        const installed = await kept;
        a.log.info(`chainctl ${installed.version} on PATH${installed.fromCache ? ' (from the tool cache)' : ''}`);
        if (logsIn)
            a.log.info(`chainctl logged in as ${creds.identity} (${['API', ...loggedIn].join(', ')})`);
        return installed;
    }
    catch (err) {
        // `logout: false` keeps chainctl logged in for the later steps of a run that succeeds, not of this one.
        if (logsIn && !a.logout)
            (0,state/* remember */.kY)({ kind: 'chainctl-logout', chainctl: fetched.path, env: fetched.env });
        // Settle before failing: nothing of this step may still be caching or editing PATH after it.
        await kept.catch(() => undefined);
        throw err;
    }
    finally {
        // Not on PATH, and nothing for the post step to log out with: the copy goes at once.
        if (!logsIn)
            await kept.catch(() => dropChainctl(fetched));
    }
}


/***/ })

};
