#!/usr/bin/env node
// The login page's first load, cold, in Debian's chromium against a real `ebank serve`:
//
//   node tests/web/firstload.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Reports the navigation timing (DOMContentLoaded, load, largest contentful paint) and the
// bytes transferred to --out/firstload.json, without judging them (tests never assert a
// time: the figure is for the "under 1 s on loopback" to be read off). Asserts what
// does not depend on the machine: the login form is usable, no request failed, nothing was
// logged as an error, the manifest makes the app installable (chromium's own check), the
// service worker is served and registered, and it keeps no API answer.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { check, checkConsole, launchBrowser, options, raw, runTest, startBank, step, until, watch } from './support.mjs'

const testTimeoutMs = 60_000

async function checkManifest(port) {
  step('manifest and icons: types and chromium installability fields')
  const answer = await raw(port, 'GET', '/manifest.webmanifest')
  check(answer.status === 200, `GET /manifest.webmanifest answered ${answer.status}`)
  check(answer.headers['content-type'] === 'application/manifest+json', `manifest type ${answer.headers['content-type']}`)
  const manifest = JSON.parse(answer.body)
  check(/网上银行/.test(manifest.name), `manifest name ${manifest.name}`)
  check(manifest.start_url === '/' && manifest.display === 'standalone', 'start_url and display')
  for (const size of ['192x192', '512x512']) {
    const icon = manifest.icons.find((item) => item.sizes === size && (item.purpose ?? 'any').includes('any'))
    check(icon, `an icon of ${size}`)
    const png = await raw(port, 'GET', icon.src)
    check(png.status === 200 && png.headers['content-type'] === 'image/png', `${icon.src}: ${png.status}`)
  }
  return manifest
}

async function checkServiceWorkerServing(port) {
  step('service worker: type and caching headers')
  const answer = await raw(port, 'GET', '/sw.js')
  check(answer.status === 200, `GET /sw.js answered ${answer.status}`)
  check(answer.headers['content-type'].startsWith('text/javascript'), 'service worker type')
  // A cached worker would keep an old app shell alive: it must be revalidated every time.
  check(answer.headers['cache-control'] === 'no-cache', `service worker cache-control ${answer.headers['cache-control']}`)
  check(answer.body.includes("'/api/'"), 'the worker leaves /api/ to the network')
}

async function main() {
  const { port, base } = await startBank()
  await checkManifest(port)
  await checkServiceWorkerServing(port)

  const browser = await launchBrowser()
  // A fresh context: empty cache, no service worker, no cookies — the cold first visit.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
  const page = watch(await context.newPage())
  const failures = []
  const transfers = []
  page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`))
  page.on('response', (response) => {
    if (response.status() >= 400) failures.push(`${response.url()}: ${response.status()}`)
  })
  page.on('requestfinished', async (request) => {
    const sizes = await request.sizes().catch(() => null)
    if (sizes) transfers.push({ url: request.url().replace(base, ''), bytes: sizes.responseBodySize + sizes.responseHeadersSize })
  })
  // Largest contentful paint, kept from the first frame on.
  await page.addInitScript(() => {
    window.__lcp = 0
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__lcp = entry.startTime
    }).observe({ type: 'largest-contentful-paint', buffered: true })
  })

  step('cold load of /login')
  await page.goto(base + '/login', { waitUntil: 'load' })
  await page.getByRole('heading', { name: '登录网上银行' }).waitFor()
  const coldTiming = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation')
    const resources = performance.getEntriesByType('resource')
    return {
      dom_content_loaded_ms: Math.round(navigation.domContentLoadedEventEnd),
      load_ms: Math.round(navigation.loadEventEnd),
      largest_contentful_paint_ms: window.__lcp ? Math.round(window.__lcp) : null,
      response_end_ms: Math.round(navigation.responseEnd),
      transfer_bytes: navigation.transferSize + resources.reduce((total, entry) => total + entry.transferSize, 0),
      encoded_body_bytes: navigation.encodedBodySize + resources.reduce((total, entry) => total + entry.encodedBodySize, 0),
      requests: 1 + resources.length,
    }
  })

  step('the login form is usable')
  const loginId = page.locator('#login-id')
  const password = page.locator('#login-password')
  await loginId.fill('zhangwei')
  await password.fill('Demo#2026')
  check((await loginId.inputValue()) === 'zhangwei', 'the login id field takes input')
  check((await password.inputValue()).length === 9, 'the password field takes input')
  check(await page.getByTestId('login-submit').isEnabled(), 'the login button is enabled')
  await password.fill('')

  step('manifest linked; chromium finds the app installable')
  check((await page.locator('link[rel="manifest"]').getAttribute('href')) === '/manifest.webmanifest', 'manifest link')
  const cdp = await context.newCDPSession(page)
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
  // Playwright's contexts are incognito, which chromium never installs from: that one is
  // the test's, not the app's.
  const appErrors = installabilityErrors.filter((error) => error.errorId !== 'in-incognito')
  check(appErrors.length === 0, `installability errors: ${JSON.stringify(appErrors)}`)
  const { url: manifestUrl, errors: manifestErrors } = await cdp.send('Page.getAppManifest')
  check(manifestUrl === base + '/manifest.webmanifest', `manifest URL ${manifestUrl}`)
  check(manifestErrors.filter((error) => error.critical).length === 0, `manifest errors: ${JSON.stringify(manifestErrors)}`)

  step('the service worker registers and controls the next load')
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
  check(scope === base + '/', `service worker scope ${scope}`)
  const started = Date.now()
  await page.reload({ waitUntil: 'load' })
  const warmMs = Date.now() - started
  await until('the service worker to control the page', () =>
    page.evaluate(() => navigator.serviceWorker.controller !== null))
  const warmTiming = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation')
    return { dom_content_loaded_ms: Math.round(navigation.domContentLoadedEventEnd), load_ms: Math.round(navigation.loadEventEnd) }
  })

  step('API answers go to the network and are never cached')
  const cached = await page.evaluate(async () => {
    await fetch('/api/v1/sessions/password-key', { headers: { Accept: 'application/json' } })
    const urls = []
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname)
    }
    return urls
  })
  check(cached.includes('/') && cached.some((path) => path.startsWith('/assets/')), `app shell cached: ${cached}`)
  check(!cached.some((path) => path.startsWith('/api/')), `an API answer was cached: ${cached}`)

  check(failures.length === 0, `failing requests:\n  ${failures.join('\n  ')}`)
  checkConsole()

  const report = {
    url: '/login',
    viewport: '390x844',
    cold: coldTiming,
    warm_with_service_worker: { ...warmTiming, reload_wall_ms: warmMs },
    transferred: transfers.sort((a, b) => b.bytes - a.bytes),
  }
  writeFileSync(join(options.out, 'firstload.json'), JSON.stringify(report, null, 2) + '\n')
  console.log(`first load: DOMContentLoaded ${coldTiming.dom_content_loaded_ms} ms, load ${coldTiming.load_ms} ms, ` +
    `LCP ${coldTiming.largest_contentful_paint_ms ?? 'n/a'} ms, ${coldTiming.transfer_bytes} bytes in ${coldTiming.requests} requests`)
  await page.screenshot({ path: join(options.out, 'firstload-login-phone.png') })
}

await runTest(main, testTimeoutMs)
