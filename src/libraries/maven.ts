// Maven: a copy of the installation's conf folder whose global settings.xml is the installation's
// plus a profile with the libraries repository (before Central, which stays the fallback) and its
// credentials. MAVEN_OPTS=-Dmaven.conf=<copy> points a plain `mvn` at it: the launcher's m2.conf
// sets maven.conf only when it is not set already (Maven 3 and 3.9 alike). The user's own
// ~/.m2/settings.xml is not touched and still applies on top, as user settings always do.
import type { ClientConfig } from './clients.js'
import { USERNAME } from './clients.js'

export const REPOSITORY_ID = 'chainguard-libraries'

const EMPTY = '<?xml version="1.0" encoding="UTF-8"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n</settings>\n'

/** Where `<name>` (or `<name/>`) opens outside comments, and how long the tag is; undefined when it does not. */
function openTag(xml: string, name: string): { at: number; tag: string } | undefined {
  const pattern = new RegExp(`<!--[\\s\\S]*?(?:-->|$)|<${name}\\s*(/?)>`, 'g')
  for (const m of xml.matchAll(pattern)) if (!m[0].startsWith('<!--')) return { at: m.index, tag: m[0] }
  return undefined
}

/** `xml` with `child` first inside its top-level `<section>`, which is made before `</settings>` when missing. */
export function insertInto(xml: string, section: string, child: string): string {
  const open = openTag(xml, section)
  if (open?.tag.endsWith('/>')) return `${xml.slice(0, open.at)}<${section}>${child}</${section}>${xml.slice(open.at + open.tag.length)}`
  if (open) return xml.slice(0, open.at + open.tag.length) + child + xml.slice(open.at + open.tag.length)
  const end = [...xml.matchAll(/<!--[\s\S]*?(?:-->|$)|<\/settings\s*>/g)].find((m) => !m[0].startsWith('<!--'))
  if (!end) throw new Error('has no </settings> outside comments')
  return `${xml.slice(0, end.index)}  <${section}>${child}</${section}>\n${xml.slice(end.index)}`
}

const repository = (tag: string, url: string) =>
  `<${tag}><id>${REPOSITORY_ID}</id><url>${url}</url><releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots></${tag}>`

/** The installation's global settings with the libraries repository, for plugins too, and its credentials. */
export function mavenSettings(host: string, token: string, globalSettings: string): string {
  const url = `https://${host}/java/`
  const profile =
    `<profile><id>${REPOSITORY_ID}</id><repositories>${repository('repository', url)}</repositories>` +
    `<pluginRepositories>${repository('pluginRepository', url)}</pluginRepositories></profile>`
  const server = `<server><id>${REPOSITORY_ID}</id><username>${USERNAME}</username><password>${token}</password></server>`
  let xml = globalSettings.trim() ? globalSettings : EMPTY
  xml = insertInto(xml, 'servers', server)
  xml = insertInto(xml, 'profiles', profile)
  return insertInto(xml, 'activeProfiles', `<activeProfile>${REPOSITORY_ID}</activeProfile>`)
}

/** The conf folder's copy is made by the caller (`conf` below); this adds settings.xml and MAVEN_OPTS. */
export function java(host: string, token: string, globalSettings: string, mavenOpts: string): ClientConfig {
  return {
    files: { 'maven-conf/settings.xml': mavenSettings(host, token, globalSettings) },
    env: { MAVEN_OPTS: `${mavenOpts ? `${mavenOpts} ` : ''}-Dmaven.conf={dir}/maven-conf` },
    clients: ['maven'],
  }
}
