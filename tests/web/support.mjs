// What the browser tests share: arguments, a throwaway demo bank with its own `ebank serve`,
// Debian's chromium through playwright-core (no browser download), bounded waits, a
// watchdog, console-error checks and logging in through the page. Each test is its own
// process, so this module keeps its state at module level.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const waitTimeoutMs = 10_000
const skipExitCode = 77 // CTest's SKIP_RETURN_CODE: the web app is not built.

// Demo staff (src/app/demo.cpp): a teller at an outlet, the supervisor of its branch, an
// administrator at the head office.
export const staffMembers = {
  teller01: { login: 'teller01', password: 'Teller#2026', name: '陈静', role: '柜员', unit: '建国路网点' },
  super01: { login: 'super01', password: 'Super#2026', name: '周强', role: '主管', unit: '北京分行' },
  admin01: { login: 'admin01', password: 'Admin#2026', name: '吴敏', role: '系统管理员', unit: '总行' },
}

// Demo customers (src/app/demo.cpp); all have the password Demo#2026.
export const customers = {
  zhangwei: { login: 'zhangwei', password: 'Demo#2026', reservedInfo: '春眠不觉晓', mobile: '13911082736' },
  lina: { login: 'lina', password: 'Demo#2026', reservedInfo: '海上生明月', mobile: '13761829405' },
}

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '../..')
export const options = parseArgs(process.argv.slice(2), {
  ebank: join(repo, 'build/src/app/ebank'),
  'web-dir': join(repo, 'web/dist'),
  out: join(repo, 'build/web-test'),
  chromium: '/usr/bin/chromium',
})

function parseArgs(args, defaults) {
  const parsed = { ...defaults }
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '')
    if (!(name in defaults) || i + 1 >= args.length) throw new Error(`unknown argument ${args[i]}`)
    parsed[name] = resolve(args[i + 1])
  }
  return parsed
}

if (!existsSync(join(options['web-dir'], 'index.html'))) {
  console.log(`SKIP: ${options['web-dir']} is not built (make web)`)
  process.exit(skipExitCode)
}
// playwright-core is a dev dependency of web/, not of this folder.
const { chromium } = createRequire(join(repo, 'web/package.json'))('playwright-core')

export const tmp = mkdtempSync(join(tmpdir(), 'ebank-web-test-'))
let server = null
let browser = null
let failed = false
let watchdog = null

function stopServer() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
}
process.on('exit', () => {
  stopServer()
  if (!failed) rmSync(tmp, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

const steps = []
export function step(name) {
  steps.push(name)
  console.log(`- ${name}`)
}

export function check(condition, message) {
  if (!condition) throw new Error(message)
}

function run(args) {
  const result = spawnSync(options.ebank, args, { encoding: 'utf8', timeout: 30_000 })
  if (result.status !== 0) {
    throw new Error(`ebank ${args[0]} failed (${result.status}): ${result.stderr}`)
  }
  return result.stdout
}

export async function until(what, probe, timeoutMs = waitTimeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 50))
  }
}

// A raw request: node sends the path exactly as given (no dot-segment normalisation).
export function raw(port, method, path, headers = {}) {
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers, timeout: waitTimeoutMs },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => done({ status: res.statusCode, headers: res.headers, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)))
    req.on('error', fail)
    req.end()
  })
}

export function smsLines() {
  const file = join(tmp, 'sms-outbox.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
}

// The next SMS code sent to `mobile` after the outbox had `before` lines.
export async function smsCode(mobile, before, pattern = /验证码(\d{6})/) {
  const sms = await until('the SMS code', () =>
    smsLines().slice(before).find((line) => line.to === mobile && pattern.test(line.text)))
  return sms.text.match(pattern)[1]
}

// A demo bank in the temporary folder and `ebank serve` on a free port; `demoArgs` go to
// `ebank demo` after its usual arguments.
export async function startBank(demoArgs = []) {
  mkdirSync(options.out, { recursive: true })
  const db = join(tmp, 'ebank.db')
  step('demo bank')
  run(['migrate', '--db', db])
  run(['demo', '--db', db, '--data-dir', tmp, ...demoArgs])

  step('start ebank serve')
  const portFile = join(tmp, 'port')
  server = spawn(
    options.ebank,
    ['serve', '--db', db, '--data-dir', tmp, '--token-file', join(tmp, 'operator-token'),
      '--listen', '127.0.0.1:0', '--port-file', portFile, '--web-dir', options['web-dir'],
      '--card-listen', '127.0.0.1:0', '--no-access-log'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  )
  const port = await until('the port file', () => {
    if (server.exitCode !== null) throw new Error(`ebank serve exited with ${server.exitCode}`)
    const text = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : ''
    return /^\d+$/.test(text) ? Number(text) : 0
  })
  return { port, base: `http://127.0.0.1:${port}` }
}

export async function launchBrowser() {
  browser = await chromium.launch({
    executablePath: options.chromium,
    headless: true,
    timeout: waitTimeoutMs,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  return browser
}

// Console errors fail the test; the failing requests a test provokes on purpose are
// announced with expectFailures(n) first (chromium logs every 4xx answer).
const consoleErrors = []
let expectedFailures = 0
export function expectFailures(count) {
  expectedFailures += count
}

export function watch(page) {
  page.setDefaultTimeout(waitTimeoutMs)
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'warning') console.log(`  (console warning: ${message.text()})`)
    if (message.type() !== 'error') return
    if (expectedFailures > 0 && message.text().startsWith('Failed to load resource')) {
      expectedFailures -= 1
      return
    }
    consoleErrors.push(message.text())
  })
  return page
}

export function checkConsole() {
  check(expectedFailures === 0, `${expectedFailures} expected failing request(s) not logged`)
  check(consoleErrors.length === 0, `console errors:\n  ${consoleErrors.join('\n  ')}`)
}

// Logs in through the page (zh-CN): password, reserved information, SMS code.
export async function logIn(page, base, customer) {
  await page.goto(base + '/login')
  await page.getByRole('heading', { name: '登录网上银行' }).waitFor()
  await page.locator('#login-id').fill(customer.login)
  await page.locator('#login-password').fill(customer.password)
  await page.getByTestId('login-submit').click()
  const reserved = page.getByTestId('reserved-info')
  await reserved.waitFor()
  check((await reserved.textContent()).trim() === customer.reservedInfo, 'reserved information')
  await page.getByTestId('reserved-confirm').click()
  const before = smsLines().length
  await page.getByTestId('challenge-request').click()
  const code = await smsCode(customer.mobile, before)
  await page.getByTestId('challenge-prompt').waitFor()
  await page.locator('#factor-answer').fill(code)
  await page.getByTestId('factor-submit').click()
  await page.getByTestId('account-list').waitFor()
}

// Logs in to the staff console through the page (zh-CN) and waits for its frame, which
// names the member.
export async function staffLogIn(page, base, member) {
  await page.goto(base + '/staff/login')
  await page.getByRole('heading', { name: '员工登录' }).waitFor()
  await page.locator('#staff-login').fill(member.login)
  await page.locator('#staff-password').fill(member.password)
  await page.getByTestId('staff-login-submit').click()
  const name = page.getByTestId('staff-name')
  await name.waitFor()
  check((await name.textContent()).trim() === member.name, `staff name ${await name.textContent()}`)
}

// The API as the staff console's session sees it (the bearer token in sessionStorage).
export function staffApi(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const headers = { Accept: 'application/json' }
    const token = sessionStorage.getItem('ebank.staff.token')
    if (token) headers.Authorization = `Bearer ${token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }, { method, path, body })
}

// The API as the page's session sees it (cookies and CSRF token from the page).
export function api(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('ebank_csrf='))?.slice(11)
    const headers = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = decodeURIComponent(csrf)
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }, { method, path, body })
}

// Runs the test under a watchdog; the server is killed and the browser closed whatever
// happens, and a failure leaves screenshots of every page and the temporary folder.
export async function runTest(main, testTimeoutMs) {
  watchdog = setTimeout(() => {
    console.error(`FAIL: the test took longer than ${testTimeoutMs} ms`)
    failed = true
    process.exit(1)
  }, testTimeoutMs)
  try {
    await main()
    console.log(`PASS: ${steps.length} steps; screenshots in ${options.out}`)
  } catch (error) {
    failed = true
    console.error(`FAIL at "${steps.at(-1)}": ${error.stack ?? error}`)
    console.error(`(kept ${tmp} for inspection)`)
    if (browser) {
      for (const [c, context] of browser.contexts().entries()) {
        for (const [i, page] of context.pages().entries()) {
          await page.screenshot({ path: join(options.out, `failure-${c}-${i}.png`) }).catch(() => {})
        }
      }
    }
  } finally {
    if (browser) await browser.close().catch(() => {})
    stopServer()
    clearTimeout(watchdog)
  }
  process.exit(failed ? 1 : 0)
}
