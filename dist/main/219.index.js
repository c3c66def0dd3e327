export const id = 219;
export const ids = [219];
export const modules = {

/***/ 5219:
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
// EXTERNAL MODULE: ./src/util/exec.ts + 1 modules
var exec = __webpack_require__(2817);
// EXTERNAL MODULE: ./node_modules/@actions/tool-cache/lib/tool-cache.js + 2 modules
var tool_cache = __webpack_require__(9805);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/util/text.ts
var util_text = __webpack_require__(9997);
// EXTERNAL MODULE: ./src/net/http.ts + 5 modules
var http = __webpack_require__(8399);
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

// EXTERNAL MODULE: ./src/net/retry.ts
var retry = __webpack_require__(7893);
;// CONCATENATED MODULE: ./src/chainctl/install.ts
// Installs chainctl through the tool cache in two steps, so that the caller decides when to keep
// it: fetch (resolve the version, then a cache hit or a download, each verified against the
// release's checksums file: on a shared runner another job can write the tool cache), and keep
// (cache a download, and put chainctl on PATH).










/** chainctl is about 60 MB: this is room to grow, not room to fill a disk. */
const MAX_BINARY_BYTES = 512 * 1024 * 1024;
// Each attempt's deadline covers the whole body: 2 minutes lets 60 MB through a 0.5 MB/s link.
const BINARY_POLICY = { ...retry/* DEFAULT_POLICY */.zj, timeoutMs: 120_000, deadlineMs: 300_000 };
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
        await (0,promises_.pipeline)(body, hashing, (0,external_node_fs_.createWriteStream)(file, { mode: 0o700 }));
        sha256 = hash.digest('hex');
    };
    await fetchOk(url, { policy: BINARY_POLICY, ...opts, sink, maxBytes: MAX_BINARY_BYTES });
    return sha256;
}
/** The sha256 the release's chainctl_checksums.txt lists for `file`. */
async function publishedSha256(base, file, version, opts) {
    const expected = checksumFor((await fetchOk(`${base}/chainctl_checksums.txt`, opts)).toString(), file);
    if (!expected)
        throw new ReleaseError(`chainctl_checksums.txt of ${version} lists no checksum for ${file}`);
    return expected;
}
async function sha256Of(path) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for await (const chunk of (0,external_node_fs_.createReadStream)(path))
        hash.update(chunk);
    return hash.digest('hex');
}
/**
 * Checks the cached `exe` in `dir` against the release's checksums. A changed entry is removed,
 * not kept: it would fail every later job on the runner too, and the next run downloads it again.
 */
async function verifyCached(dir, exe, expected, version) {
    const path = (0,external_node_path_.join)(dir, exe);
    const [want, actual] = await Promise.all([expected, sha256Of(path).catch((err) => `unreadable (${err.code})`)]);
    if (actual === want)
        return;
    (0,external_node_fs_.rmSync)(`${dir}.complete`, { force: true }); // first, so tc.find stops returning it
    (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true });
    throw new ReleaseError(`The cached chainctl ${version} at ${path} does not match chainctl_checksums.txt (sha256 ${want}, the file is ${actual}): ` +
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
async function fetchChainctl(c, opts = {}, info = core/* info */.pq) {
    const file = assetName(process.env.RUNNER_OS ?? '', process.env.RUNNER_ARCH ?? '');
    const exe = file.endsWith('.exe') ? 'chainctl.exe' : 'chainctl';
    const version = await resolveVersion(c, opts);
    const base = `${c.downloadUrl}/${version}`;
    const tool = toolCacheName(c.downloadUrl);
    const cached = tool_cache/* find */.I6(tool, version, arch());
    if (cached) {
        await verifyCached(cached, exe, publishedSha256(base, file, version, opts), version);
        return { version, path: (0,external_node_path_.join)(cached, exe), fromCache: true, tool };
    }
    info(`Downloading chainctl ${version} from ${base}/${file}`);
    const staging = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(process.env.RUNNER_TEMP || '.', 'chainctl-'));
    try {
        const path = (0,external_node_path_.join)(staging, exe);
        // Either one failing ends the other: a download left running would hold the step for minutes after its error.
        const both = new AbortController();
        const signal = opts.signal ? AbortSignal.any([both.signal, opts.signal]) : both.signal; // the caller's too
        const ending = (work) => work.catch((err) => (both.abort(), Promise.reject(err)));
        const [actual, expected] = await Promise.all([
            ending(downloadTo(`${base}/${file}`, path, { ...opts, signal })),
            ending(publishedSha256(base, file, version, { ...opts, signal })),
        ]);
        if (actual !== expected) {
            throw new ReleaseError(`Checksum mismatch for ${file} ${version}: chainctl_checksums.txt says sha256 ${expected}, the download is ${actual}; nothing was installed`);
        }
        (0,external_node_fs_.chmodSync)(path, 0o755);
        return { version, path, fromCache: false, tool, staging };
    }
    catch (err) {
        dropChainctl({ staging });
        throw err;
    }
}
/**
 * Puts chainctl on PATH, caching a download first (its staging folder stays: see dropChainctl).
 * A download the tool cache cannot take is run from its staging folder (path: f.path): another
 * job caching the same version at once removes the folder this one copies into.
 */
async function keepChainctl(f, warn = core/* warning */.$e) {
    const exe = (0,external_node_path_.basename)(f.path);
    const dir = !f.staging
        ? (0,external_node_path_.dirname)(f.path)
        : await tool_cache/* cacheFile */.NJ(f.path, exe, f.tool, f.version, arch()).catch((err) => {
            warn(`Could not cache chainctl ${f.version} (${(0,util_text/* oneLine */.T)(err.message)}); this job runs its verified download`);
            return (0,external_node_path_.dirname)(f.path);
        });
    core/* addPath */.fM(dir);
    return { version: f.version, path: (0,external_node_path_.join)(dir, exe), fromCache: !f.staging };
}
/** Removes a download's staging folder. */
function dropChainctl(f) {
    if (f.staging)
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
/** chainctl finds the runner's OIDC variables itself: no token on its command line. */
async function login(chainctl, c, identity, audience, limits = {}) {
    const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`];
    const env = c.configPath ? { ...process.env, CHAINCTL_CONFIG: c.configPath } : process.env;
    const { code, output } = await (0,exec/* run */.eF)(chainctl.path, args, { env, ...limits });
    if (code !== 0)
        throw new ChainctlError(`chainctl auth login${audience ? ` --audience ${audience}` : ''} failed: ${(0,exec/* lastLine */.fM)(output)}`);
}
/**
 * The three logins at once: each writes only its own audience's token file (chainctl saves a
 * token per audience and reads its config without writing it), so nothing needs serializing.
 */
async function loginAll(chainctl, c, identity, signal) {
    const logins = [undefined, c.apkHost, c.librariesHost].map((aud) => login(chainctl, c, identity, aud, { signal }));
    const results = await Promise.allSettled(logins);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed)
        throw failed.reason;
}
async function setupChainctl(c, a) {
    const fetched = await a.timed('chainctl download', () => fetchChainctl(c, { onRetry: a.log.warning, signal: a.signal }, a.log.info));
    // The post step removes a download, however this ends: a chainctl login, and the post step's
    // logout, run it from where it was verified; so does a job whose tool cache could not take it.
    if (fetched.staging)
        (0,state/* remember */.k)({ kind: 'remove', path: fetched.staging });
    const kept = a.login.then(() => keepChainctl(fetched, a.log.warning)); // a failed login caches nothing
    kept.catch(() => undefined); // awaited below
    let logsIn = false; // whether chainctl logs in (and so runs the download from where it was verified)
    try {
        const creds = await a.creds;
        if (c.configPath)
            core/* exportVariable */.dN('CHAINCTL_CONFIG', c.configPath);
        logsIn = creds.tokenFor !== undefined; // pull-token logins have no identity to log chainctl in as
        if (logsIn) {
            if (a.logout)
                (0,state/* remember */.k)({ kind: 'chainctl-logout', chainctl: fetched.path });
            await a.timed('chainctl login', () => loginAll(fetched, c, creds.identity, a.signal));
        }
        const installed = await kept;
        a.log.info(`chainctl ${installed.version} on PATH${installed.fromCache ? ' (from the tool cache)' : ''}`);
        if (logsIn)
            a.log.info(`chainctl logged in as ${creds.identity} (API, ${c.apkHost}, ${c.librariesHost})`);
        return installed;
    }
    catch (err) {
        // `logout: false` keeps chainctl logged in for the later steps of a run that succeeds, not of this one.
        if (logsIn && !a.logout)
            (0,state/* remember */.k)({ kind: 'chainctl-logout', chainctl: fetched.path });
        throw err;
    }
    finally {
        // Without a login, a download that was cached is not run from its staging folder again: it goes at once.
        const drop = () => dropChainctl(fetched);
        if (!logsIn)
            await kept.then((k) => k.path !== fetched.path && drop(), drop);
    }
}


/***/ })

};
