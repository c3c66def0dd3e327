// parseInputs() on the values it refuses: one line naming the input and what it expects, before
// anything touches the network. Anchors are tested with garbage on either end.
import { parseInputs, InputError } from '../src/inputs.js'

const ID = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const from = (values: Record<string, string>) => (name: string) => values[name] ?? ''

describe('parseInputs', () => {
  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['a version range', { identity: ID, version: '^0.2' }, /^Input 'version' must be latest or a version X.Y.Z, like 0.2.50; got "\^0.2"$/],
    ['a v-prefixed version', { identity: ID, version: 'v0.2.50' }, /^Input 'version' must be latest or a version X.Y.Z/],
    // Anchors: a version becomes part of a download path, so garbage on either end is refused.
    ['a version with a path after it', { identity: ID, version: '0.2.50/../../x' }, /^Input 'version' must be latest or a version X.Y.Z/],
    ['a version with a prefix', { identity: ID, version: 'x0.2.50' }, /^Input 'version' must be latest or a version X.Y.Z/],
    ['a two-digit verbosity', { identity: ID, verbosity: '35' }, /^Input 'verbosity' must be a number from 0 to 5; got "35"$/],
    ['a verbosity with a prefix', { identity: ID, verbosity: '93' }, /^Input 'verbosity' must be a number from 0 to 5; got "93"$/],
    ['a boolean with a suffix', { identity: ID, logout: 'trueish' }, /^Input 'logout' must be true or false; got "trueish"$/],
    ['a boolean with a prefix', { identity: ID, logout: 'untrue' }, /^Input 'logout' must be true or false; got "untrue"$/],
    ['a false with a suffix', { identity: ID, logout: 'false!' }, /^Input 'logout' must be true or false; got "false!"$/],
    ['a false with a prefix', { identity: ID, logout: 'isfalse' }, /^Input 'logout' must be true or false; got "isfalse"$/],
    ['identity with a leading path', { identity: `../${ID}` }, /^Input 'identity' must be a Chainguard identity ID/],
    ['an audience with a non-ASCII end', { identity: ID, audience: 'cgr.dev\u00e9' }, /^Input 'audience' must be a single word/],
    ['an audience with a non-ASCII start', { identity: ID, audience: '\u00e9cgr.dev' }, /^Input 'audience' must be a single word/],
    ['an audience of 257 characters', { identity: ID, audience: 'a'.repeat(257) }, /^Input 'audience' must be a single word/],
    [
      'a config path with a carriage return',
      { identity: ID, 'config-path': '/x\r' },
      /^Input 'config-path' must be a single-line file path/,
    ],
    ['a config path with a NUL', { identity: ID, 'config-path': '/x\0y' }, /^Input 'config-path' must be a single-line file path/],
    ['a docker-config with a carriage return', { identity: ID, 'docker-config': '/x\r' }, /^Input 'docker-config' must be empty/],
    ['a docker-config with a NUL', { identity: ID, 'docker-config': '/x\0' }, /^Input 'docker-config' must be empty/],
    ['a password with a carriage return', { username: ID, password: 'a\rb' }, /^Input 'password' must be a single line/],
    [
      'a download URL with only a username',
      { identity: ID, 'download-url': 'https://s3cr3t@mirror.example.com' },
      /^Input 'download-url' must be an https URL \(http only for localhost\) without credentials, like https:\/\/dl.enforce.dev\/chainctl$/,
    ],
    [
      'a download URL with only a password',
      { identity: ID, 'download-url': 'https://:s3cr3t@mirror.example.com' },
      /^Input 'download-url' must be an https URL \(http only for localhost\) without credentials, like https:\/\/dl.enforce.dev\/chainctl$/,
    ],
    ['a download URL with a query', { identity: ID, 'download-url': 'https://mirror.example.com/c?x=1' }, /^Input 'download-url' must be/],
    ['a download URL with a fragment', { identity: ID, 'download-url': 'https://mirror.example.com/c#x' }, /^Input 'download-url' must be/],
    ['an ftp download URL', { identity: ID, 'download-url': 'ftp://mirror.example.com/c' }, /^Input 'download-url' must be/],
    ['an ftp download URL on localhost', { identity: ID, 'download-url': 'ftp://localhost/c' }, /^Input 'download-url' must be/],
    ['env-auth not a boolean', { identity: ID, 'env-auth': 'maybe' }, /^Input 'env-auth' must be true or false/],
    ['credential-helper not a boolean', { identity: ID, 'credential-helper': 'maybe' }, /^Input 'credential-helper' must be true or false/],
    ['output-token not a boolean', { identity: ID, 'output-token': 'maybe' }, /^Input 'output-token' must be true or false/],
    [
      'libraries-host with a path',
      { identity: ID, 'libraries-host': 'libraries.cgr.dev/x' },
      /^Input 'libraries-host' must be a host name/,
    ],
    ['a host label of 64 characters', { identity: ID, registry: `${'a'.repeat(64)}.dev` }, /^Input 'registry' must be a host name/],
    ['a port of 6 digits', { identity: ID, registry: 'cgr.dev:000443' }, /^Input 'registry' must be a host name/],
    ['a port with nothing after the colon', { identity: ID, registry: 'cgr.dev:' }, /^Input 'registry' must be a host name/],
    ['port 0', { identity: ID, registry: 'cgr.dev:0' }, /^Input 'registry' must be a host name/],
    ['a host label ending in a dash', { identity: ID, registry: 'cgr-.dev' }, /^Input 'registry' must be a host name/],
    ['an empty container CLI list', { identity: ID, 'container-cli': ' , ' }, /^Input 'container-cli' must be auto, none or a list/],
    [
      'plain http to a remote mirror',
      { identity: ID, 'download-url': 'http://mirror.example.com/chainctl' },
      /^Input 'download-url' must be an https URL \(http only for localhost\)/,
    ],
    [
      'a download URL with credentials',
      { identity: ID, 'download-url': 'https://u:s3cr3t@mirror.example.com' },
      /^Input 'download-url' must be an https URL \(http only for localhost\) without credentials, like https:\/\/dl.enforce.dev\/chainctl$/,
    ],
    ['a download URL that is not one', { identity: ID, 'download-url': 'mirror' }, /^Input 'download-url' must be an https URL/],
    [
      'a download URL ending in a bare ?',
      { identity: ID, 'download-url': 'https://mirror.example.com/chainctl?' },
      /^Input 'download-url' must be an https URL.*; got "https:\/\/mirror.example.com\/chainctl\?"$/,
    ],
    [
      'a download URL ending in a bare #',
      { identity: ID, 'download-url': 'https://mirror.example.com/chainctl#' },
      /^Input 'download-url' must be an https URL/,
    ],
    ['verbosity out of range', { identity: ID, verbosity: '9' }, /^Input 'verbosity' must be a number from 0 to 5; got "9"$/],
    ['install not a boolean', { identity: ID, install: 'maybe' }, /^Input 'install' must be true or false/],
    ['env-auth with a pull token', { username: ID, password: 'p', 'env-auth': 'true' }, /^Input 'env-auth' needs 'identity'/],
    [
      'credential-helper with a pull token',
      { username: ID, password: 'p', 'credential-helper': 'true' },
      /^Input 'credential-helper' needs 'identity'/,
    ],
    [
      'docker-config with a newline',
      { identity: ID, 'docker-config': 'a\nb' },
      /^Input 'docker-config' must be empty, 'isolated' or a folder path/,
    ],
    [
      "docker-config in another user's home",
      { identity: ID, 'docker-config': '~root/docker' },
      /^Input 'docker-config' must name a folder with ~ or ~\/ \(your home\), not ~user; got "~root\/docker"$/,
    ],
    [
      'an unknown container CLI',
      { identity: ID, 'container-cli': 'docker,nerdctl' },
      /^Input 'container-cli' must be auto, none or a list of docker, podman; got "docker,nerdctl"$/,
    ],
    ['job-summary not a boolean', { identity: ID, 'job-summary': 'on' }, /^Input 'job-summary' must be true or false/],
    ['apk-host with a path', { identity: ID, 'apk-host': 'apk.cgr.dev/x' }, /^Input 'apk-host' must be a host name/],
    ['no identity', {}, /^Input 'identity' is required/],
    ['uppercase identity', { identity: ID.toUpperCase() }, /^Input 'identity' must be a Chainguard identity ID/],
    ['identity with a shell metacharacter', { identity: `${ID};rm -rf /` }, /^Input 'identity' must be/],
    ['identity with a trailing slash', { identity: `${ID}/` }, /^Input 'identity' must be/],
    ['registry with a space', { identity: ID, registry: 'cgr.dev evil' }, /^Input 'registry' must be a host name/],
    ['option-like registry', { identity: ID, registry: '--password=x' }, /^Input 'registry' must be a host name/],
    ['registry with a newline', { identity: ID, registry: 'cgr.dev\nx' }, /^Input 'registry' must be a host name/],
    ['registry with a path', { identity: ID, registry: 'cgr.dev/acme' }, /^Input 'registry' must be a host name/],
    ['registry port out of range', { identity: ID, registry: 'cgr.dev:70000' }, /^Input 'registry' must be a host name/],
    ['registry with $()', { identity: ID, registry: '$(id).cgr.dev' }, /^Input 'registry' must be a host name/],
    ['environment with a slash', { identity: ID, environment: 'evil.com/x' }, /^Input 'environment' must be a host name/],
    ['logout not a boolean', { identity: ID, logout: 'yes' }, /^Input 'logout' must be true or false; got "yes"$/],
    ['audience with a space', { identity: ID, audience: 'a b' }, /^Input 'audience' must be a single word/],
    [
      'identity and password together',
      { identity: ID, username: ID, password: 'p' },
      /^Input 'identity' must be empty when username\/password/,
    ],
    ['password without username', { password: 'p' }, /^Input 'username' must be the pull token's identity ID/],
    ['username without password', { username: ID }, /^Input 'password' must hold the pull token/],
    ['username not an identity', { username: 'bob', password: 'p' }, /^Input 'username' must be a Chainguard identity ID/],
    ['multi-line password', { username: ID, password: 'a\nb' }, /^Input 'password' must be a single line/],
    [
      'an uppercase image',
      { identity: ID, 'check-images': 'acme.com/python\nacme.com/Python:3.12' },
      /^Input 'check-images' has an invalid image reference "acme.com\/Python:3.12": repository names must be lowercase \(expected \[cgr.dev\/\]/,
    ],
    [
      'an image in another registry',
      { identity: ID, 'check-images': 'localhost:5000/a/b' },
      /^Input 'check-images' has an invalid image reference "localhost:5000\/a\/b": it names registry localhost:5000, but only cgr.dev/,
    ],
    ['a 5000-character identity', { identity: 'a'.repeat(5000) }, /^Input 'identity' must be at most 260 characters long, not 5000$/],
    ['an overlong registry', { identity: ID, registry: `${'a.'.repeat(130)}dev` }, /^Input 'registry' must be at most 260 characters long/],
    ['an overlong audience', { identity: ID, audience: 'a'.repeat(261) }, /^Input 'audience' must be at most 260 characters long/],
    [
      'an overlong pull token',
      { username: ID, password: 'x'.repeat(8193) },
      /^Input 'password' must be at most 8192 characters long, not 8193$/,
    ],
    [
      'an overlong download URL',
      { identity: ID, 'download-url': `https://a.dev/${'x'.repeat(2048)}` },
      /^Input 'download-url' must be at most 2048/,
    ],
    ['an overlong config path', { identity: ID, 'config-path': `/${'x'.repeat(4096)}` }, /^Input 'config-path' must be at most 4096/],
    ['an overlong docker config', { identity: ID, 'docker-config': `/${'x'.repeat(4096)}` }, /^Input 'docker-config' must be at most 4096/],
    [
      'an unknown ecosystem',
      { identity: ID, libraries: 'python, ruby' },
      /^Input 'libraries' must be a list of python, javascript, java; got "ruby"$/,
    ],
    ['libraries with a pull token', { username: ID, password: 'p', libraries: 'java' }, /^Input 'libraries' needs 'identity'/],
    [
      'setup-python-keyring with a pull token',
      { username: ID, password: 'p', 'setup-python-keyring': 'true' },
      /^Input 'setup-python-keyring' needs 'identity'/,
    ],
    [
      'setup-python-keyring not a boolean',
      { identity: ID, 'setup-python-keyring': 'yes' },
      /^Input 'setup-python-keyring' must be true or false; got "yes"$/,
    ],
    ['an overlong boolean', { identity: ID, 'job-summary': 'true'.padEnd(300) }, /^Input 'job-summary' must be at most 260/],
  ]
  it.each(bad)('rejects %s with a one-line error naming the input', (_name, values, message) => {
    let error: unknown
    try {
      parseInputs(from(values))
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InputError)
    const text = (error as Error).message
    expect(text).toMatch(message)
    expect(text).not.toContain('\n')
  })
})
