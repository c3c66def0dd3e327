export const id = 208;
export const ids = [208];
export const modules = {

/***/ 8208:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  setupLibraries: () => (/* binding */ setupLibraries)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(6058);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/libraries/mvn.ts
var mvn = __webpack_require__(9428);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/token/jwt.ts
var jwt = __webpack_require__(8684);
// EXTERNAL MODULE: ./src/net/http.ts + 5 modules
var http = __webpack_require__(8328);
// EXTERNAL MODULE: ./src/util/state.ts
var state = __webpack_require__(2269);
// EXTERNAL MODULE: ./src/util/home.ts
var home = __webpack_require__(3545);
;// CONCATENATED MODULE: ./src/libraries/clients.ts
// What each ecosystem's clients are given, as pure functions of the host, the token and the user's
// own settings: files for the job's folder and variables for later steps. Nothing here writes.
const USERNAME = '_token';
/** The base64 `_token:<token>` the npmrc holds: a secret of its own to mask. */
const npmAuth = (token) => Buffer.from(`${USERNAME}:${token}`).toString('base64');
const hostname = (host) => host.replace(/:\d+$/, '');
const ensureNewline = (text) => (text && !text.endsWith('\n') ? `${text}\n` : text);
/**
 * pip and uv: the index URL (no credentials in it, so no log can show them) in their variables,
 * and the credentials in a netrc (NETRC) that carries the user's own netrc over. Python's netrc
 * reader takes the last entry of a machine, so ours goes last, after a blank line: that ends a
 * macro (macdef) the user's file may end with, which would otherwise swallow our entry.
 */
function python(host, token, userNetrc) {
    const index = `https://${host}/python/simple/`;
    const entry = `machine ${hostname(host)} login ${USERNAME} password ${token}\n`;
    return {
        files: { netrc: userNetrc.trim() ? `${ensureNewline(userNetrc)}\n${entry}` : entry },
        env: { PIP_INDEX_URL: index, UV_DEFAULT_INDEX: index, NETRC: '{dir}/netrc' },
        clients: ['pip', 'uv'],
    };
}
/**
 * npm and pnpm: a user config (NPM_CONFIG_USERCONFIG, as actions/setup-node does)
 * that is the user's own plus the registry and its credentials. The credentials are keyed to the
 * host, not the path: pnpm sends them only under the path they are keyed to, and packages
 * Chainguard has not rebuilt come from /javascript-upstream/. Yarn Berry is left alone: it reads no
 * .npmrc, and its one file-free route (YARN_NPM_AUTH_IDENT) is sent to every registry without
 * credentials of its own, e.g. a scope's (JSR's npm.jsr.io).
 */
function javascript(host, token, userNpmrc) {
    const registry = `https://${host}/javascript/`;
    const ours = `registry=${registry}\n//${host}/:_auth=${npmAuth(token)}\n`;
    return {
        files: { npmrc: ensureNewline(userNpmrc) + ours },
        // Both spellings: npm takes whichever comes later in the environment, and a user's own
        // npm_config_userconfig (read above) would otherwise win half the time.
        env: { NPM_CONFIG_USERCONFIG: '{dir}/npmrc', npm_config_userconfig: '{dir}/npmrc' },
        clients: ['npm', 'pnpm'],
    };
}

;// CONCATENATED MODULE: ./src/libraries/maven.ts

const REPOSITORY_ID = 'chainguard-libraries';
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n</settings>\n';
/** Where `<name>` (or `<name/>`) opens outside comments, and how long the tag is; undefined when it does not. */
function openTag(xml, name) {
    const pattern = new RegExp(`<!--[\\s\\S]*?(?:-->|$)|<${name}\\s*(/?)>`, 'g');
    for (const m of xml.matchAll(pattern))
        if (!m[0].startsWith('<!--'))
            return { at: m.index, tag: m[0] };
    return undefined;
}
/** `xml` with `child` first inside its top-level `<section>`, which is made before `</settings>` when missing. */
function insertInto(xml, section, child) {
    const open = openTag(xml, section);
    if (open?.tag.endsWith('/>'))
        return `${xml.slice(0, open.at)}<${section}>${child}</${section}>${xml.slice(open.at + open.tag.length)}`;
    if (open)
        return xml.slice(0, open.at + open.tag.length) + child + xml.slice(open.at + open.tag.length);
    const end = [...xml.matchAll(/<!--[\s\S]*?(?:-->|$)|<\/settings\s*>/g)].find((m) => !m[0].startsWith('<!--'));
    if (!end)
        throw new Error('has no </settings> outside comments');
    return `${xml.slice(0, end.index)}  <${section}>${child}</${section}>\n${xml.slice(end.index)}`;
}
const repository = (tag, url) => `<${tag}><id>${REPOSITORY_ID}</id><url>${url}</url><releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots></${tag}>`;
/** The installation's global settings with the libraries repository, for plugins too, and its credentials. */
function mavenSettings(host, token, globalSettings) {
    const url = `https://${host}/java/`;
    const profile = `<profile><id>${REPOSITORY_ID}</id><repositories>${repository('repository', url)}</repositories>` +
        `<pluginRepositories>${repository('pluginRepository', url)}</pluginRepositories></profile>`;
    const server = `<server><id>${REPOSITORY_ID}</id><username>${USERNAME}</username><password>${token}</password></server>`;
    let xml = globalSettings.trim() ? globalSettings : EMPTY;
    xml = insertInto(xml, 'servers', server);
    xml = insertInto(xml, 'profiles', profile);
    return insertInto(xml, 'activeProfiles', `<activeProfile>${REPOSITORY_ID}</activeProfile>`);
}
/** The conf folder's copy is made by the caller (`conf` below); this adds settings.xml and MAVEN_OPTS. */
function java(host, token, globalSettings, mavenOpts) {
    return {
        files: { 'maven-conf/settings.xml': mavenSettings(host, token, globalSettings) },
        env: { MAVEN_OPTS: `${mavenOpts ? `${mavenOpts} ` : ''}-Dmaven.conf={dir}/maven-conf` },
        clients: ['maven'],
    };
}

;// CONCATENATED MODULE: ./src/libraries/setup.ts
// Points later steps' Python, JavaScript and Java clients at Chainguard Libraries with a token of
// the job's identity: one more STS exchange (audience = the libraries host), one authenticated
// request per ecosystem so a refused token fails here rather than in the build, then files in a
// folder of the job's own (0600) and variables for later steps. The post step removes the folder.











const PATHS = { python: '/python/simple/', javascript: '/javascript/', java: '/java/' };
const NAMES = { python: 'Python', javascript: 'JavaScript', java: 'Java' };
const readIfThere = (path) => ((0,external_node_fs_.existsSync)(path) ? (0,external_node_fs_.readFileSync)(path, 'utf8') : '');
const setup_home = () => (0,home/* homeDir */.lw)();
/** One HEAD per ecosystem: a token the index refuses fails the step, naming what to check. */
async function check(ecosystem, host, token, identity, log) {
    const url = `https://${host}${PATHS[ecosystem]}`;
    const authorization = `Basic ${npmAuth(token)}`;
    const res = await (0,http/* send */.tN)({ method: 'HEAD', url, headers: { Authorization: authorization } }, { service: `Chainguard Libraries (${ecosystem})`, onRetry: log.warning });
    if (res.status === 401 || res.status === 403) {
        throw new Error(`Chainguard Libraries refused the token of ${identity} for ${ecosystem} (HTTP ${res.status} at ${url}): ` +
            `check that the organization is entitled to Chainguard Libraries for ${NAMES[ecosystem]} and that the identity has a role that can pull them`);
    }
    if (res.status >= 500)
        throw new Error(`Chainguard Libraries (${ecosystem}) answered HTTP ${res.status} at ${url}`);
}
function configFor(ecosystem, host, token, dir) {
    switch (ecosystem) {
        case 'python':
            return python(host, token, readIfThere(process.env.NETRC || (0,external_node_path_.join)(setup_home(), '.netrc')));
        case 'javascript':
            return javascript(host, token, readIfThere(process.env.NPM_CONFIG_USERCONFIG || process.env.npm_config_userconfig || (0,external_node_path_.join)(setup_home(), '.npmrc')));
        case 'java': {
            if (/\s/.test(dir))
                throw new Error(`The runner's temp folder ${dir} has a space in it, which MAVEN_OPTS cannot carry`);
            const conf = (0,mvn/* mavenConf */.u)();
            return { ...java(host, token, readIfThere((0,external_node_path_.join)(conf, 'settings.xml')), process.env.MAVEN_OPTS ?? ''), copies: { 'maven-conf': conf } };
        }
    }
}
/** Writes one ecosystem's files into the job's folder and hands its variables to later steps. */
function apply(config, dir) {
    for (const [name, from] of Object.entries(config.copies ?? {}))
        (0,external_node_fs_.cpSync)(from, (0,external_node_path_.join)(dir, name), { recursive: true, dereference: true });
    for (const [name, content] of Object.entries(config.files)) {
        const file = (0,external_node_path_.join)(dir, name);
        (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(file), { recursive: true, mode: 0o700 });
        (0,external_node_fs_.rmSync)(file, { force: true }); // a copied file keeps its mode when written over: this one is made 0600
        (0,external_node_fs_.writeFileSync)(file, content, { mode: 0o600 });
    }
    for (const [name, value] of Object.entries(config.env))
        core/* exportVariable */.dN(name, value.replaceAll('{dir}', dir));
}
async function setupLibraries(opts, creds, log) {
    if (!creds.tokenFor)
        throw new Error("Input 'libraries' needs 'identity'"); // readInputs refuses it first
    const token = await creds.tokenFor(opts.host); // masked as it arrives
    core/* setSecret */.Pq(npmAuth(token));
    const dir = (0,external_node_path_.join)((0,home/* jobTemp */.UG)(process.env, core/* warning */.$e), `chainguard-libraries-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`);
    const configs = opts.ecosystems.map((e) => [e, configFor(e, opts.host, token, dir)]); // local faults first
    await Promise.all(opts.ecosystems.map((e) => check(e, opts.host, token, creds.identity, log)));
    (0,external_node_fs_.mkdirSync)(dir, { recursive: true, mode: 0o700 });
    (0,state/* remember */.kY)({ kind: 'libraries', path: dir, ecosystems: opts.ecosystems });
    const configured = {};
    for (const [ecosystem, config] of configs) {
        apply(config, dir);
        configured[ecosystem] = config.clients;
        log.info(`Chainguard Libraries for ${ecosystem}: ${config.clients.join(', ')} use https://${opts.host}${PATHS[ecosystem]} as ${USERNAME}`);
    }
    const expiry = (0,jwt/* expiryOf */.p1)(token);
    log.info(`The libraries token expires at ${expiry ?? 'an unknown time'} (about an hour): use this action again before a step that starts later`);
    return { configured, expiresAt: expiry };
}


/***/ })

};
