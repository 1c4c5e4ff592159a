#!/usr/bin/env node
// Browser test of scheduled transfers and standing orders (PAY-3) on a throwaway demo bank:
//
//   node tests/web/scheduled.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Logs in as the demo SMS customer and, in the page: schedules a transfer between own
// accounts for today (China Standard Time), which the server's scheduler (a tick a second)
// runs at once — the list shows it finished with one completed run and the balances moved
// exactly once; refuses a date in the past in the page; sets up a monthly standing order
// and cancels it; schedules a transfer to another customer above 100.00, authenticated once
// with an SMS code. Fails on any console error. Screenshots go to --out.
import { join } from 'node:path'
import {
  api, check, checkConsole, customers, launchBrowser, logIn, options, runTest, smsCode, smsLines,
  startBank, step, until, watch,
} from './support.mjs'

const testTimeoutMs = 90_000
const customer = customers.zhangwei
// Another customer's account: lina's class I debit card (src/app/demo.cpp).
const otherAccount = '6225880000000000028'
// The scheduler ticks once a second; a run due today happens within a few.
const runWaitMs = 15_000

const shot = (page, name) => page.screenshot({ path: join(options.out, name), fullPage: true })

// "YYYY-MM-DD" in China Standard Time, the bank's calendar.
const chinaDate = (days = 0) =>
  new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10)
// The 1st of next month: always a valid day for a monthly order, never today.
function firstOfNextMonth() {
  const [year, month] = chinaDate().split('-').map(Number)
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`
}

const cents = (amount) => {
  const [whole, fraction = ''] = amount.replace('-', '').split('.')
  const value = BigInt(whole + fraction.padEnd(2, '0'))
  return amount.startsWith('-') ? -value : value
}

async function balances(page) {
  const answer = await api(page, 'GET', '/api/v1/me/accounts')
  check(answer.status === 200, `GET /api/v1/me/accounts answered ${answer.status}`)
  return Object.fromEntries(answer.body.accounts.map((a) => [a.number, cents(a.balance)]))
}

async function schedules(page) {
  const answer = await api(page, 'GET', '/api/v1/me/scheduled-transfers')
  check(answer.status === 200, `GET scheduled-transfers answered ${answer.status}`)
  return answer.body.scheduled_transfers
}

async function fillSchedule(page, { from, own, other, amount, memo, frequency, date }) {
  await page.getByTestId('scheduled-form').waitFor()
  await page.getByTestId('scheduled-from').selectOption(from)
  if (own) {
    await page.getByTestId('scheduled-to-own-choice').click()
    await page.getByTestId('scheduled-to-own').selectOption(own)
  } else {
    await page.getByTestId('scheduled-to-other-choice').click()
    await page.locator('#scheduled-to-other').fill(other)
  }
  await page.locator('#scheduled-amount').fill(amount)
  if (memo) await page.locator('#scheduled-memo').fill(memo)
  await page.getByTestId(`frequency-${frequency}`).click()
  await page.getByTestId('scheduled-first-date').fill(date)
}

// The newest schedule (the list is newest first) once it is set up.
async function newest(page, previousCount) {
  return until('the new schedule', async () => {
    const list = await schedules(page)
    return list.length > previousCount ? list[0] : null
  })
}

async function main() {
  const { base } = await startBank()
  const browser = await launchBrowser()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = watch(await context.newPage())

  step('log in as the demo SMS customer; the page is in the navigation')
  await logIn(page, base, customer)
  const accounts = (await api(page, 'GET', '/api/v1/me/accounts')).body.accounts
    .filter((a) => a.currency === 'CNY')
  check(accounts.length >= 2, 'the demo SMS customer has two CNY accounts')
  const [main, second] = accounts
  await page.getByTestId('nav-scheduled').click()
  await page.getByRole('heading', { name: '预约转账', exact: true }).waitFor()
  await page.getByText('您还没有预约转账').waitFor()

  step('a date in the past is refused in the page')
  await fillSchedule(page, {
    from: main.number, own: second.number, amount: '1.00', frequency: 'once', date: chinaDate(-1),
  })
  await page.getByTestId('scheduled-submit').click()
  await page.getByText('日期不能早于今天').first().waitFor()
  check((await schedules(page)).length === 0, 'a refused schedule was set up')

  step('a transfer between own accounts scheduled for today runs once')
  const before = await balances(page)
  await fillSchedule(page, {
    from: main.number, own: second.number, amount: '12.34', memo: '预约测试', frequency: 'once',
    date: chinaDate(),
  })
  await page.getByTestId('scheduled-submit').click()
  await page.getByTestId('scheduled-notice').filter({ hasText: '预约转账已设置' }).waitFor()
  const once = await newest(page, 0)
  check(once.frequency === 'once' && once.amount === '12.34', `scheduled ${JSON.stringify(once)}`)
  const item = page.getByTestId(`scheduled-${once.id}`)
  // The page reads the list again by itself while a run is due today.
  await item.locator('[data-testid="scheduled-status"][data-status="finished"]')
    .waitFor({ timeout: runWaitMs })
  await item.locator('[data-testid="scheduled-run"][data-status="completed"]').waitFor()
  check((await item.getByTestId('scheduled-next').textContent()).trim() === '无', 'no next run')
  check(await item.getByTestId('scheduled-run').count() === 1, 'one run listed')
  const ran = await balances(page)
  check(before[main.number] - ran[main.number] === 1234n, `from: ${before[main.number]} → ${ran[main.number]}`)
  check(ran[second.number] - before[second.number] === 1234n, `to: ${before[second.number]} → ${ran[second.number]}`)
  await shot(page, 'desktop-scheduled-done-zh.png')
  // Two more scheduler ticks: nothing more moves.
  await new Promise((done) => setTimeout(done, 2_500))
  const later = await balances(page)
  check(later[main.number] === ran[main.number], 'the scheduled transfer ran more than once')
  const done = (await schedules(page)).find((s) => s.id === once.id)
  check(done.status === 'finished' && done.runs_done === 1 && done.runs.length === 1 &&
    done.runs[0].status === 'completed' && done.runs[0].run_date === chinaDate(),
  `after the run: ${JSON.stringify(done)}`)

  step('a monthly standing order, then cancelled')
  const firstRun = firstOfNextMonth()
  await fillSchedule(page, {
    from: main.number, own: second.number, amount: '50.00', frequency: 'monthly', date: firstRun,
  })
  await page.getByTestId('end-count').click()
  await page.locator('#scheduled-count').fill('12')
  await page.getByTestId('scheduled-submit').click()
  await page.getByTestId('scheduled-notice').filter({ hasText: '预约转账已设置' }).waitFor()
  const monthly = await newest(page, 1)
  check(monthly.frequency === 'monthly' && monthly.count === 12 && monthly.status === 'active',
    `standing order ${JSON.stringify(monthly)}`)
  const order = page.getByTestId(`scheduled-${monthly.id}`)
  check((await order.getByTestId('scheduled-next').textContent()).trim() === firstRun,
    'the next run is its first date')
  check((await order.getByTestId('scheduled-describe').textContent()).includes('共 12 次'),
    'the order shows its count')
  await shot(page, 'desktop-scheduled-standing-zh.png')
  await order.getByTestId('scheduled-cancel').click()
  await order.getByTestId('scheduled-cancel-confirm').click()
  await order.locator('[data-testid="scheduled-status"][data-status="cancelled"]').waitFor()
  check(await order.getByTestId('scheduled-cancel').count() === 0, 'a cancelled order offers cancel')
  const cancelled = (await schedules(page)).find((s) => s.id === monthly.id)
  check(cancelled.status === 'cancelled' && cancelled.next_date === null,
    `after cancel: ${JSON.stringify(cancelled)}`)
  await shot(page, 'desktop-scheduled-cancelled-zh.png')

  step('to another customer above 100.00: authenticated once with an SMS code')
  await fillSchedule(page, {
    from: main.number, other: otherAccount, amount: '200.00', frequency: 'once', date: chinaDate(1),
  })
  await page.getByTestId('scheduled-submit').click()
  await page.getByTestId('scheduled-sca').waitFor()
  const smsBefore = smsLines().length
  await page.getByTestId('sca-request').click()
  const code = await smsCode(customer.mobile, smsBefore, /验证码(\d{6})/)
  await page.getByTestId('sca-prompt').waitFor()
  await page.locator('#sca-answer').fill(code)
  await shot(page, 'desktop-scheduled-sca-zh.png')
  await page.getByTestId('sca-submit').click()
  await page.getByTestId('scheduled-notice').filter({ hasText: '预约转账已设置' }).waitFor()
  const authenticated = (await schedules(page))[0]
  check(authenticated.to_account === otherAccount && authenticated.status === 'active' &&
    authenticated.tool === 'sms' && authenticated.next_date === chinaDate(1),
  `authenticated schedule ${JSON.stringify(authenticated)}`)
  const unchanged = await balances(page)
  check(unchanged[main.number] === later[main.number], 'a schedule for tomorrow moved money today')

  step('phone width: the page in English')
  const phone = await browser.newContext({
    storageState: await context.storageState(),
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  })
  const mobile = watch(await phone.newPage())
  await mobile.goto(base + '/scheduled')
  await mobile.getByTestId('language-switch').tap()
  await mobile.getByRole('heading', { name: 'Scheduled transfers', exact: true }).waitFor()
  await mobile.getByTestId(`scheduled-${once.id}`).getByText('Finished').waitFor()
  await shot(mobile, 'phone-scheduled-en.png')

  checkConsole()
}

await runTest(main, testTimeoutMs)
