// Reports the production bundle's size: each built file's bytes and gzip bytes, then one
// total line, and the part the login page loads first (index.html, the entry's script and
// style and their static imports, as index.html names them).
//   node scripts/bundle-size.mjs [dist]   (default: dist; --quiet prints the totals only)
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

const args = process.argv.slice(2)
const quiet = args.includes('--quiet')
const root = args.find((arg) => !arg.startsWith('--')) ?? 'dist'

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

const kib = (bytes) => (bytes / 1024).toFixed(1).padStart(8) + ' KiB'
const rows = files(root)
  .map((path) => {
    const body = readFileSync(path)
    return { name: '/' + relative(root, path), bytes: body.length, gzip: gzipSync(body, { level: 9 }).length }
  })
  .sort((a, b) => b.gzip - a.gzip)

// What the first page load fetches: index.html and what it links (scripts, styles,
// modulepreloads), before any route's chunk.
const index = readFileSync(join(root, 'index.html'), 'utf8')
const linked = new Set(['/index.html', ...[...index.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1])])
const first = rows.filter((row) => linked.has(row.name) && /\.(html|js|css)$/.test(row.name))

if (!quiet) {
  for (const row of rows) console.log(`${kib(row.bytes)} ${kib(row.gzip)} gzip  ${row.name}`)
}
const sum = (list, key) => list.reduce((total, row) => total + row[key], 0)
console.log(
  `bundle: ${rows.length} files, ${kib(sum(rows, 'bytes')).trim()}, ${kib(sum(rows, 'gzip')).trim()} gzip; ` +
    `first load (login page): ${first.length} files, ${kib(sum(first, 'gzip')).trim()} gzip`,
)
