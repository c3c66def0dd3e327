// Test-only PKI made with openssl: a local CA, one TLS certificate for every stand-in host, and a
// self-signed certificate whose key signs registry tokens (docker-registry trusts it via x5c).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const HOSTS = ['cgr.dev', 'issuer.enforce.dev', 'dl.enforce.dev', 'libraries.cgr.dev', 'localhost']

export interface Pki {
  dir: string
  caCert: string
  tlsKey: string
  tlsCert: string
  tokenKey: string
  tokenCert: string
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })

/** Makes the files once per folder; later calls reuse them. */
export function ensurePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true })
  const f = (name: string) => join(dir, name)
  const pki: Pki = {
    dir,
    caCert: f('ca.crt'),
    tlsKey: f('tls.key'),
    tlsCert: f('tls.crt'),
    tokenKey: f('token.key'),
    tokenCert: f('token.crt'),
  }
  // Certificates last 30 days; a folder older than 20, or made for other hosts, is made anew.
  const san = [...HOSTS.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',')
  const ext = `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`
  const sameHosts = existsSync(f('tls.ext')) && readFileSync(f('tls.ext'), 'utf8') === ext
  if (sameHosts && existsSync(pki.tokenCert) && Date.now() - statSync(pki.tokenCert).mtimeMs < 20 * 86400_000) return pki
  const selfSigned = (cn: string, key: string, cert: string) =>
    openssl(`req -x509 -newkey rsa:2048 -nodes -days 30 -subj`.split(' ').concat([`/CN=${cn}`, '-keyout', key, '-out', cert]))
  selfSigned('setup-chainctl sandbox CA', f('ca.key'), pki.caCert)
  writeFileSync(f('tls.ext'), ext)
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=sandbox', '-keyout', pki.tlsKey, '-out', f('tls.csr')])
  const ca = ['-CA', pki.caCert, '-CAkey', f('ca.key'), '-CAcreateserial']
  openssl(['x509', '-req', '-days', '30', '-in', f('tls.csr'), ...ca, '-extfile', f('tls.ext'), '-out', pki.tlsCert])
  selfSigned('sandbox registry token signer', pki.tokenKey, pki.tokenCert)
  return pki
}

export function read(path: string): string {
  return readFileSync(path, 'utf8')
}

/** The certificate's DER, base64: the x5c header entry of a registry token. */
export function certDerBase64(pemPath: string): string {
  const pem = read(pemPath)
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
}
