#!/usr/bin/env node
// Browser test of live balance-change alerts in the customer web app, on a throwaway demo
// bank:
//
//   node tests/web/alerts.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Customer A (lina) has her accounts page open; customer B (zhangwei), in another browser
// context, sends her money through the API. On A's open page, without a reload, a toast
// tells of it, the header's bell counts it, the balance shown is the new one, and the inbox
// lists it first; marking all read clears the bell; a second alert while the inbox is open
// (in English) shows at its top. Fails on any console error. Screenshots go to --out.
import { join } from 'node:path'
import {
  api, check, checkConsole, customers, launchBrowser, logIn, options, runTest, startBank, step,
  until, watch,
} from './support.mjs'

const testTimeoutMs = 90_000
const payee = customers.lina
const payer = customers.zhangwei
// lina's class I debit card (src/app/demo.cpp).
const payeeAccount = '6225880000000000028'

const shot = (page, name) => page.screenshot({ path: join(options.out, name), fullPage: true })

// A transfer through the page's session; small enough to need no second factor.
function transfer(page, body, key) {
  return page.evaluate(async ({ body, key }) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('ebank_csrf='))?.slice(11)
    const response = await fetch('/api/v1/me/transfers', {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
        'X-CSRF-Token': decodeURIComponent(csrf ?? ''),
      },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: await response.json() }
  }, { body, key })
}

async function main() {
  const { base } = await startBank()
  const browser = await launchBrowser()

  step('customer A logs in; her accounts page stays open')
  const contextA = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const pageA = watch(await contextA.newPage())
  await logIn(pageA, base, payee)
  const bell = pageA.getByTestId('bell')
  await bell.waitFor()
  const inboxBefore = await api(pageA, 'GET', '/api/v1/me/notifications?limit=1')
  check(inboxBefore.status === 200, `GET /api/v1/me/notifications answered ${inboxBefore.status}`)
  const unreadBefore = inboxBefore.body.unread
  await until('the bell showing the unread count', async () =>
    (await pageA.getByTestId('bell-count').textContent()).trim() === String(unreadBefore))
  const shownBalanceA = pageA.getByTestId('account-' + payeeAccount.slice(-4))
    .getByTestId('account-balance')
  const accountsBefore = (await api(pageA, 'GET', '/api/v1/me/accounts')).body.accounts
  const balanceBefore = accountsBefore.find((a) => a.number === payeeAccount).balance

  step('customer B sends A 66.60 through the API')
  const contextB = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const pageB = watch(await contextB.newPage())
  await logIn(pageB, base, payer)
  const from = (await api(pageB, 'GET', '/api/v1/me/accounts')).body.accounts.find(
    (a) => a.currency === 'CNY' && a.status === 'active')
  const paid = await transfer(pageB, {
    from_account: from.number, to_account: payeeAccount, amount: '66.60', currency: 'CNY',
  }, 'alerts-test-1')
  check(paid.status === 201, `the transfer answered ${paid.status}: ${JSON.stringify(paid.body)}`)

  step('A\'s open page: a toast, the bell, the new balance')
  const toast = pageA.locator('.alert-toast')
  await toast.waitFor()
  const toastText = (await toast.textContent()).replace(/\s/g, '')
  check(toastText.includes('余额变动提醒'), `toast title: ${toastText}`)
  check(toastText.includes('尾号0028') && toastText.includes('转入¥66.60'), `toast: ${toastText}`)
  await until('the bell counting the alert', async () =>
    (await pageA.getByTestId('bell-count').textContent()).trim() === String(unreadBefore + 1))
  const cents = (amount) => BigInt(amount.replace('.', ''))
  const expected = cents(balanceBefore) + 6660n
  const yuan = (value) =>
    '¥' + (value / 100n).toLocaleString('en-US') + '.' + String(value % 100n).padStart(2, '0')
  await until('the accounts page showing the new balance', async () =>
    (await shownBalanceA.textContent()).trim() === yuan(expected))
  check(pageA.url().endsWith('/accounts'), `A's page moved to ${pageA.url()}`)
  await shot(pageA, 'desktop-alert-toast-zh.png')

  step('the inbox lists it first; marking all read clears the bell')
  await bell.click()
  const first = pageA.getByTestId('inbox-item').first()
  await first.waitFor()
  const firstText = (await first.textContent()).replace(/\s/g, '')
  check(firstText.includes('转入') && firstText.includes('¥66.60') && firstText.includes('未读'),
    `first inbox item: ${firstText}`)
  await shot(pageA, 'desktop-inbox-zh.png')
  await pageA.getByTestId('inbox-read-all').click()
  await until('the bell at zero', async () =>
    (await pageA.getByTestId('bell-count').textContent()).trim() === '0')
  const after = await api(pageA, 'GET', '/api/v1/me/notifications?limit=1')
  check(after.body.unread === 0, `unread after read-all: ${after.body.unread}`)

  step('a second alert while the inbox is open shows at its top (English)')
  await pageA.getByTestId('language-switch').click()
  await pageA.getByRole('heading', { name: 'Inbox', exact: true }).waitFor()
  const again = await transfer(pageB, {
    from_account: from.number, to_account: payeeAccount, amount: '1.25', currency: 'CNY',
  }, 'alerts-test-2')
  check(again.status === 201, `the second transfer answered ${again.status}`)
  await until('the new alert at the top of the inbox', async () =>
    (await pageA.getByTestId('inbox-item').first().textContent()).includes('1.25'))
  const english = (await pageA.getByTestId('inbox-item').first().textContent()).replace(/\s+/g, ' ')
  check(/ending 0028 received CN¥1\.25; balance/.test(english), `English inbox item: ${english}`)
  await shot(pageA, 'desktop-inbox-en.png')

  step('phone width: the bell leads to the inbox')
  const phone = await browser.newContext({
    storageState: await contextA.storageState(),
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  })
  const mobile = watch(await phone.newPage())
  await mobile.goto(base + '/accounts')
  await mobile.getByTestId('account-list').waitFor()
  // No room for the inbox in the bottom bar: the bell leads there.
  check(!(await mobile.getByTestId('nav-inbox').isVisible()), 'the inbox tab fits no phone')
  await mobile.getByTestId('bell').tap()
  await mobile.getByTestId('inbox-item').first().waitFor()
  await shot(mobile, 'phone-inbox.png')

  checkConsole()
}

await runTest(main, testTimeoutMs)
