#!/usr/bin/env node
// Browser test of the second factors other than SMS, on a throwaway demo bank:
//
//   node tests/web/factors.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Logs in with a TOTP code computed here from the secret in the demo's guide, with the
// password card's digits read off the demo's card file, and with the U-key through a real
// `ebank ukey agent` on the demo's SoftHSM2 token. Before that agent runs, the page must say
// the helper is not running, then (with an agent for a token that is not plugged in) that
// the U-key is missing; an agent asked from another origin answers 403 without CORS. Then a
// transfer above the SMS limit is confirmed with the U-key and the balance checked with the
// API. Fails on any console error. Screenshots go to --out. Every agent started here is
// killed whatever happens.
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import {
  api, check, checkConsole, expectFailures, launchBrowser, options, raw, runTest, startBank, step,
  tmp, until, watch,
} from './support.mjs'

const testTimeoutMs = 120_000
const password = 'Demo#2026'
// The demo customers with each second factor (src/app/demo.cpp).
const totpCustomer = { login: 'lina', reservedInfo: '海上生明月' }
const cardCustomer = { login: 'wangfang', reservedInfo: '大漠孤烟直' }
const ukeyCustomer = { login: 'liuyang', reservedInfo: '长河落日圆' }
// The demo's U-key token (EnsureUkey in src/app/demo.cpp; the PIN is printed in its guide).
const ukeyToken = 'ebank-liuyang'
const ukeyPin = '123456'
// Another customer's account: lina's class I debit card.
const otherAccount = '6225880000000000028'

const shot = (page, name) => page.screenshot({ path: join(options.out, name), fullPage: true })

// Agents started by this test, killed at exit whatever happens.
const agents = new Set()
function stopAgent(agent) {
  if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL')
  agents.delete(agent)
}
process.on('exit', () => {
  for (const agent of agents) stopAgent(agent)
})

// `ebank ukey agent` for the bank's origin on a free port; resolves to its process and URL.
async function startAgent(base, token, name) {
  const portFile = join(tmp, `agent-${name}.port`)
  const pinFile = join(tmp, 'ukey-pin')
  writeFileSync(pinFile, ukeyPin + '\n', { mode: 0o600 })
  const agent = spawn(
    options.ebank,
    ['ukey', 'agent', '--token', token, '--origin', base, '--port', '0', '--port-file', portFile,
      '--pin-file', pinFile],
    {
      env: { ...process.env, SOFTHSM2_CONF: join(tmp, 'demo', 'ukey-liuyang', 'softhsm2.conf') },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  agents.add(agent)
  const port = await until(`the ${name} agent's port file`, () => {
    if (agent.exitCode !== null) throw new Error(`ebank ukey agent exited with ${agent.exitCode}`)
    const text = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : ''
    return /^\d+$/.test(text) ? Number(text) : 0
  })
  return { agent, port, url: `http://127.0.0.1:${port}` }
}

// A loopback port nothing listens on (taken and released at once).
function deadPort() {
  return new Promise((done, fail) => {
    const server = createServer()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => done(port))
    })
  })
}

// RFC 6238 with the defaults the bank uses: SHA-1, 30 s, 6 digits.
function totp(secretBase32, atMs = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of secretBase32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)))
  const mac = createHmac('sha1', key).update(counter).digest()
  const offset = mac[mac.length - 1] & 0x0f
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

// The 3-digit codes of a password card file, by cell name ("B7").
function readCard(file) {
  const cells = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = line.match(/^\s*(\d+)((?:\s+\d{3})+)\s*$/)
    if (!match) continue
    match[2].trim().split(/\s+/).forEach((code, column) => {
      cells[String.fromCharCode(65 + column) + match[1]] = code
    })
  }
  return cells
}

// Through the login page up to the choice of second factor.
async function toSecondFactor(page, base, customer) {
  await page.goto(base + '/login')
  await page.getByRole('heading', { name: '登录网上银行' }).waitFor()
  await page.locator('#login-id').fill(customer.login)
  await page.locator('#login-password').fill(password)
  await page.getByTestId('login-submit').click()
  const reserved = page.getByTestId('reserved-info')
  await reserved.waitFor()
  check((await reserved.textContent()).trim() === customer.reservedInfo, 'reserved information')
  await page.getByTestId('reserved-confirm').click()
  await page.getByTestId('tool-sms').waitFor()
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  return watch(await context.newPage())
}

async function logInWithTotp(browser, base, guide) {
  step('TOTP: a code computed from the demo secret logs in')
  const secret = guide.match(/动态口令 TOTP: 密钥 secret ([A-Z2-7]+)/)?.[1]
  check(secret, 'the guide prints the TOTP secret')
  const page = await newPage(browser)
  await toSecondFactor(page, base, totpCustomer)
  await page.getByTestId('tool-totp').click()
  await page.getByTestId('challenge-request').click()
  await page.getByTestId('challenge-prompt').filter({ hasText: '动态口令' }).waitFor()
  // A code that is wrong at every time step the bank accepts now.
  const valid = [-60_000, -30_000, 0, 30_000, 60_000].map((offset) => totp(secret, Date.now() + offset))
  let wrong = 0
  while (valid.includes(String(wrong).padStart(6, '0'))) wrong += 1
  wrong = String(wrong).padStart(6, '0')
  expectFailures(1)
  await page.locator('#factor-answer').fill(wrong)
  await page.getByTestId('factor-submit').click()
  await page.getByRole('alert').filter({ hasText: '验证码不正确' }).waitFor()
  await page.locator('#factor-answer').fill(totp(secret))
  await shot(page, 'factor-totp-zh.png')
  await page.getByTestId('factor-submit').click()
  await page.getByTestId('account-list').waitFor()
  const me = await api(page, 'GET', '/api/v1/me')
  check(me.status === 200 && me.body.login_id === totpCustomer.login, 'logged in as the TOTP customer')
  await page.context().close()
}

async function logInWithCard(browser, base) {
  step('password card: the digits at the cells asked for log in')
  const cells = readCard(join(tmp, 'demo', 'wangfang-password-card.txt'))
  check(Object.keys(cells).length >= 50, `read ${Object.keys(cells).length} cells off the card`)
  const page = await newPage(browser)
  await toSecondFactor(page, base, cardCustomer)
  await page.getByTestId('tool-password_card').click()
  await page.getByTestId('challenge-request').click()
  const prompt = (await page.getByTestId('challenge-prompt').textContent()).trim()
  const asked = prompt.match(/[A-Z]\d+/g) ?? []
  check(asked.length >= 2 && asked.every((cell) => cells[cell]), `cells asked: ${prompt}`)
  await page.locator('#factor-answer').fill(asked.map((cell) => cells[cell]).join(''))
  await shot(page, 'factor-card-zh.png')
  await page.getByTestId('factor-submit').click()
  await page.getByTestId('account-list').waitFor()
  const me = await api(page, 'GET', '/api/v1/me')
  check(me.status === 200 && me.body.login_id === cardCustomer.login, 'logged in as the card customer')
  await page.context().close()
}

async function useAgent(page, url) {
  await page.evaluate((value) => localStorage.setItem('ebank.ukeyAgent', value), url)
}

async function logInWithUkey(browser, base) {
  const page = await newPage(browser)
  step('U-key: the helper is not running')
  await page.goto(base + '/login')
  await useAgent(page, `http://127.0.0.1:${await deadPort()}`)
  await toSecondFactor(page, base, ukeyCustomer)
  expectFailures(2) // The status and the signing requests find no helper.
  await page.getByTestId('tool-ukey').click()
  const notRunning = '未能连接本机的U盾助手'
  await page.getByTestId('ukey-problem').filter({ hasText: notRunning }).waitFor()
  await page.getByTestId('ukey-sign').click()
  await page.getByRole('alert').filter({ hasText: notRunning }).waitFor()
  await shot(page, 'factor-ukey-not-running-zh.png')

  step('U-key: a helper whose token is not plugged in')
  const missing = await startAgent(base, 'no-such-token', 'missing')
  await useAgent(page, missing.url)
  await page.getByTestId('ukey-recheck').click()
  await page.getByTestId('ukey-problem').filter({ hasText: '未检测到U盾' }).waitFor()
  expectFailures(1) // The agent's 503.
  await page.getByTestId('ukey-sign').click()
  await page.getByRole('alert').filter({ hasText: '未检测到U盾，请插入U盾后重试' }).waitFor()
  stopAgent(missing.agent)

  step('U-key: the real agent on the demo token; another origin gets nothing')
  const agent = await startAgent(base, ukeyToken, 'demo')
  for (const origin of ['http://evil.example', `http://localhost:${new URL(base).port}`]) {
    const refused = await raw(agent.port, 'GET', '/status', { Origin: origin })
    check(refused.status === 403, `${origin} got ${refused.status} from the agent`)
    check(!('access-control-allow-origin' in refused.headers), `${origin} got CORS headers`)
  }
  const preflight = await raw(agent.port, 'OPTIONS', '/sign', {
    Origin: base, 'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Private-Network': 'true',
  })
  check(preflight.status === 204 && preflight.headers['access-control-allow-origin'] === base &&
    preflight.headers['access-control-allow-private-network'] === 'true',
  `preflight: ${preflight.status} ${JSON.stringify(preflight.headers)}`)
  await useAgent(page, agent.url)
  await page.getByTestId('ukey-recheck').click()
  const ready = page.getByTestId('ukey-ready')
  await ready.waitFor()
  check((await ready.textContent()).includes('O=ebank'), 'the certificate subject is shown')
  check(await page.getByRole('alert').count() === 0, 'the missing-token error stays after the check')
  await shot(page, 'factor-ukey-ready-zh.png')
  await page.getByTestId('ukey-sign').click()
  await page.getByTestId('account-list').waitFor()
  const me = await api(page, 'GET', '/api/v1/me')
  check(me.status === 200 && me.body.login_id === ukeyCustomer.login, 'logged in with the U-key')
  return { page, agent }
}

async function transferWithUkey(page) {
  step('U-key: a transfer above the SMS limit is confirmed by the agent')
  const accounts = (await api(page, 'GET', '/api/v1/me/accounts')).body.accounts
  const main = accounts.find((account) => account.product === 'DEMAND_CARD_I')
  check(main, 'the U-key customer has a class I account')
  await page.getByTestId('nav-transfer').click()
  await page.getByTestId('transfer-form').waitFor()
  await page.getByTestId('transfer-from').selectOption(main.number)
  await page.getByTestId('to-other').click()
  await page.locator('#transfer-to-other').fill(otherAccount)
  await page.locator('#transfer-amount').fill('6000.00')
  await page.getByTestId('transfer-next').click()
  await page.getByTestId('transfer-submit').click()
  await page.getByTestId('transfer-sca').waitFor()
  check(!(await page.getByTestId('sca-tool-sms').isVisible()), 'SMS is not enough for 6,000.00')
  await page.getByTestId('ukey-ready').waitFor()
  await shot(page, 'transfer-ukey-sca-zh.png')
  await page.getByTestId('sca-ukey-sign').click()
  await page.getByTestId('transfer-transaction-id').waitFor()
  const after = (await api(page, 'GET', '/api/v1/me/accounts')).body.accounts
    .find((account) => account.number === main.number)
  const cents = (amount) => BigInt(amount.replace('.', ''))
  check(cents(main.balance) - cents(after.balance) === 600000n,
    `balance ${main.balance} → ${after.balance}, not 6,000.00 less`)
  await shot(page, 'transfer-ukey-done-zh.png')
}

async function main() {
  try {
    const { base } = await startBank()
    const guide = readFileSync(join(tmp, 'demo', 'guide.txt'), 'utf8')
    const browser = await launchBrowser()
    await logInWithTotp(browser, base, guide)
    await logInWithCard(browser, base)
    const { page } = await logInWithUkey(browser, base)
    await transferWithUkey(page)
    checkConsole()
  } finally {
    for (const agent of agents) stopAgent(agent)
  }
}

await runTest(main, testTimeoutMs)
