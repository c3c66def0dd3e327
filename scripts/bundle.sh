#!/usr/bin/env bash
# Builds dist/: the main and post bundles and the credential helper (ncc), and dist/licenses.txt with the licenses of every
# bundled package. ncc writes one licenses file per build and, when a build has lazy chunks, the
# last chunk's overwrites the entry's, so the per-build files are merged and de-duplicated here.
set -euo pipefail
cd "$(dirname "$0")/.."

# ncc's module and chunk ids hash each module's path relative to the project. A node_modules that
# is a symlink (a shared install, a git worktree) resolves outside the project and changes every
# id, so dist/ would differ from a plain checkout's. Build then in a scratch copy with a real
# node_modules (hard links, so it takes a second), and take its dist/.
if [ -L node_modules ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cp -r src scripts stubs package.json tsconfig.json "$scratch"/
  cp -al "$(realpath node_modules)" "$scratch/node_modules" 2>/dev/null || cp -a "$(realpath node_modules)" "$scratch/node_modules"
  bash "$scratch/scripts/bundle.sh"
  rm -rf dist
  cp -r "$scratch/dist" dist
  exit 0
fi
rm -rf dist
# The credential helper is a program of its own, run by docker; its source lives with the registry login.
for entry in main:src/main.ts post:src/post.ts helper:src/registry/helper.ts; do
  node_modules/.bin/ncc build "${entry#*:}" -o "dist/${entry%%:*}" --minify --license licenses.txt --quiet
done
node -e '
const fs = require("fs")
const seen = new Map()
for (const step of ["main", "post", "helper"]) {
  const text = fs.readFileSync(`dist/${step}/licenses.txt`, "utf8")
  // Entries are "name\nlicense\ntext", separated by blank lines before the next package name.
  for (const entry of text.split(/\n\n(?=[@a-z0-9][^\s]*\n[A-Za-z0-9.-]+\n)/)) seen.set(entry.split("\n")[0], entry.trim())
  fs.rmSync(`dist/${step}/licenses.txt`)
}
fs.writeFileSync("dist/licenses.txt", [...seen.keys()].sort().map((k) => seen.get(k)).join("\n\n") + "\n")
'
