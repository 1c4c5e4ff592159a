#!/usr/bin/env node
// Browser test of the security centre against a real `ebank serve` on a throwaway demo bank:
//
//   node tests/web/security.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Changes the login password in the page (both passwords leave the page only encrypted;
// the policy is explained before anything is sent; the customer's other session ends),
// logs in with the new one, sets the balance-alert threshold, lowers a transfer limit
// (and cannot raise it above the bank's), and takes a phone-width screenshot. Fails on any
// console error. Every wait is bounded; the server is stopped whatever happens.
import { join } from 'node:path'
import {
  api, check, checkConsole, customers, expectFailures, launchBrowser, logIn, options, runTest,
  startBank, step, watch,
} from './support.mjs'

const testTimeoutMs = 120_000
const customer = customers.zhangwei
const newPassword = 'Autumn#Leaf7'

async function main() {
  const { base } = await startBank()
  const browser = await launchBrowser()

  step('log in twice: here and on another device')
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const page = watch(await desktop.newPage())
  await logIn(page, base, customer)
  const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const otherPage = watch(await other.newPage())
  await logIn(otherPage, base, customer)

  step('security centre: the password policy is explained and checked in the page')
  const sent = []
  page.on('request', (request) => {
    if (request.url().endsWith('/api/v1/me/password')) sent.push(request.postData() ?? '')
  })
  await page.goto(base + '/security')
  await page.getByTestId('password-change').waitFor()
  check((await page.locator('#password-policy').textContent()).includes('8 至 32 位'), 'policy text')
  await page.locator('#password-old').fill(customer.password)
  await page.locator('#password-new').fill('abcdefgh')
  await page.locator('#password-repeat').fill('abcdefgh')
  await page.getByTestId('password-submit').click()
  await page.getByText('新密码须包含数字、字母、符号中的至少两类').waitFor()
  check(sent.length === 0, 'a password breaking the policy is not sent')
  await page.locator('#password-new').fill(newPassword)
  await page.locator('#password-repeat').fill(newPassword + 'x')
  await page.getByTestId('password-submit').click()
  await page.getByText('两次输入的新密码不一致').waitFor()
  check(sent.length === 0, 'mismatched passwords are not sent')

  step('change the password: sent encrypted, fields cleared, other session ended')
  await page.locator('#password-repeat').fill(newPassword)
  await page.getByTestId('password-submit').click()
  await page.getByTestId('password-changed').waitFor()
  check(sent.length === 1, `${sent.length} password requests`)
  const body = JSON.parse(sent[0])
  check(body.old_password_encrypted && body.new_password_encrypted && body.old_key_id && body.new_key_id,
    'both passwords encrypted')
  check(!sent[0].includes(customer.password) && !sent[0].includes(newPassword), 'no password in clear')
  for (const id of ['#password-old', '#password-new', '#password-repeat']) {
    check((await page.locator(id).inputValue()) === '', `${id} was cleared`)
  }
  expectFailures(1) // The other device's session is gone: its request answers 401.
  check((await api(otherPage, 'GET', '/api/v1/me')).status === 401, 'the other session ended')
  check((await api(page, 'GET', '/api/v1/me')).status === 200, 'this session lives on')

  step('set the balance-alert threshold')
  await page.locator('#alert-threshold-input').fill('200.50')
  await page.getByTestId('alert-threshold-submit').click()
  await page.getByTestId('alert-threshold-saved').waitFor()
  const settings = await api(page, 'GET', '/api/v1/me/security')
  check(settings.body.alert_threshold === '200.50', `threshold ${JSON.stringify(settings.body)}`)

  step('lower a transfer limit; the bank\'s is the ceiling')
  await page.getByTestId('self-limits').waitFor()
  await page.getByTestId('self-limit-tool').selectOption('password')
  await page.locator('#self-limit-per').fill('99999.00')
  await page.locator('#self-limit-daily').fill('99999.00')
  await page.getByTestId('self-limit-submit').click()
  await page.getByText('自设限额不能高于本行限额').first().waitFor()
  await page.locator('#self-limit-per').fill('100.00')
  await page.locator('#self-limit-daily').fill('300.00')
  await page.getByTestId('self-limit-submit').click()
  await page.getByTestId('self-limit-saved').waitFor()
  const row = page.getByTestId('limit-password').getByTestId('limit-self')
  await row.getByText('100.00').waitFor()
  const accounts = await api(page, 'GET', '/api/v1/me/accounts')
  const account = accounts.body.accounts[0].number
  const limits = await api(page, 'GET', `/api/v1/me/limits?account=${account}`)
  const password = limits.body.limits.find((item) => item.tool === 'password')
  check(password.per_transaction === '100.00' && password.daily === '300.00', `limit ${JSON.stringify(password)}`)
  check(password.bank.per_transaction !== '100.00', 'the bank\'s limit is shown beside')
  await page.screenshot({ path: join(options.out, 'desktop-security-zh.png'), fullPage: true })

  step('log in with the new password at phone width')
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN',
  })
  const mobile = watch(await phone.newPage())
  await logIn(mobile, base, { ...customer, password: newPassword })
  await mobile.goto(base + '/security')
  await mobile.getByTestId('password-change').waitFor()
  await mobile.getByTestId('limit-password').getByTestId('limit-self').getByText('100.00').waitFor()
  const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  check(overflow <= 0, `the security centre scrolls sideways by ${overflow}px at phone width`)
  await mobile.screenshot({ path: join(options.out, 'phone-security-zh.png'), fullPage: true })

  checkConsole()
}

await runTest(main, testTimeoutMs)
