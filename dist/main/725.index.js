export const id = 725;
export const ids = [725];
export const modules = {

/***/ 3725:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  checkImages: () => (/* binding */ checkImages)
});

// UNUSED EXPORTS: ImageCheckError

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: ./src/util/text.ts
var util_text = __webpack_require__(9997);
// EXTERNAL MODULE: ./src/net/http.ts + 5 modules
var http = __webpack_require__(8328);
// EXTERNAL MODULE: ./src/images/reference.ts
var reference = __webpack_require__(4719);
;// CONCATENATED MODULE: ./src/images/pullfailure.ts
// Pure: why an image cannot be pulled, from what the registry answered, in words a user can act on.



const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const SPACE = /[ \t]*/y;
/** The text `re` (sticky) matches at `at` in `text`, and where it ends. */
function take(re, text, at) {
    re.lastIndex = at;
    const m = re.exec(text);
    return [m, m ? re.lastIndex : at];
}
/**
 * Every challenge of a WWW-Authenticate value (RFC 9110 11.6.1): `scheme [token68 | name=value,
 * ...]`, challenges and parameters separated by commas, values tokens or quoted strings with
 * backslash escapes. A token followed by `=` is a parameter of the challenge before it; any other
 * token starts a challenge. Scheme and parameter names are case-insensitive (lowercased here).
 */
function parseChallenges(header) {
    const challenges = [];
    let at = 0;
    while (at < header.length) {
        if (/[\s,]/.test(header[at])) {
            at++;
            continue;
        }
        const [token, afterToken] = take(TOKEN, header, at);
        if (!token) {
            at++; // a character no token holds (the padding of a token68): passed over
            continue;
        }
        let [, next] = take(SPACE, header, afterToken);
        const current = challenges[challenges.length - 1];
        if (header[next] !== '=' || !current) {
            challenges.push({ scheme: token[0].toLowerCase(), params: {} });
            at = afterToken;
            continue;
        }
        ;
        [, next] = take(SPACE, header, next + 1);
        const [quoted, afterQuoted] = take(QUOTED, header, next);
        const [plain, afterPlain] = take(TOKEN, header, next);
        current.params[token[0].toLowerCase()] ??= quoted ? quoted[1].replace(/\\(.)/g, '$1') : (plain?.[0] ?? '');
        at = quoted ? afterQuoted : afterPlain;
    }
    return challenges;
}
/** The challenge a registry pull answers: the Bearer one when offered, else the first. */
function parseChallenge(header) {
    const all = parseChallenges(header);
    return all.find((c) => c.scheme === 'bearer') ?? all[0] ?? { scheme: '', params: {} };
}
/** `HTTP 401 UNAUTHORIZED: message` from a distribution error body, or just the status. */
function answer(status, body) {
    const first = (0,http/* jsonObject */.o$)(body)?.errors?.[0];
    if (typeof first?.code !== 'string')
        return `HTTP ${status}`;
    return `HTTP ${status} ${(0,util_text/* oneLine */.T)(first.code, 40)}${typeof first.message === 'string' ? `: ${(0,util_text/* oneLine */.T)(first.message, 120)}` : ''}`;
}
const retriable = (status) => status === 429 || status >= 500;
function tokenRefused(who, what) {
    const detail = who.pullToken
        ? `${who.registry} does not accept the pull token of ${who.identity} (${what}): it may have expired or been deleted; make a new one with chainctl auth configure-docker --pull-token`
        : `${who.registry} does not accept the Chainguard token of identity ${who.identity} (${what}): check that the identity still exists`;
    return { kind: 'token refused', detail };
}
function denied(image, who, what) {
    const org = (0,reference/* organizationOf */.d1)(image.repository);
    const check = org
        ? `check that it has the registry.pull role in organization ${org}, and that ${org} is entitled to ${image.repository.slice(org.length + 1)}`
        : "check its registry.pull role and the organization's entitlements";
    return { kind: 'denied', detail: `${who.identity} may not pull ${image.repository} (${what}): ${check}` };
}
/** The answer to GET /v2/, when it is neither 200 nor a challenge this check can answer. */
function challengeFailure(status, scheme, who) {
    if (retriable(status))
        return { kind: 'registry unreachable', detail: `${who.registry} answered HTTP ${status} after retries` };
    const challenge = scheme ? `a ${scheme} challenge` : 'no challenge';
    return {
        kind: 'unexpected answer',
        detail: `${who.registry}/v2/ answered HTTP ${status} with ${challenge}: not a registry this check can speak to`,
    };
}
/** The token endpoint's answer to a request for the image's pull scope, when it is not a token. */
function tokenFailure(status, body, image, who) {
    if (status === 401)
        return tokenRefused(who, answer(status, body));
    if (status === 403)
        return denied(image, who, answer(status, body));
    if (retriable(status))
        return { kind: 'registry unreachable', detail: `the token endpoint answered ${answer(status, body)} after retries` };
    return { kind: 'unexpected answer', detail: `the token endpoint answered ${answer(status, body)}` };
}
/**
 * The manifest's answer, when it is not the manifest. `repositoryKnown` tells a 404's two causes
 * apart (from the repository's tag list); undefined when that could not be learnt.
 */
function manifestFailure(status, wwwAuthenticate, repositoryKnown, image, who) {
    const error = parseChallenge(wwwAuthenticate).params.error;
    const what = `HTTP ${status}${error ? ` ${error}` : status === 403 ? ' DENIED' : ''}`;
    // A 401 on a token just issued: either the registry rejects the token itself, or it lacks pull.
    if (status === 401 && error === 'invalid_token')
        return tokenRefused(who, what);
    if (status === 401 || status === 403)
        return denied(image, who, what);
    if (status === 404) {
        const org = (0,reference/* organizationOf */.d1)(image.repository);
        const added = org ? `, and that it has been added to organization ${org}` : '';
        if (repositoryKnown === false) {
            return { kind: 'not found', detail: `no repository ${image.repository} on ${who.registry} (NAME_UNKNOWN): check the name${added}` };
        }
        if (repositoryKnown) {
            const missing = image.digest ? `no manifest ${image.digest}` : `no tag ${image.tag}`;
            const list = `crane ls ${who.registry}/${image.repository} lists its tags`;
            return {
                kind: 'not found',
                detail: `${image.repository} has ${missing} (MANIFEST_UNKNOWN): check the ${image.digest ? 'digest' : 'tag'}; ${list}`,
            };
        }
        return { kind: 'not found', detail: `no such repository or tag on ${who.registry} (HTTP 404): check the name${added}` };
    }
    if (retriable(status))
        return { kind: 'registry unreachable', detail: `${who.registry} answered HTTP ${status} after retries` };
    return { kind: 'unexpected answer', detail: `${who.registry} answered HTTP ${status} for the manifest` };
}
/** The step's error: every image that cannot be pulled, one line each. */
function describeFailures(failed, total, who) {
    const lines = failed.map(([image, f]) => `  ${image.written}: ${f.kind}: ${f.detail}`);
    return [`${failed.length} of ${total} image(s) cannot be pulled from ${who.registry} as ${who.identity}:`, ...lines].join('\n');
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./src/images/session.ts
// One registry as a pull speaks to it: the challenge, a token for the repository's pull scope
// with the login's own credentials, then HEAD on the manifest.







/** What a pull accepts: OCI index and manifest, docker manifest list and v2 manifest. */
const MANIFEST_TYPES = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
/** distribution's own limit on the size of a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Ends one image's check with a failure. */
class Failed extends Error {
    failure;
    constructor(failure) {
        super(failure.detail);
        this.failure = failure;
    }
}
const pullScope = (repository) => `repository:${repository}:pull`;
/**
 * How many characters of scope parameters one token request carries: its URL, and the token
 * (which may list every repository it opens) in each later request's header, stay a few KiB.
 */
const MAX_SCOPE_CHARS = 2000;
/** The repositories in order, in groups whose scope parameters fit in one token request. */
function scopeGroups(repositories, maxChars = MAX_SCOPE_CHARS) {
    const groups = [];
    let chars = Infinity;
    for (const repository of repositories) {
        const length = `&scope=${encodeURIComponent(pullScope(repository))}`.length;
        if (chars + length > maxChars) {
            groups.push([]);
            chars = 0;
        }
        chars += length;
        groups[groups.length - 1].push(repository);
    }
    return groups;
}
function failureOf(err) {
    if (err instanceof Failed)
        return err.failure;
    // Only a network that failed through every retry is an outage; a refused redirect or proxy, a body over its cap, are answers.
    if (err instanceof http/* UnreachableError */.Jk)
        return { kind: 'registry unreachable', detail: err.message };
    return { kind: 'unexpected answer', detail: err instanceof Error ? err.message : String(err) };
}
/**
 * One registry, as a pull speaks to it: its challenge (asked once), tokens for pull scopes (one
 * per repository, and one shared by a group of repositories where the registry grants it), then
 * HEAD on each manifest.
 */
class RegistrySession {
    challenge;
    own = new Map();
    shared = new Map();
    groupOf;
    basic;
    login;
    origin;
    opts;
    // One connection serves an image's requests one after another, and the TLS session is resumed for the next.
    agent;
    constructor(images, login, origin, opts) {
        ;
        [this.login, this.origin, this.opts] = [login, origin, opts];
        this.agent = new (origin.startsWith('https:') ? external_node_https_.Agent : external_node_http_.Agent)({ keepAlive: true });
        this.basic = `Basic ${Buffer.from(`${login.username}:${login.secret}`).toString('base64')}`;
        this.groupOf = new Map(scopeGroups([...new Set(images.map((i) => i.repository))]).flatMap((g) => g.map((r) => [r, g])));
    }
    request(method, url, headers, more = {}) {
        const { mask: _mask, ...opts } = this.opts;
        return (0,http/* send */.tN)({ method, url, headers }, { service: this.login.registry, ...opts, ...more, agent: this.agent });
    }
    /** Once per registry: how it wants to be authenticated. */
    async fetchChallenge() {
        const { login, origin } = this;
        const res = await this.request('GET', `${origin}/v2/`, {});
        if (res.status === 200)
            return { scheme: 'none' };
        const { scheme, params } = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
        if (res.status !== 401 || (scheme === 'bearer' && !params.realm) || (scheme !== 'bearer' && scheme !== 'basic')) {
            throw new Failed(challengeFailure(res.status, scheme, login));
        }
        if (scheme === 'basic')
            return { scheme };
        const realm = URL.parse(params.realm);
        if (!realm) {
            const detail = `${login.registry}/v2/ names the token realm ${JSON.stringify((0,util_text/* oneLine */.T)(params.realm, 80))}, which is not a URL: not a registry this check can speak to`;
            throw new Failed({ kind: 'unexpected answer', detail });
        }
        // The login's credentials go to the realm: never in the clear to another host.
        if (realm.protocol !== 'https:' && realm.origin !== new URL(origin).origin) {
            throw new Failed({
                kind: 'unexpected answer',
                detail: `the token realm ${realm.origin} is not https: the login's credentials are not sent there`,
            });
        }
        return { scheme, realm, service: params.service };
    }
    /** A token for the pull scope of each repository named; `image` names the failure. */
    async fetchToken(c, repositories, image) {
        const url = new URL(c.realm);
        if (c.service)
            url.searchParams.set('service', c.service);
        for (const repository of repositories)
            url.searchParams.append('scope', pullScope(repository));
        const res = await this.request('GET', url.toString(), { Authorization: this.basic, Accept: 'application/json' });
        if (res.status !== 200)
            throw new Failed(tokenFailure(res.status, (0,http/* text */.Qq)(res), image, this.login));
        const reply = (0,http/* jsonObject */.o$)((0,http/* text */.Qq)(res));
        const token = reply?.token ?? reply?.access_token;
        if (typeof token !== 'string' || !token)
            throw new Failed({ kind: 'unexpected answer', detail: 'the token endpoint answered HTTP 200 without a token' });
        this.opts.mask(token);
        return { Authorization: `Bearer ${token}` };
    }
    /** As a pull asks: once per repository, a token for its pull scope. */
    async ownAuth(image) {
        const c = await (this.challenge ??= this.fetchChallenge());
        if (c.scheme === 'none')
            return {};
        if (c.scheme === 'basic')
            return { Authorization: this.basic };
        if (!this.own.has(image.repository))
            this.own.set(image.repository, this.fetchToken(c, [image.repository], image));
        return this.own.get(image.repository);
    }
    /**
     * First, one token for a whole group of repositories (the token spec repeats `scope`), so 20
     * images cost one token request, not 20. Undefined when there is none to share, or the registry
     * would not give one for the group (each repository then asks alone); an outage is every image's.
     */
    async sharedAuth(image) {
        const [c, group] = [await (this.challenge ??= this.fetchChallenge()), this.groupOf.get(image.repository) ?? []];
        if (c.scheme !== 'bearer' || group.length < 2)
            return undefined;
        if (!this.shared.has(group)) {
            const granted = this.fetchToken(c, group, image).catch((err) => {
                if (failureOf(err).kind === 'registry unreachable')
                    throw err;
                return undefined;
            });
            this.shared.set(group, granted);
        }
        return this.shared.get(group);
    }
    /** A 404's two causes: the tag list answers for the repository. */
    async repositoryKnown(image, headers) {
        const res = await this.request('GET', `${this.origin}/v2/${image.repository}/tags/list?n=1`, headers, { statusOnly: true });
        return res.status === 200 ? true : res.status === 404 ? false : undefined;
    }
    /** Registries send Docker-Content-Digest; without it, the digest is the hash of the manifest's bytes. */
    async hashManifest(url, headers, algorithm = 'sha256') {
        const { registry } = this.login;
        let digest;
        const hashing = async (body) => {
            const hash = (0,external_node_crypto_.createHash)(algorithm);
            for await (const chunk of body)
                hash.update(chunk);
            digest = `${algorithm}:${hash.digest('hex')}`;
        };
        const res = await this.request('GET', url, headers, { sink: hashing, maxBytes: MAX_MANIFEST_BYTES }).catch((err) => {
            if (!(err instanceof http/* BodyTooLargeError */.Au))
                throw err;
            throw new Failed({
                kind: 'unexpected answer',
                detail: `${registry} answered a manifest larger than ${MAX_MANIFEST_BYTES >> 20} MiB after a HEAD without Docker-Content-Digest`,
            });
        });
        if (digest)
            return digest;
        throw new Failed({
            kind: 'unexpected answer',
            detail: `${registry} answered HTTP ${res.status} to a GET after a HEAD without Docker-Content-Digest`,
        });
    }
    /** The image's manifest digest, as a pull would resolve it; throws Failed when it cannot be pulled. */
    async digestOf(image) {
        const url = `${this.origin}/v2/${image.repository}/manifests/${(0,reference/* manifestRef */.rx)(image)}`;
        const sharing = await this.sharedAuth(image);
        let headers = { ...(sharing ?? (await this.ownAuth(image))), Accept: MANIFEST_TYPES };
        let res = await this.request('HEAD', url, headers);
        // Any other answer to the shared token (it may not open this repository, a registry may hide
        // one it does not open as 404, a server may refuse so long a header) is asked again with the
        // repository's own, as a pull of it would: the shared token never decides a failure.
        if (sharing && res.status >= 400 && res.status < 500) {
            headers = { ...(await this.ownAuth(image)), Accept: MANIFEST_TYPES };
            res = await this.request('HEAD', url, headers);
        }
        if (res.status !== 200) {
            const known = res.status === 404 ? await this.repositoryKnown(image, headers) : undefined;
            throw new Failed(manifestFailure(res.status, String(res.headers['www-authenticate'] ?? ''), known, image, this.login));
        }
        const header = String(res.headers['docker-content-digest'] ?? '');
        let digest = DIGEST.test(header) ? header : await this.hashManifest(url, headers);
        // A sha384 or sha512 reference is checked against the manifest's own hash of that kind.
        const algorithm = image.digest?.split(':')[0];
        if (image.digest && digest !== image.digest && algorithm !== digest.split(':')[0])
            digest = await this.hashManifest(url, headers, algorithm);
        if (image.digest && digest !== image.digest) {
            throw new Failed({ kind: 'unexpected answer', detail: `${this.login.registry} served manifest ${digest} for ${image.digest}` });
        }
        return digest;
    }
}

;// CONCATENATED MODULE: ./src/images/check.ts
// Checks, right after the login, that it can pull each image the job names, the way a pull
// starts (see session.ts), all at once within a limit. Returns each image's manifest digest.




class ImageCheckError extends Error {
}
/** Runs `work` on every item, at most `limit` at a time. */
async function eachAtOnce(items, limit, work) {
    let next = 0;
    const worker = async () => {
        while (next < items.length)
            await work(items[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
/** Checks every image; throws one ImageCheckError naming every image that cannot be pulled. */
async function checkImages(written, login, { origin = `https://${login.registry}`, concurrency = 32, mask = core/* setSecret */.Pq, onRetry = core/* warning */.$e, ...opts } = {}) {
    // One manifest written several ways (acme/a, acme/a:latest, cgr.dev/acme/a) is checked once; each is reported.
    const key = (i) => `${i.repository}@${(0,reference/* manifestRef */.rx)(i)}`;
    const byName = new Map(written.map((i) => [key(i), i]));
    const images = [...byName.values()];
    const first = (i) => byName.get(key(i));
    const registry = new RegistrySession(images, login, origin, { ...opts, onRetry, mask });
    const distinct = images.length < written.length ? ` (${images.length} distinct)` : '';
    core/* info */.pq(`Checking that ${written.length} image(s)${distinct} can be pulled from ${login.registry}`);
    const digests = new Map();
    const failed = new Map();
    // An outage one check saw through all its retries is the registry's: the images not yet started
    // are not checked, rather than each wave of them waiting out the same deadline in turn.
    let outage;
    await eachAtOnce(images, concurrency, async (image) => {
        if (outage)
            return void failed.set(image, { kind: outage.kind, detail: `not checked: ${outage.detail}` });
        try {
            digests.set(image, await registry.digestOf(image));
        }
        catch (err) {
            const failure = failureOf(err);
            failed.set(image, failure);
            if (failure.kind === 'registry unreachable')
                outage ??= failure;
        }
    }).finally(() => registry.agent.destroy());
    if (failed.size > 0) {
        const inOrder = written.filter((i) => failed.has(first(i))).map((i) => [i, failed.get(first(i))]);
        throw new ImageCheckError(describeFailures(inOrder, written.length, login));
    }
    for (const image of written)
        core/* info */.pq(`  ${image.written}: ${digests.get(first(image))}`);
    return Object.fromEntries(written.map((i) => [i.written, digests.get(first(i))]));
}


/***/ })

};
