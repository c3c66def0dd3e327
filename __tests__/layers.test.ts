// The folders are layers: the step on top, then the parts of the story, then token, net and util.
// An import may point down, or sideways inside its own folder; never up, never across parts.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'

const SRC = join(import.meta.dirname, '..', 'src')
/** Lower numbers are lower layers; folders of one rank may not import each other. */
const RANK: Record<string, number> = { util: 0, net: 1, token: 2, registry: 3, chainctl: 3, images: 3, libraries: 3, '.': 4 }

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}
const folderOf = (file: string) => dirname(relative(SRC, file)).split('/')[0]

/** Every relative import of a file, static or dynamic, as the file it names. */
function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1])
  return specs.map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))))
}

/** The imports of `files` that point up or across: "from -> to". */
function wrongWay(files: Map<string, string>): string[] {
  const wrong: string[] = []
  for (const [file, text] of files) {
    const from = folderOf(file)
    for (const target of importsOf(file, text)) {
      const to = folderOf(target)
      if (to !== from && RANK[to] >= RANK[from]) wrong.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`)
    }
  }
  return wrong
}

test('every folder of src/ has a layer', () => {
  const folders = new Set(sources(SRC).map(folderOf))
  expect([...folders].filter((f) => !(f in RANK))).toEqual([])
})

test('no import in src/ points up a layer or across to another part', () => {
  const files = new Map(sources(SRC).map((f) => [f, readFileSync(f, 'utf8')] as const))
  expect(wrongWay(files)).toEqual([])
})

test('the check itself catches an import that points up', () => {
  const up = new Map([[join(SRC, 'util', 'exec.ts'), "import { oneLine } from '../token/errors.js'"]])
  const across = new Map([[join(SRC, 'images', 'check.ts'), "const m = await import('../registry/login.js')"]])
  const down = new Map([[join(SRC, 'main.ts'), "import { x } from './registry/login.js'"]])
  expect(wrongWay(up)).toEqual(['util/exec.ts -> token/errors.ts'])
  expect(wrongWay(across)).toEqual(['images/check.ts -> registry/login.ts'])
  expect(wrongWay(down)).toEqual([])
})
