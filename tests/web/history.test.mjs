#!/usr/bin/env node
// Browser test of an account's history in the customer web app, on a throwaway demo bank:
//
//   node tests/web/history.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// Logs in as the demo customer with SMS, opens the class I account, sees the balance chart
// drawn, filters the history by direction and amount (the rows shown must be exactly those
// the unfiltered history says match) and by days (an empty range shows the empty state),
// checks the page refuses a bad amount before asking, downloads a receipt and statements
// as PDF and spreadsheet (non-empty, of the right kind), and fails on any console error.
// Screenshots go to --out.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  api, check, checkConsole, customers, launchBrowser, logIn, options, runTest, startBank, step,
  until, watch,
} from './support.mjs'

const testTimeoutMs = 100_000
const customer = customers.zhangwei
const chinaOffsetMs = 8 * 3600 * 1000

const shot = (page, name) => page.screenshot({ path: join(options.out, name), fullPage: true })

const cents = (amount) => {
  const [whole, fraction = ''] = amount.replace('-', '').split('.')
  const value = BigInt(whole + fraction.padEnd(2, '0'))
  return amount.startsWith('-') ? -value : value
}

// "YYYY-MM-DD" in China Standard Time, the bank's days.
const chinaDate = (ms) => new Date(ms + chinaOffsetMs).toISOString().slice(0, 10)
const dayBefore = (date) => new Date(Date.parse(date + 'T00:00:00Z') - 86_400_000).toISOString().slice(0, 10)

// Every transaction of the account, following next_before, newest first.
async function wholeHistory(page, account) {
  const rows = []
  let before = ''
  for (let pages = 0; pages < 50; pages += 1) {
    const answer = await api(page, 'GET',
      `/api/v1/me/accounts/${account}/transactions${before ? `?before=${before}` : ''}`)
    check(answer.status === 200, `history answered ${answer.status}`)
    rows.push(...answer.body.transactions)
    if (answer.body.next_before === undefined) return rows
    before = answer.body.next_before
  }
  throw new Error('the history did not end')
}

// The transaction ids the table shows, top to bottom.
const shownIds = (page) => page.locator('tr.history-row').evaluateAll(
  (rows) => rows.map((row) => Number(row.dataset.testid.replace('transaction-', ''))))

async function expectRows(page, expected, what) {
  const want = JSON.stringify(expected)
  let last = []
  try {
    await until(`the rows of ${what}`, async () => {
      if (expected.length === 0) return page.getByTestId('history-empty').isVisible()
      last = await shownIds(page)
      return JSON.stringify(last) === want
    })
  } catch {
    throw new Error(`${what}: table shows ${JSON.stringify(last)}, expected ${want}`)
  }
}

// Clicks `button`, waits for the download and keeps it under --out; returns its bytes.
async function download(page, button, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()])
  const path = join(options.out, name)
  await file.saveAs(path)
  check(statSync(path).size > 0, `${name} is empty`)
  return { bytes: readFileSync(path), suggested: file.suggestedFilename() }
}

function checkPdf({ bytes, suggested }, what) {
  check(bytes.subarray(0, 5).toString('latin1') === '%PDF-', `${what} is not a PDF`)
  check(bytes.includes('%%EOF'), `${what} is a truncated PDF`)
  check(suggested.endsWith('.pdf'), `${what} saved as ${suggested}`)
}

function checkXlsx({ bytes, suggested }, what) {
  check(bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')), `${what} is not a zip`)
  check(bytes.includes('xl/worksheets/sheet1.xml'), `${what} has no worksheet`)
  check(suggested.endsWith('.xlsx'), `${what} saved as ${suggested}`)
}

async function main() {
  const { base } = await startBank()
  const browser = await launchBrowser()
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  })
  const page = watch(await context.newPage())

  step('log in as the demo SMS customer')
  await logIn(page, base, customer)
  const accounts = (await api(page, 'GET', '/api/v1/me/accounts')).body.accounts
  const main = accounts.find((a) => a.product === 'DEMAND_CARD_I')
  check(main, 'the demo customer has a class I account')
  const all = await wholeHistory(page, main.number)
  check(all.length >= 4, `the demo account has ${all.length} transactions`)

  step('account page: history and balance chart')
  await page.getByTestId(`history-${main.number.slice(-4)}`).click()
  await page.getByTestId('history-table').waitFor()
  await expectRows(page, all.map((row) => row.transaction_id), 'the unfiltered history')
  const chart = page.getByTestId('balance-chart')
  await chart.waitFor()
  await until('the chart drawn', async () => (await chart.locator('svg path').count()) > 0)
  const points = Number(await chart.getAttribute('data-points'))
  check(points === all.length, `the chart has ${points} points for ${all.length} transactions`)
  const label = await chart.getAttribute('aria-label')
  check(label.includes(String(all.length)), `the chart is described as: ${label}`)
  await shot(page, 'desktop-account-history-zh.png')

  step('filter: money out between 50.00 and 5000.00')
  const outBetween = all.filter((row) => cents(row.amount) < 0n &&
    -cents(row.amount) >= 5000n && -cents(row.amount) <= 500000n)
  check(outBetween.length >= 2 && outBetween.length < all.length, 'the filter must select some rows')
  await page.getByTestId('direction-out').click()
  await page.locator('#filter-min').fill('50')
  await page.locator('#filter-max').fill('5000.00')
  await page.getByTestId('filter-apply').click()
  await expectRows(page, outBetween.map((row) => row.transaction_id), 'out, 50.00 to 5000.00')
  for (const row of outBetween) {
    const shown = (await page.getByTestId(`transaction-${row.transaction_id}`)
      .getByTestId('transaction-amount').textContent()).replace(/\s/g, '')
    check(shown.startsWith('-¥'), `an outgoing row shows ${shown}`)
  }
  await shot(page, 'desktop-history-filtered-zh.png')

  step('filter: money in only')
  await page.getByTestId('direction-in').click()
  await page.locator('#filter-min').fill('')
  await page.locator('#filter-max').fill('')
  await page.getByTestId('filter-apply').click()
  await expectRows(page, all.filter((row) => cents(row.amount) > 0n).map((row) => row.transaction_id),
    'money in')

  step('filter: days before the first transaction show nothing')
  const firstDay = chinaDate(all.at(-1).at_ms)
  await page.getByTestId('filter-reset').click()
  await expectRows(page, all.map((row) => row.transaction_id), 'the reset history')
  await page.getByTestId('filter-from').fill(dayBefore(dayBefore(firstDay)))
  await page.getByTestId('filter-to').fill(dayBefore(firstDay))
  await page.getByTestId('filter-apply').click()
  await expectRows(page, [], 'days before the first transaction')
  await page.getByTestId('filter-to').fill(chinaDate(all[0].at_ms))
  await page.getByTestId('filter-apply').click()
  await expectRows(page, all.map((row) => row.transaction_id), 'days up to the last transaction')

  step('filter: a bad amount is refused in the page')
  await page.locator('#filter-min').fill('1.234')
  await page.getByTestId('filter-apply').click()
  await page.getByTestId('filter-problem').waitFor()
  await page.getByTestId('filter-reset').click()
  await expectRows(page, all.map((row) => row.transaction_id), 'the reset history')

  step('receipt of one transaction: PDF and spreadsheet')
  const receiptRow = page.getByTestId(`transaction-${outBetween[0].transaction_id}`)
  checkPdf(await download(page, receiptRow.getByTestId('receipt-pdf'), 'receipt.pdf'), 'the receipt')
  checkXlsx(await download(page, receiptRow.getByTestId('receipt-xlsx'), 'receipt.xlsx'), 'the receipt')

  step('statement of the account: PDF and spreadsheet')
  const statement = page.getByTestId('statement-download')
  await statement.getByTestId('statement-from').fill(firstDay)
  await statement.getByTestId('statement-to').fill(chinaDate(all[0].at_ms))
  const pdf = await download(page, statement.getByTestId('statement-pdf'), 'statement.pdf')
  checkPdf(pdf, 'the statement')
  check(pdf.suggested.includes(main.number.slice(-4)) && !pdf.suggested.includes(main.number),
    `the statement is saved as ${pdf.suggested}`)
  checkXlsx(await download(page, statement.getByTestId('statement-xlsx'), 'statement.xlsx'),
    'the statement')
  await statement.getByTestId('statement-saved').waitFor()
  await shot(page, 'desktop-statement-zh.png')

  step('accounts overview: a statement of another account')
  await page.getByTestId('nav-accounts').click()
  const overview = page.getByTestId('statement-download')
  await overview.waitFor()
  const other = accounts.find((a) => a.number !== main.number) ?? main
  await overview.getByTestId('statement-account').selectOption(other.number)
  checkXlsx(await download(page, overview.getByTestId('statement-xlsx'), 'statement-overview.xlsx'),
    'the overview statement')
  await shot(page, 'desktop-accounts-statement-zh.png')

  step('phone width: the account page in English')
  const phone = await browser.newContext({
    storageState: await context.storageState(),
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    timezoneId: 'Asia/Shanghai',
  })
  const mobile = watch(await phone.newPage())
  await mobile.goto(`${base}/accounts/${main.number}`)
  await mobile.getByTestId('language-switch').tap()
  await mobile.getByRole('heading', { name: 'Filter transactions' }).waitFor()
  await mobile.getByTestId('history-table').waitFor()
  await until('the chart drawn', async () =>
    (await mobile.getByTestId('balance-chart').locator('svg path').count()) > 0)
  await shot(mobile, 'phone-account-history-en.png')

  checkConsole()
}

await runTest(main, testTimeoutMs)
