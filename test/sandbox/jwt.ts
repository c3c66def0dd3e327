// RS256 JWTs for the stand-ins: the GitHub OIDC token, Chainguard tokens and registry tokens.
import { createPublicKey, createSign, createVerify, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto'

export type Claims = Record<string, unknown>

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

export interface Signer {
  kid: string
  privateKey: KeyObject | string
  publicKey: KeyObject
  /** Extra JOSE header fields, e.g. x5c. */
  header?: Record<string, unknown>
}

export function newSigner(header?: Record<string, unknown>): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { kid: randomUUID(), privateKey, publicKey, header }
}

export function signerFromPem(keyPem: string, header?: Record<string, unknown>): Signer {
  return { kid: randomUUID(), privateKey: keyPem, publicKey: createPublicKey(keyPem), header }
}

export function sign(signer: Signer, claims: Claims): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: signer.kid, ...signer.header })}.${b64(claims)}`
  const signature = createSign('RSA-SHA256').update(input).sign(signer.privateKey, 'base64url')
  return `${input}.${signature}`
}

export function jwk(signer: Signer): Record<string, unknown> {
  return { ...signer.publicKey.export({ format: 'jwk' }), kid: signer.kid, alg: 'RS256', use: 'sig' }
}

/** Verifies the signature against `keys` (by kid) and returns the claims; throws a short reason. */
export function verify(token: string, keys: Array<Record<string, unknown>>): Claims {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error('malformed JWT')
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as Claims
  if (header.alg !== 'RS256') throw new Error('unsupported alg')
  const key = keys.find((k) => k.kid === header.kid)
  if (!key) throw new Error('unknown signing key')
  const publicKey = createPublicKey({ key: key as never, format: 'jwk' })
  const ok = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(publicKey, parts[2], 'base64url')
  if (!ok) throw new Error('bad signature')
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as Claims
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) throw new Error('token expired')
  return claims
}

export const now = () => Math.floor(Date.now() / 1000)
