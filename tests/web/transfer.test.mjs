#!/usr/bin/env node
// Browser test of transfers in the customer web app, on a throwaway demo bank:
//
//   node tests/web/transfer.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Logs in as the demo customer with SMS, moves money between their own accounts (no
// challenge) and finds it in the account history, sends more than 100.00 to another
// customer through the SMS challenge (balance checked with the API), is refused over the
// per-transfer limit with the error in Chinese, checks client-side amount validation and
// the security centre, and fails on any console error. Screenshots go to --out.
import { join } from 'node:path'
import {
  api, check, checkConsole, customers, expectFailures, launchBrowser, logIn, options, runTest,
  smsCode, smsLines, startBank, step, watch,
} from './support.mjs'

const testTimeoutMs = 90_000
const customer = customers.zhangwei
// Another customer's account: lina's class I debit card (src/app/demo.cpp).
const otherAccount = '6225880000000000028'

const shot = (page, name) => page.screenshot({ path: join(options.out, name), fullPage: true })

async function myAccounts(page) {
  const answer = await api(page, 'GET', '/api/v1/me/accounts')
  check(answer.status === 200, `GET /api/v1/me/accounts answered ${answer.status}`)
  return answer.body.accounts
}

const cents = (amount) => {
  const [whole, fraction = ''] = amount.replace('-', '').split('.')
  const value = BigInt(whole + fraction.padEnd(2, '0'))
  return amount.startsWith('-') ? -value : value
}

async function fillTransfer(page, { from, own, other, amount, memo }) {
  // From a finished transfer, "new transfer"; from anywhere else, the navigation.
  const again = page.getByTestId('transfer-again')
  await (await again.isVisible() ? again : page.getByTestId('nav-transfer')).click()
  await page.getByTestId('transfer-form').waitFor()
  await page.getByTestId('transfer-from').selectOption(from)
  if (own) {
    await page.getByTestId('to-own').click()
    await page.getByTestId('transfer-to-own').selectOption(own)
  } else {
    await page.getByTestId('to-other').click()
    await page.locator('#transfer-to-other').fill(other)
  }
  await page.locator('#transfer-amount').fill(amount)
  if (memo) await page.locator('#transfer-memo').fill(memo)
  // The limits that apply are shown before anything is sent.
  await page.getByTestId('limit-sms').waitFor()
}

async function main() {
  const { base } = await startBank()
  const browser = await launchBrowser()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = watch(await context.newPage())

  step('log in as the demo SMS customer')
  await logIn(page, base, customer)
  const accounts = (await myAccounts(page)).filter((a) => a.currency === 'CNY')
  check(accounts.length >= 2, 'the demo SMS customer has two CNY accounts')
  const [main, second] = accounts

  step('transfer page: limits shown before submit; amount checked in the page')
  await fillTransfer(page, { from: main.number, own: second.number, amount: '1.234' })
  const smsLimit = (await page.getByTestId('limit-sms').textContent()).replace(/\s/g, '')
  check(smsLimit.includes('¥5,000.00'), `SMS per-transfer limit shown as ${smsLimit}`)
  await page.getByTestId('transfer-next').click()
  await page.getByText('金额的小数位数过多').waitFor()
  await shot(page, 'desktop-transfer-form-zh.png')

  step('between own accounts: no challenge, then in the account history')
  await page.locator('#transfer-amount').fill('12.34')
  await page.locator('#transfer-memo').fill('own test')
  await page.getByTestId('transfer-next').click()
  await page.getByTestId('transfer-confirm').waitFor()
  const confirmAmount = (await page.getByTestId('confirm-amount').textContent()).trim()
  check(confirmAmount === '¥12.34', `confirmation shows ${confirmAmount}`)
  check((await page.getByTestId('confirm-payee').textContent()).includes(second.number.slice(-4)),
    'confirmation shows the payee account')
  await shot(page, 'desktop-transfer-confirm-zh.png')
  await page.getByTestId('transfer-submit').click()
  const ownId = (await page.getByTestId('transfer-transaction-id').textContent()).trim()
  check(/^\d+$/.test(ownId), `transaction id ${ownId}`)
  await shot(page, 'desktop-transfer-done-zh.png')
  await page.getByTestId('transfer-history').click()
  const row = page.getByTestId(`transaction-${ownId}`)
  await row.waitFor()
  const shown = (await row.getByTestId('transaction-amount').textContent()).trim()
  check(shown === '-¥12.34', `history shows ${shown} for the transfer`)
  await shot(page, 'desktop-history-zh.png')

  step('to another customer above 100.00: SMS challenge, then completed')
  const before = (await myAccounts(page)).find((a) => a.number === main.number)
  await fillTransfer(page, { from: main.number, other: otherAccount, amount: '150.00' })
  await page.getByTestId('transfer-next').click()
  await page.getByText('此笔转账需要安全认证').waitFor()
  await page.getByTestId('transfer-submit').click()
  await page.getByTestId('transfer-sca').waitFor()
  check(await page.getByTestId('sca-tool-sms').isVisible(), 'SMS offered for the challenge')
  const smsBefore = smsLines().length
  await page.getByTestId('sca-request').click()
  const code = await smsCode(customer.mobile, smsBefore, /您正在转账 .*验证码(\d{6})/)
  await page.getByTestId('sca-prompt').waitFor()
  await page.locator('#sca-answer').fill(code)
  await shot(page, 'desktop-transfer-sca-zh.png')
  await page.getByTestId('sca-submit').click()
  await page.getByTestId('transfer-transaction-id').waitFor()
  const after = (await myAccounts(page)).find((a) => a.number === main.number)
  check(cents(before.balance) - cents(after.balance) === 15000n,
    `balance ${before.balance} → ${after.balance}, not 150.00 less`)
  await shot(page, 'desktop-transfer-sca-done-zh.png')

  step('over the limit: refused, with the error in Chinese')
  await fillTransfer(page, { from: main.number, other: otherAccount, amount: '6000.00' })
  await page.getByTestId('transfer-next').click()
  expectFailures(1) // The refused POST logs its 422.
  await page.getByTestId('transfer-submit').click()
  const refusal = page.getByTestId('transfer-error')
  await refusal.waitFor()
  const text = (await refusal.textContent()).trim()
  check(text.includes('超过您所持认证方式的单笔转账限额'), `refusal shown as: ${text}`)
  const unchanged = (await myAccounts(page)).find((a) => a.number === main.number)
  check(unchanged.balance === after.balance, 'a refused transfer moved money')
  await shot(page, 'desktop-transfer-refused-zh.png')

  step('security centre: sessions, login history, limits')
  await page.getByTestId('nav-security').click()
  await page.getByTestId('session-item').first().waitFor()
  await page.getByTestId('login-row').first().waitFor()
  await page.getByTestId('security-limits').getByTestId('limit-sms').waitFor()
  await shot(page, 'desktop-security-zh.png')

  step('phone width: transfer page in English')
  const phone = await browser.newContext({
    storageState: await context.storageState(),
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  })
  const mobile = watch(await phone.newPage())
  await mobile.goto(base + '/transfer')
  await mobile.getByTestId('language-switch').tap()
  await mobile.getByRole('heading', { name: 'Transfer', exact: true }).waitFor()
  await mobile.getByTestId('limit-sms').waitFor()
  await shot(mobile, 'phone-transfer-en.png')

  checkConsole()
}

await runTest(main, testTimeoutMs)
