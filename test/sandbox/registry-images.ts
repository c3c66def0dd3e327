// Seeding the sandbox's registry: images pushed straight to its backend, with a token the front signed.
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'

export type ImageFormat = 'docker' | 'oci-index'

/** Each seeding request, body included, ends within 10 s: a stuck backend fails the sandbox's start, not the whole run. */
const bounded = () => AbortSignal.timeout(10_000)
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/**
 * Pushes a tiny one-layer image straight to the backend: a docker v2 manifest, or an OCI index
 * over one linux/amd64 OCI manifest. Returns the digest of what the tag names.
 */
export async function pushImage(
  backend: string,
  token: string,
  image: { repository: string; tag: string; content: string; format: ImageFormat },
): Promise<string> {
  const auth = { Authorization: `Bearer ${token}` }
  const oci = image.format === 'oci-index'
  const tar = tarFile('hello.txt', image.content)
  const layer = gzipSync(tar)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  )
  for (const blob of [layer, config]) {
    const start = await fetch(`${backend}/v2/${image.repository}/blobs/uploads/`, { method: 'POST', headers: auth, signal: bounded() })
    const location = new URL(start.headers.get('location') ?? '', backend)
    location.searchParams.set('digest', sha256(blob))
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      body: blob,
      signal: bounded(),
    })
    if (put.status !== 201) throw new Error(`seeding blob failed: HTTP ${put.status} ${await put.text()}`)
  }
  const putManifest = async (ref: string, manifest: { mediaType: string }) => {
    const body = Buffer.from(JSON.stringify(manifest))
    const put = await fetch(`${backend}/v2/${image.repository}/manifests/${ref}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': manifest.mediaType },
      body,
      signal: bounded(),
    })
    if (put.status !== 201) throw new Error(`seeding manifest failed: HTTP ${put.status} ${await put.text()}`)
    return { digest: sha256(body), size: body.length, mediaType: manifest.mediaType }
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256(config),
    },
    layers: [
      {
        mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer.length,
        digest: sha256(layer),
      },
    ],
  }
  if (!oci) return (await putManifest(image.tag, manifest)).digest
  const platform = await putManifest(sha256(Buffer.from(JSON.stringify(manifest))), manifest)
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...platform, platform: { architecture: 'amd64', os: 'linux' } }],
  }
  return (await putManifest(image.tag, index)).digest
}

/** A ustar archive holding one regular file. */
function tarFile(name: string, content: string): Buffer {
  const data = Buffer.from(content)
  const header = Buffer.alloc(512)
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, 'ascii')
  field(name, 0, 100)
  field('0000644\0', 100, 8)
  field('0000000\0', 108, 8)
  field('0000000\0', 116, 8)
  field(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12)
  field('00000000000\0', 136, 12)
  field('        ', 148, 8)
  field('0', 156, 1)
  field('ustar\0', 257, 6)
  field('00', 263, 2)
  const sum = header.reduce((a, b) => a + b, 0)
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8)
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512)
  data.copy(padded)
  return Buffer.concat([header, padded, Buffer.alloc(1024)])
}
