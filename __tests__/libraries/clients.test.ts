import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { javascript, npmAuth, python } from '../../src/libraries/clients.js'
import { insertInto, java, mavenSettings } from '../../src/libraries/maven.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJsaWJyYXJpZXMuY2dyLmRldiJ9.c2ln'

describe('python', () => {
  it('puts the index in the variables without credentials, and the credentials last in a netrc after the user’s own', () => {
    const user = 'machine git.example.com login me password mine' // no final newline
    const config = python('libraries.cgr.dev', TOKEN, user)
    expect(config.env).toEqual({
      PIP_INDEX_URL: 'https://libraries.cgr.dev/python/simple/',
      UV_DEFAULT_INDEX: 'https://libraries.cgr.dev/python/simple/',
      NETRC: '{dir}/netrc',
    })
    expect(Object.values(config.env).join(' ')).not.toContain(TOKEN)
    expect(config.files.netrc).toBe(`${user}\n\nmachine libraries.cgr.dev login _token password ${TOKEN}\n`)
  })

  it('ends a macro the user’s netrc ends with, so Python (pip’s reader) still finds the entry', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netrc-')), 'netrc')
    writeFileSync(
      file,
      python('libraries.cgr.dev', TOKEN, 'machine ftp.example.com login me password mine\nmacdef init\ncd /pub\n').files.netrc,
    )
    const read = `import netrc, sys; print(netrc.netrc(sys.argv[1]).authenticators('libraries.cgr.dev')[2])`
    expect(execFileSync('python3', ['-c', read, file], { encoding: 'utf8' }).trim()).toBe(TOKEN)
  })

  it('writes our entry alone when the user’s netrc is missing or blank', () => {
    expect(python('libraries.cgr.dev', TOKEN, ' \n').files.netrc).toBe(`machine libraries.cgr.dev login _token password ${TOKEN}\n`)
  })

  it('names the machine without its port, as netrc readers look it up', () => {
    expect(python('libs.example.com:8443', TOKEN, '').files.netrc).toBe(`machine libs.example.com login _token password ${TOKEN}\n`)
  })
})

describe('javascript', () => {
  it('keeps the user’s npmrc and adds the registry with credentials keyed to the host, covering /javascript-upstream/', () => {
    const config = javascript('libraries.cgr.dev', TOKEN, 'fund=false')
    expect(config.env.NPM_CONFIG_USERCONFIG).toBe('{dir}/npmrc')
    expect(config.files.npmrc).toBe(
      `fund=false\nregistry=https://libraries.cgr.dev/javascript/\n//libraries.cgr.dev/:_auth=${npmAuth(TOKEN)}\n`,
    )
    expect(Buffer.from(npmAuth(TOKEN), 'base64').toString()).toBe(`_token:${TOKEN}`)
  })

  it('adds no blank line: none before ours when the user has no npmrc, none after a user’s line that ends', () => {
    const ours = `registry=https://libraries.cgr.dev/javascript/\n//libraries.cgr.dev/:_auth=${npmAuth(TOKEN)}\n`
    expect(javascript('libraries.cgr.dev', TOKEN, '').files.npmrc).toBe(ours)
    expect(javascript('libraries.cgr.dev', TOKEN, 'fund=false\n').files.npmrc).toBe(`fund=false\n${ours}`)
  })

  it('wins over a user’s npm_config_userconfig in either order of the environment (npm takes the later one)', () => {
    const ours = Object.fromEntries(
      Object.entries(javascript('libraries.cgr.dev', TOKEN, '').env).map(([k, v]) => [k, v.replace('{dir}', '/job')]),
    )
    const userconfig = (env: Record<string, string>) =>
      execFileSync('npm', ['config', 'get', 'userconfig'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' }).trim()
    const theirs = { npm_config_userconfig: '/home/me/.npmrc-ci' }
    // The runner merges GITHUB_ENV over the job's env (its values win); the order of names varies.
    const upperFirst = { NPM_CONFIG_USERCONFIG: ours.NPM_CONFIG_USERCONFIG, ...theirs, ...ours }
    expect([userconfig({ ...theirs, ...ours }), userconfig(upperFirst)]).toEqual(['/job/npmrc', '/job/npmrc'])
  })

  it('puts the credentials in no variable (Yarn Berry would send a YARN_NPM_AUTH_IDENT to other registries)', () => {
    expect(Object.values(javascript('libraries.cgr.dev', TOKEN, '').env)).toEqual(['{dir}/npmrc', '{dir}/npmrc'])
  })
})

describe('maven', () => {
  const SHIPPED = `<?xml version="1.0"?>
<settings>
  <!--
  <servers>
    <server><id>commented</id></server>
  </servers>
  -->
  <mirrors><mirror><id>corp</id><mirrorOf>other</mirrorOf><url>https://m.example.com</url></mirror></mirrors>
  <profiles/>
</settings>
`

  it('adds a section before </settings> when the settings have none outside comments', () => {
    const xml = insertInto(SHIPPED, 'servers', '<server/>')
    expect(xml).toContain('    <server><id>commented</id></server>') // the comment is untouched
    expect(xml).toContain('  <servers><server/></servers>\n</settings>')
  })

  it('fills a self-closed section and prepends to an open one', () => {
    expect(insertInto(SHIPPED, 'profiles', '<profile/>')).toBe(SHIPPED.replace('<profiles/>', '<profiles><profile/></profiles>'))
    expect(insertInto(SHIPPED, 'mirrors', '<mirror/>')).toContain('<mirrors><mirror/><mirror><id>corp</id>')
  })

  // As installations ship it: comments around the sections, and tags with space before the '>'.
  const COMMENTED = `<settings>
  <!-- servers
   | <servers/> holds the logins
  -->
  <servers>
    <server><id>corp</id></server>
  </servers>
  <!-- profiles -->
  <profiles >
  </profiles>
</settings >
`

  it('fills the section that is open outside comments, whatever the comments around it say', () => {
    const xml = insertInto(COMMENTED, 'servers', '<server/>')
    expect(xml).toBe(COMMENTED.replace('  <servers>\n', '  <servers><server/>\n'))
    expect(insertInto(COMMENTED, 'profiles', '<profile/>')).toBe(COMMENTED.replace('<profiles >', '<profiles ><profile/>'))
    expect(insertInto(COMMENTED, 'activeProfiles', '<a/>')).toBe(
      COMMENTED.replace('</settings >', '  <activeProfiles><a/></activeProfiles>\n</settings >'),
    )
  })

  it('refuses settings without a closing tag', () => {
    expect(() => insertInto('<settings><!-- </settings> -->', 'servers', '<server/>')).toThrow('has no </settings> outside comments')
    // A comment never closed runs to the end, as XML parsers read it.
    expect(() => insertInto('<settings><!-- </settings>', 'servers', '<server/>')).toThrow('has no </settings> outside comments')
  })

  it('adds the repository as an always-active profile, before Central, with its credentials; keeps the rest', () => {
    const xml = mavenSettings('libraries.cgr.dev', TOKEN, SHIPPED)
    expect(xml).toContain('<mirrorOf>other</mirrorOf>')
    expect(xml).toContain(`<server><id>chainguard-libraries</id><username>_token</username><password>${TOKEN}</password></server>`)
    expect(xml).toContain('<profiles><profile><id>chainguard-libraries</id><repositories><repository><id>chainguard-libraries</id>')
    expect(xml).toContain('<repository><id>chainguard-libraries</id><url>https://libraries.cgr.dev/java/</url>')
    expect(xml).toContain('<pluginRepository><id>chainguard-libraries</id><url>https://libraries.cgr.dev/java/</url>')
    expect(xml).toContain('<activeProfiles><activeProfile>chainguard-libraries</activeProfile></activeProfiles>')
  })

  it('starts from empty settings when the installation has none', () => {
    expect(mavenSettings('h', TOKEN, '  \n')).toMatch(/^<\?xml[\s\S]*<servers><server>[\s\S]*<\/settings>\n$/)
  })

  it('appends -Dmaven.conf to the user’s MAVEN_OPTS', () => {
    expect(java('h', TOKEN, '', '-Xmx1g').env).toEqual({ MAVEN_OPTS: '-Xmx1g -Dmaven.conf={dir}/maven-conf' })
    expect(java('h', TOKEN, '', '').env).toEqual({ MAVEN_OPTS: '-Dmaven.conf={dir}/maven-conf' })
  })
})
