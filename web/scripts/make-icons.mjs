// Draws the app's PNG icons (192 and 512 pixels, for the web app manifest) with no
// dependency but Node's zlib: the bank's red rounded square with a white coin whose square
// hole echoes the old Chinese cash coin. Run once when the design changes:
//   node scripts/make-icons.mjs   (writes public/icons/icon-192.png and icon-512.png)
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const red = [0xb3, 0x26, 0x1e]
const white = [0xff, 0xff, 0xff]

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes) {
  let c = 0xffffffff
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

// RGBA of pixel (x, y) of a `size` icon. The coin stays inside the central 80% that a
// maskable icon keeps.
function pixel(x, y, size) {
  const u = (x + 0.5) / size - 0.5
  const v = (y + 0.5) / size - 0.5
  const corner = 0.18
  const dx = Math.max(Math.abs(u) - (0.5 - corner), 0)
  const dy = Math.max(Math.abs(v) - (0.5 - corner), 0)
  if (dx * dx + dy * dy > corner * corner) return [0, 0, 0, 0]
  const r = Math.hypot(u, v)
  const inHole = Math.abs(u) < 0.09 && Math.abs(v) < 0.09
  const inRing = r < 0.3 && r > 0.255
  const inCoin = r < 0.22 && !inHole
  return [...(inRing || inCoin ? white : red), 255]
}

function png(size) {
  const rows = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4)
    for (let x = 0; x < size; x++) Buffer.from(pixel(x, y, size)).copy(row, 1 + x * 4)
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA, no interlace.
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')
mkdirSync(out, { recursive: true })
for (const size of [192, 512]) writeFileSync(join(out, `icon-${size}.png`), png(size))
