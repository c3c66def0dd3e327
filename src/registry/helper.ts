// docker-credential-setup-chainctl: the Docker credential-helper protocol (get, list, erase,
// store, version). `get` answers with a cached Chainguard token while it has time left, and
// otherwise exchanges a fresh OIDC token from the step's runner variables. stdout carries only
// protocol answers; errors go to stderr with a non-zero exit.
import { rmSync } from 'node:fs'
import { freshToken, loadSettings, registryHost } from './credhelper.js'

const NOT_FOUND = 'credentials not found in native keychain'
const stderr = (message: string) => process.stderr.write(`setup-chainctl credential helper: ${message}\n`)

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function main(): Promise<number> {
  const [settingsFile, command] = process.argv.slice(2)
  const s = loadSettings(settingsFile)
  switch (command) {
    case 'get': {
      const server = await readStdin()
      if (registryHost(server) !== s.registry) {
        process.stdout.write(`${NOT_FOUND}\n`)
        return 1
      }
      const token = await freshToken(s, stderr)
      process.stdout.write(JSON.stringify({ ServerURL: server.trim(), Username: '_token', Secret: token }) + '\n')
      return 0
    }
    case 'list':
      process.stdout.write(JSON.stringify({ [s.registry]: '_token' }) + '\n')
      return 0
    case 'erase':
      await readStdin()
      rmSync(s.cacheFile, { force: true })
      return 0
    case 'store':
      await readStdin()
      stderr('does not store credentials: it issues them for the identity itself')
      return 1
    case 'version':
      process.stdout.write('docker-credential-setup-chainctl 1\n')
      return 0
    default:
      stderr(`unknown command ${JSON.stringify(command ?? '')}: use get, list, erase, store or version`)
      return 1
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    stderr(err instanceof Error ? err.message : String(err))
    process.exitCode = 1
  },
)
