export const id = 132;
export const ids = [132];
export const modules = {

/***/ 1132:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ChainctlError: () => (/* binding */ ChainctlError),
  setupChainctl: () => (/* binding */ setupChainctl)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: ./src/exec.ts + 1 modules
var exec = __webpack_require__(4981);
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
// EXTERNAL MODULE: ./src/http.ts + 1 modules
var http = __webpack_require__(256);
;// CONCATENATED MODULE: ./src/release.ts
// Pure facts about chainctl releases: file names per platform and the checksums file.
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

;// CONCATENATED MODULE: ./src/install.ts
// Installs chainctl through the tool cache in two steps: fetch (resolve the version, then a cache
// hit, or a download whose sha256 is verified against the release's checksums file), and keep
// (cache a download and put chainctl on PATH), so that the caller decides when to keep it.








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
    await fetchOk(url, { ...opts, sink });
    return sha256;
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
    const cached = tool_cache/* find */.I6('chainctl', version, arch());
    if (cached)
        return { version, path: (0,external_node_path_.join)(cached, exe), fromCache: true };
    const base = `${c.downloadUrl}/${version}`;
    info(`Downloading chainctl ${version} from ${base}/${file}`);
    const staging = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(process.env.RUNNER_TEMP || '.', 'chainctl-'));
    try {
        const path = (0,external_node_path_.join)(staging, exe);
        const [actual, checksums] = await Promise.all([
            downloadTo(`${base}/${file}`, path, opts),
            fetchOk(`${base}/chainctl_checksums.txt`, opts),
        ]);
        const expected = checksumFor(checksums.toString(), file);
        if (!expected)
            throw new ReleaseError(`chainctl_checksums.txt of ${version} lists no checksum for ${file}`);
        if (actual !== expected) {
            throw new ReleaseError(`Checksum mismatch for ${file} ${version}: chainctl_checksums.txt says sha256 ${expected}, the download is ${actual}; nothing was installed`);
        }
        (0,external_node_fs_.chmodSync)(path, 0o755);
        return { version, path, fromCache: false, staging };
    }
    catch (err) {
        dropChainctl({ staging });
        throw err;
    }
}
/** Puts chainctl on PATH, caching a download first (its staging folder stays: see dropChainctl). */
async function keepChainctl(f) {
    if (!f.staging) {
        core/* addPath */.fM((0,external_node_path_.dirname)(f.path));
        return { version: f.version, path: f.path, fromCache: true };
    }
    const exe = (0,external_node_path_.basename)(f.path);
    const dir = await tool_cache/* cacheFile */.NJ(f.path, exe, 'chainctl', f.version, arch());
    core/* addPath */.fM(dir);
    return { version: f.version, path: (0,external_node_path_.join)(dir, exe), fromCache: false };
}
/** Removes a download's staging folder. */
function dropChainctl(f) {
    if (f.staging)
        (0,external_node_fs_.rmSync)(f.staging, { recursive: true, force: true });
}

// EXTERNAL MODULE: ./src/state.ts
var state = __webpack_require__(2462);
;// CONCATENATED MODULE: ./src/chainctl.ts
// chainctl for later steps, alongside the registry login: resolved and downloaded at once, kept
// (cached, put on PATH) once the registry login succeeded, and logged in as the identity for the
// API and the apk and libraries hosts as soon as both the identity and the binary are ready;
// HTTP_AUTH for apk tooling on request. Loaded only when `install` is on, so a plain registry login
// never pays for it.




class ChainctlError extends Error {
}
/** chainctl finds the runner's OIDC variables itself: no token on its command line. */
async function login(chainctl, c, identity, audience) {
    const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`];
    const env = c.configPath ? { ...process.env, CHAINCTL_CONFIG: c.configPath } : process.env;
    const { code, output } = await (0,exec/* run */.eF)(chainctl, args, '', env);
    if (code !== 0)
        throw new ChainctlError(`chainctl auth login${audience ? ` --audience ${audience}` : ''} failed: ${(0,exec/* lastLine */.fM)(output)}`);
}
/**
 * The three logins at once: each writes only its own audience's token file (chainctl saves a
 * token per audience and reads its config without writing it), so nothing needs serializing.
 */
async function loginAll(chainctl, c, identity) {
    const results = await Promise.allSettled([undefined, c.apkHost, c.librariesHost].map((aud) => login(chainctl, c, identity, aud)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed)
        throw failed.reason;
}
/**
 * Logs chainctl in with the binary just fetched: a download logs in from where it was verified,
 * while it is cached, and the post step logs out with that same binary, then removes it.
 * Returns the apk host's token for HTTP_AUTH when `env-auth` asks for it.
 */
async function logIn(fetched, c, creds, a) {
    if (fetched.staging)
        (0,state/* remember */.k)({ kind: 'remove', path: fetched.staging });
    if (a.logout)
        (0,state/* remember */.k)({ kind: 'chainctl-logout', chainctl: fetched.path });
    const httpAuth = c.envAuth ? creds.tokenFor?.(c.apkHost) : undefined;
    const [, token] = await a.timed('chainctl login', () => Promise.all([loginAll(fetched.path, c, creds.identity), httpAuth]));
    return token;
}
async function setupChainctl(c, a) {
    const fetched = await a.timed('chainctl download', () => fetchChainctl(c, { onRetry: a.log.warning, signal: a.signal }, a.log.info));
    const kept = a.login.then(() => keepChainctl(fetched)); // a failed login caches nothing
    kept.catch(() => undefined); // awaited below
    let forPost = false; // whether the post step still runs the downloaded binary (and then removes it)
    try {
        const creds = await a.creds;
        if (c.configPath)
            core/* exportVariable */.dN('CHAINCTL_CONFIG', c.configPath);
        forPost = creds.tokenFor !== undefined; // pull-token logins have no identity to log chainctl in as
        const httpAuth = forPost ? await logIn(fetched, c, creds, a) : undefined;
        const installed = await kept;
        a.log.info(`chainctl ${installed.version} on PATH${installed.fromCache ? ' (from the tool cache)' : ''}`);
        if (forPost)
            a.log.info(`chainctl logged in as ${creds.identity} (API, ${c.apkHost}, ${c.librariesHost})`);
        if (httpAuth) {
            core/* exportVariable */.dN('HTTP_AUTH', `basic:${c.apkHost}:user:${httpAuth}`);
            a.log.info(`HTTP_AUTH exported for ${c.apkHost}`);
        }
        return installed;
    }
    finally {
        const drop = () => dropChainctl(fetched);
        if (!forPost)
            await kept.then(drop, drop); // once cached, or not to be
    }
}


/***/ })

};
