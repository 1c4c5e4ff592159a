#!/usr/bin/env node
// Browser test of the staff console (柜面 / 管理台) on a throwaway demo bank:
//
//   node tests/web/staff.test.mjs --ebank build/src/app/ebank --web-dir web/dist --out build/web-test
//
// The teller logs in (bearer token, role menu), registers a customer with a valid resident
// ID (after the page refuses a wrong check character), opens an account, signs the customer
// up for e-banking, pays in cash and issues a U-key from inventory (both pending approval),
// and logs out (the token no longer works). The supervisor approves both in the approvals
// list, sees the serial issued to the customer in the U-key register and the cash on the
// account, opens the KPI dashboard, drills down into a child unit and back, exports the
// XLSX (a real zip), and sees the dashboard at phone width. Fails on any console error;
// screenshots of each step go to --out.
import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
  check, checkConsole, expectFailures, launchBrowser, options, runTest, staffApi, staffLogIn, staffMembers,
  startBank, step, until, watch,
} from './support.mjs'

const testTimeoutMs = 200_000
const teller = staffMembers.teller01
const supervisor = staffMembers.super01
const depositAmount = '200.00'
const newPassword = 'Xinmima#2027'

const shot = (page, name) => page.screenshot({ path: join(options.out, `staff-${name}.png`), fullPage: true })

// A resident ID with its ISO 7064 MOD 11-2 check character (GB 11643-1999): a Beijing
// Chaoyang region code, a birth date, and a sequence number from the clock so that reruns
// against a kept bank do not collide.
function residentId() {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const first17 = '11010519920315' + String(Date.now() % 1000).padStart(3, '0')
  const sum = [...first17].reduce((total, digit, i) => total + Number(digit) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

// The same ID with a wrong check character, for the page to refuse.
const wrongCheck = (id) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0')

// The demo's optional seeded year of activity, when this build of ebank has it: the KPI
// figures are then not all zero. Without it the dashboard is still driven the same way.
function demoArgs() {
  const help = spawnSync(options.ebank, ['demo', '--help'], { encoding: 'utf8', timeout: 30_000 })
  return (help.stdout ?? '').includes('--history-customers') ? ['--history-customers', '3'] : []
}

// The menu entries the frame shows, by section id.
const menu = (page) => page.locator('.staff-nav-item').evaluateAll(
  (items) => items.map((item) => item.dataset.testid.replace('staff-nav-', '')))

async function expectMenu(page, expected, who) {
  let shown = []
  await until(`${who}'s menu`, async () => {
    shown = await menu(page)
    return JSON.stringify(shown) === JSON.stringify(expected)
  }).catch(() => {
    throw new Error(`${who}'s menu shows ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`)
  })
}

async function checkFrame(page, member) {
  check((await page.getByTestId('staff-role').textContent()).trim() === member.role, `${member.login}'s role`)
  check((await page.getByTestId('staff-unit').textContent()).trim() === member.unit, `${member.login}'s unit`)
}

// The approval a maker form reports once the server has accepted it (202, pending).
async function submittedApproval(scope) {
  const notice = scope.getByTestId('approval-submitted')
  await notice.waitFor()
  const id = Number(await notice.getAttribute('data-approval-id'))
  check(id > 0, 'the approval has a number')
  check((await notice.getAttribute('data-state')) === 'pending', 'the approval is pending')
  check((await notice.textContent()).includes(`#${id}`), 'the notice names the approval')
  return id
}

// A demo that stocks no U-keys (an older ebank) gets two through the API, received by the
// supervisor into the teller's outlet, so that the issue below runs the same either way.
async function ensureUkeyStock(page, base) {
  const stock = await staffApi(page, 'GET', '/api/v1/ukeys?state=in_stock')
  check(stock.status === 200, `GET /api/v1/ukeys answered ${stock.status}`)
  if (stock.body.ukeys.length > 0) return
  console.log('  (the demo has no U-key stock: the supervisor receives two through the API)')
  const json = { 'Content-Type': 'application/json', Accept: 'application/json' }
  const login = await fetch(base + '/api/v1/staff/sessions', {
    method: 'POST', headers: json, body: JSON.stringify({ login: supervisor.login, password: supervisor.password }),
  })
  check(login.status === 201, `the supervisor's API login answered ${login.status}`)
  const authorization = { Authorization: `Bearer ${(await login.json()).token}` }
  const received = await fetch(base + '/api/v1/ukeys', {
    method: 'POST', headers: { ...json, ...authorization },
    body: JSON.stringify({ serials: ['UK2026900001', 'UK2026900002'], unit: 'BJ-CY-01' }),
  })
  check(received.status === 201, `receiving U-keys answered ${received.status}: ${await received.text()}`)
  await fetch(base + '/api/v1/staff/sessions/current', { method: 'DELETE', headers: authorization })
}

async function tellerPart(page, base) {
  step('teller logs in; the menu is the teller\'s')
  await staffLogIn(page, base, teller)
  await checkFrame(page, teller)
  await expectMenu(page, ['customers', 'cash', 'campaigns', 'cases', 'fees'], 'the teller')
  const token = await page.evaluate(() => sessionStorage.getItem('ebank.staff.token'))
  check(token && token.length > 10, 'the staff token is kept in sessionStorage')
  check(!(await page.context().cookies()).some((cookie) => cookie.value === token), 'the token is not a cookie')
  await shot(page, '01-teller-customers')

  step('register a customer: a wrong check character is refused first')
  const id = residentId()
  const name = '赵测试'
  const mobile = '139' + String(Date.now() % 100_000_000).padStart(8, '0')
  await page.locator('#register-name').fill(name)
  await page.locator('#register-id').fill(wrongCheck(id))
  await page.locator('#register-mobile').fill(mobile)
  await page.locator('#register-address').fill('北京市朝阳区建国路1号')
  await page.getByTestId('register-submit').click()
  await page.getByText('身份证号码不正确').waitFor()
  check(page.url().endsWith('/staff/customers'), 'a wrong ID stays on the form')
  await page.locator('#register-id').fill(id)
  await page.getByTestId('register-submit').click()
  await page.getByTestId('customer-registered').waitFor()
  const number = (await page.getByTestId('customer-number').textContent()).trim()
  check(/^C\d{10}$/.test(number), `customer number ${number}`)
  check(page.url().includes(`/staff/customers/${number}`), 'the customer\'s page')
  check((await page.getByTestId('customer-title').textContent()).includes(name), 'the customer\'s name')
  check(await page.getByTestId('customer-no-accounts').isVisible(), 'a new customer has no account')

  step('find the customer by number')
  await page.getByTestId('staff-nav-customers').click()
  await page.locator('#customer-query').fill(number)
  await page.getByTestId('customer-search').click()
  await until('the customer\'s page again', () => page.url().includes(`/staff/customers/${number}`))
  await page.getByTestId('customer-title').waitFor()

  step('open a class I account')
  await page.locator('#open-product').selectOption('DEMAND_CARD_I')
  await page.getByTestId('open-submit').click()
  const opened = page.getByTestId('open-done')
  await opened.waitFor()
  const account = await opened.getAttribute('data-number')
  check(/^\d{16,19}$/.test(account), `account number ${account}`)
  const balance = page.getByTestId(`account-balance-${account}`)
  await balance.waitFor()
  check((await balance.textContent()).includes('0.00'), `new account balance ${await balance.textContent()}`)

  step('sign the customer up for e-banking')
  const loginId = 'zhao' + String(Date.now() % 1_000_000)
  await page.locator('#signing-login').fill(loginId)
  await page.locator('#signing-password').fill('Kehu#2026')
  await page.locator('#signing-confirm').fill('Kehu#2026')
  await page.locator('#signing-reserved').fill('山高水长')
  check(await page.getByTestId('signing-channel-web').isChecked(), 'internet banking is chosen by default')
  await page.getByTestId('signing-channel-sms').check()
  await page.getByTestId('signing-submit').click()
  const signed = page.getByTestId('signing-done')
  await signed.waitFor()
  check((await signed.textContent()).includes(loginId), 'the sign-up names the login ID')
  check(await page.locator('#signing-password').inputValue() === '', 'the password left the form')
  await shot(page, '02-teller-customer')

  step('pay cash in at the counter (pending approval)')
  await page.getByTestId(`account-${account}`).getByRole('link', { name: '现金存取' }).click()
  await page.locator('#cash-amount').waitFor()
  check(await page.locator('#cash-account').inputValue() === account, 'the cash form has the account')
  await page.locator('#cash-amount').fill(depositAmount)
  await page.locator('#cash-memo').fill('开户存入')
  await page.getByTestId('cash-submit').click()
  const depositId = await submittedApproval(page)
  await shot(page, '03-teller-cash')

  step('issue a U-key from inventory (pending approval)')
  await ensureUkeyStock(page, base)
  await page.goto(`${base}/staff/customers/${number}`)
  const issue = page.getByTestId('ukey-issue')
  const serialSelect = issue.locator('#ukey-serial')
  await until('the U-key stock', async () =>
    (await issue.getByTestId('ukey-stock-error').isVisible()) || (await serialSelect.isVisible()))
  if (await issue.getByTestId('ukey-stock-error').isVisible()) {
    throw new Error(`the U-key stock did not load: ${await issue.getByTestId('ukey-stock-error').textContent()}`)
  }
  const serial = await serialSelect.inputValue()
  check(/^UK\d+$/.test(serial), `an in-stock serial is chosen (${serial || 'none: the demo has no U-key stock'})`)
  check(await issue.locator('#ukey-fee-account').inputValue() === account, 'the fee is charged to the account')
  await issue.getByTestId('ukey-issue-submit').click()
  const ukeyId = await submittedApproval(issue)
  check(ukeyId !== depositId, 'two approvals')
  // The maker alone issues nothing: the serial is not issued before the approval.
  const issued = await staffApi(page, 'GET', '/api/v1/ukeys?state=issued')
  check(issued.status === 200 && !issued.body.ukeys.some((key) => key.serial === serial), 'issued before approval')
  await shot(page, '04-teller-ukey')

  step('reset the login password the customer types (pending approval)')
  const reset = page.getByTestId('password-reset')
  await reset.locator('#reset-password').fill(newPassword)
  await reset.locator('#reset-again').fill('Other#2027')
  await reset.getByTestId('reset-submit').click()
  await reset.getByTestId('reset-error').waitFor()
  await reset.locator('#reset-again').fill(newPassword)
  await reset.getByTestId('reset-submit').click()
  const resetId = await submittedApproval(reset)
  check(await reset.locator('#reset-password').inputValue() === '', 'the password left the form')
  expectFailures(1) // chromium logs the 401 the customer login gets.
  const stillOld = await customerLogin(page, loginId, newPassword)
  check(stillOld === 401, `the new password before approval answered ${stillOld}`)

  step('teller logs out: the token is revoked and forgotten')
  await page.getByTestId('staff-logout').click()
  await page.getByTestId('staff-login-notice').waitFor()
  check((await page.getByTestId('staff-login-notice').textContent()).includes('安全退出'), 'the logout notice')
  check(await page.evaluate(() => sessionStorage.getItem('ebank.staff.token')) === null, 'the token is gone')
  expectFailures(1) // chromium logs the 401 the old token gets.
  const after = await page.evaluate(async (token) =>
    (await fetch('/api/v1/staff/me', { headers: { Authorization: `Bearer ${token}` } })).status, token)
  check(after === 401, `the old token answered ${after}`)
  return { number, account, serial, depositId, ukeyId, resetId, loginId }
}

// The first login step of the customer API with `password`: its HTTP status.
async function customerLogin(page, loginId, password) {
  return page.evaluate(async ([login, secret]) => (await fetch('/api/v1/sessions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login_id: login, password: secret }),
  })).status, [loginId, password])
}

async function approve(page, id, what) {
  const row = page.getByTestId(`approval-${id}`)
  await row.waitFor()
  await page.getByTestId(`approve-${id}`).click()
  const decided = page.locator(`[data-testid="approval-decided"][data-approval-id="${id}"]`)
  await decided.waitFor()
  check((await decided.getAttribute('data-ok')) === 'true', `${what}: ${await decided.textContent()}`)
  await row.waitFor({ state: 'detached' })
}

async function supervisorApprovals(page, base, made) {
  step('supervisor logs in; the menu is the supervisor\'s')
  await staffLogIn(page, base, supervisor)
  await checkFrame(page, supervisor)
  await expectMenu(page, ['customers', 'approvals', 'kpis', 'movements', 'campaigns', 'cases', 'ukeys', 'devices', 'fees'],
    'the supervisor')

  step('the approvals list says what each one is')
  await page.getByTestId('staff-nav-approvals').click()
  const deposit = page.getByTestId(`approval-${made.depositId}`)
  const ukey = page.getByTestId(`approval-${made.ukeyId}`)
  await deposit.waitFor()
  check((await deposit.getAttribute('data-kind')) === 'cash_deposit', 'the deposit\'s kind')
  check((await deposit.textContent()).includes(made.account), 'the deposit names the account')
  check((await page.getByTestId(`approval-what-${made.depositId}`).textContent()).includes(depositAmount),
    'the deposit shows its amount')
  check((await ukey.getAttribute('data-kind')) === 'ukey_issue', 'the U-key issue\'s kind')
  check((await page.getByTestId(`approval-what-${made.ukeyId}`).textContent()).includes(made.serial),
    'the U-key issue shows its serial')
  check((await ukey.textContent()).includes('发放U盾'), 'the U-key issue is named')
  await shot(page, '05-supervisor-approvals')

  step('approve the deposit, then the U-key, then the password reset')
  await approve(page, made.depositId, 'the deposit')
  await approve(page, made.ukeyId, 'the U-key issue')
  check((await page.getByTestId(`approval-${made.resetId}`).getAttribute('data-kind')) === 'password_reset',
    'the reset\'s kind')
  await approve(page, made.resetId, 'the password reset')
  const reset = await customerLogin(page, made.loginId, newPassword)
  check(reset === 201, `the new password after approval answered ${reset}`)

  step('the U-key register shows the serial issued to the customer')
  await page.getByTestId('staff-nav-ukeys').click()
  await page.getByTestId('ukey-filter').selectOption('issued')
  const row = page.getByTestId(`ukey-${made.serial}`)
  await row.waitFor()
  check((await row.getAttribute('data-state')) === 'issued', 'the serial is issued')
  check((await page.getByTestId(`ukey-customer-${made.serial}`).textContent()).trim() === made.number,
    'issued to the customer')
  await shot(page, '06-supervisor-ukeys')

  step('the customer\'s account has the cash, less the U-key fee')
  await page.goto(`${base}/staff/customers/${made.number}`)
  const shown = page.getByTestId(`account-balance-${made.account}`)
  await shown.waitFor()
  const customer = await staffApi(page, 'GET', `/api/v1/customers/${made.number}`)
  const booked = customer.body.accounts.find((item) => item.number === made.account)
  const cents = (amount) => BigInt(amount.replace('.', ''))
  check(cents(booked.balance) > 0n && cents(booked.balance) <= cents(depositAmount),
    `balance after the deposit and the fee: ${booked.balance}`)
  check((await shown.textContent()).replace(/[^\d.]/g, '') === booked.balance, `the page shows ${await shown.textContent()}`)

  step('the fee schedule, read-only for a supervisor')
  await page.getByTestId('staff-nav-fees').click()
  await page.getByTestId('fees').waitFor()
  check(await page.locator('[data-testid^="fee-edit-"]').count() === 0, 'a supervisor cannot edit fees')
  check(await page.locator('[data-testid^="fee-"]').count() > 1, 'the schedule has fees')
}

// The bars and the unit the dashboard shows, once it has drawn them.
async function dashboardAt(page, code) {
  await until(`the dashboard of ${code}`, async () =>
    (await page.getByTestId('kpi-unit').getAttribute('data-code').catch(() => null)) === code)
}

async function childCodes(page) {
  return page.locator('[data-testid^="kpi-child-"]').evaluateAll(
    (rows) => rows.map((row) => row.dataset.testid.replace('kpi-child-', '')))
}

async function supervisorDashboard(page, base) {
  step('the KPI dashboard of the supervisor\'s branch')
  await page.getByTestId('staff-nav-kpis').click()
  await dashboardAt(page, 'BJ')
  const year = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 4)
  check(await page.locator('#kpi-from').inputValue() === `${year}-01-01`, 'the period starts on 1 January')
  await page.getByTestId('kpi-card-ebanking_revenue').waitFor()
  check((await page.getByTestId('kpi-card-ebanking_revenue').textContent()).includes('¥'), 'revenue in yuan')
  const branchChildren = await childCodes(page)
  const units = await staffApi(page, 'GET', '/api/v1/units')
  const expected = units.body.units.filter((unit) => unit.parent_id === units.body.units[0].id).map((unit) => unit.code)
  check(JSON.stringify([...branchChildren].sort()) === JSON.stringify([...expected].sort()),
    `children ${JSON.stringify(branchChildren)}, expected ${JSON.stringify(expected)}`)
  const chart = page.getByTestId('kpi-chart')
  await chart.waitFor()
  await until('the bars', async () => (await chart.getAttribute('data-bars')) === String(expected.length)
    && (await chart.locator('svg path').count()) > 0)
  await page.getByTestId('kpi-metric').selectOption('signups_web')
  await until('the chart of another metric', async () => (await chart.getAttribute('data-metric')) === 'signups_web')
  await shot(page, '07-kpis-branch')

  step('drill down into a sub-branch and back up')
  check(expected.includes('BJ-CY'), 'the branch has the Chaoyang sub-branch')
  await page.getByTestId('kpi-drill-BJ-CY').click()
  await dashboardAt(page, 'BJ-CY')
  check(page.url().includes('unit=BJ-CY'), 'the address names the unit')
  const subBranch = units.body.units.find((unit) => unit.code === 'BJ-CY')
  const outlets = units.body.units.filter((unit) => unit.parent_id === subBranch.id).map((unit) => unit.code)
  check(outlets.includes('BJ-CY-01'), 'the sub-branch has the Jianguo Road outlet')
  check(JSON.stringify((await childCodes(page)).sort()) === JSON.stringify(outlets.sort()), 'the sub-branch\'s outlets')
  check(await page.getByTestId('kpi-up-BJ').isVisible(), 'the breadcrumb leads back up')
  await shot(page, '08-kpis-sub-branch')
  await page.getByTestId('kpi-up-BJ').click()
  await dashboardAt(page, 'BJ')
  check(JSON.stringify((await childCodes(page)).sort()) === JSON.stringify([...expected].sort()), 'the branch again')

  step('export the dashboard as XLSX')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kpi-export').click()])
  const path = join(options.out, 'staff-kpis.xlsx')
  await download.saveAs(path)
  const bytes = readFileSync(path)
  check(bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')), 'the export is a zip')
  check(statSync(path).size > 1000, `the export is ${statSync(path).size} bytes`)
  check(bytes.includes('xl/worksheets/'), 'the export has a worksheet')
  check(download.suggestedFilename().endsWith('.xlsx'), `saved as ${download.suggestedFilename()}`)

  step('the dormant customers list')
  await page.getByTestId('dormant-load').click()
  await until('the dormant list', async () =>
    (await page.getByTestId('dormant-list').isVisible()) || (await page.getByTestId('dormant-none').isVisible()))

  step('the console in English')
  await page.getByTestId('language-switch').click()
  await page.getByRole('heading', { name: 'KPIs' }).waitFor()
  check((await page.getByTestId('staff-role').textContent()).trim() === 'Supervisor', 'the role in English')
  await page.getByTestId('language-switch').click()
  await page.getByRole('heading', { name: '经营看板' }).waitFor()
}

// The customer manager's and the supervisor's workbench: the customer 360 view, large fund
// movements with a threshold the supervisor lowers, an inspection finding taken through its
// states, the campaign leaderboard, and terminals and merchants.
async function supervisorWorkbench(page, base, made) {
  step('large movements: the deposit is listed once the outlet\'s threshold is below it')
  await page.getByTestId('staff-nav-movements').click()
  await until('the movements', async () =>
    (await page.getByTestId('movements-list').isVisible()) || (await page.getByTestId('movements-none').isVisible()))
  const ofTheAccount = page.getByTestId('movement').filter({ hasText: made.account })
  check(await ofTheAccount.count() === 0, `a ${depositAmount} deposit is not large at the default threshold`)
  await page.getByTestId('threshold-unit').selectOption('BJ-CY-01')
  await page.getByTestId('threshold-amount').fill('abc')
  await page.getByTestId('threshold-save').click()
  await page.getByRole('alert').filter({ hasText: /金额|amount/ }).first().waitFor()
  check(!(await page.getByTestId('threshold-saved').isVisible()), 'a bad amount is not saved')
  await page.getByTestId('threshold-amount').fill('100.00')
  await page.getByTestId('threshold-save').click()
  await page.getByTestId('threshold-saved').waitFor()
  await ofTheAccount.first().waitFor()
  check((await ofTheAccount.first().getByTestId('movement-amount').textContent()).includes(depositAmount),
    'the listed movement is the deposit')
  await shot(page, '10-large-movements')

  step('open an inspection finding against the customer')
  await page.getByTestId('staff-nav-cases').click()
  await until('the cases', async () =>
    (await page.getByTestId('case-list').isVisible()) || (await page.getByTestId('cases-none').isVisible()))
  const title = `网点检查：凭证登记不全 ${made.number}`
  await page.getByTestId('case-kind').selectOption('finding')
  await page.getByTestId('case-unit').selectOption('BJ-CY-01')
  await page.getByTestId('case-submit').click()
  await page.getByRole('alert').first().waitFor()
  check(!(await page.getByTestId('case-detail').isVisible()), 'a case without a title is not opened')
  await page.getByTestId('case-customer').fill(made.number)
  await page.getByTestId('case-title').fill(title)
  await page.getByTestId('case-source').fill('二季度网点检查')
  await page.getByTestId('case-detail-input').fill('开户资料缺少经办人签字。')
  await page.getByTestId('case-submit').click()
  const detail = page.getByTestId('case-detail')
  await detail.waitFor()
  check((await detail.getAttribute('data-state')) === 'open', 'the finding is open')
  check((await page.getByTestId('case-owner').textContent()).trim() === supervisor.login, 'the opener owns it')
  const opened = await staffApi(page, 'GET', '/api/v1/cases')
  const finding = opened.body.cases.find((item) => item.title === title)
  check(finding && finding.kind === 'finding' && finding.unit_code === 'BJ-CY-01', 'the server has the finding')
  await page.getByTestId(`case-${finding.id}`).waitFor()

  step('the customer 360 view: tools, activity and the open finding')
  await page.goto(`${base}/staff/customers/${made.number}`)
  const overview = page.getByTestId('customer-overview')
  await overview.waitFor()
  check((await page.getByTestId('overview-ukeys').getAttribute('data-serials')).split(',').includes(made.serial),
    'the 360 view lists the U-key issued today')
  check((await page.getByTestId('overview-tools').getAttribute('data-tools')).split(',').includes('sms'),
    'the 360 view lists the tools signed up for')
  check(Number(await page.getByTestId('overview-activity').getAttribute('data-count')) >= 2,
    'the 360 view shows the deposit and the fee')
  check((await page.getByTestId('overview-assets').textContent()).replace(/[^\d.]/g, '').length > 0, 'assets in yuan')
  check((await page.getByTestId('overview-cases').textContent()).includes(title), 'the 360 view shows the open finding')
  await shot(page, '11-customer-360')

  step('the finding goes to investigating, resolved with a note, and closed')
  await page.getByTestId('staff-nav-cases').click()
  await page.getByTestId(`case-open-${finding.id}`).click()
  await until('the finding chosen', async () => (await detail.textContent()).includes(title))
  const move = async (state, note) => {
    await page.getByTestId('case-move').selectOption(state)
    await page.getByTestId('case-note').fill(note)
    await page.getByTestId('case-change-submit').click()
    await until(`the finding ${state}`, async () => (await detail.getAttribute('data-state')) === state)
  }
  await move('investigating', '')
  await page.getByTestId('case-move').selectOption('resolved')
  await page.getByTestId('case-change-submit').click()
  await page.getByTestId('case-change-error').waitFor()
  check((await detail.getAttribute('data-state')) === 'investigating', 'resolving without a note changes nothing')
  await move('resolved', '已补签经办人签字')
  await move('closed', '复查通过')
  check(await page.getByTestId('case-events').locator('li').count() === 4, 'every change is an event')
  check(!(await page.getByTestId('case-move').isVisible()), 'a closed case has no further move')
  const closed = await staffApi(page, 'GET', `/api/v1/cases/${finding.id}`)
  check(closed.body.state === 'closed', `the server has the finding ${closed.body.state}`)
  await shot(page, '12-case-closed')

  step('the campaign leaderboard')
  await page.getByTestId('staff-nav-campaigns').click()
  await until('the campaigns', async () =>
    (await page.getByTestId('campaign-list').isVisible()) || (await page.getByTestId('campaigns-none').isVisible()))
  check(!(await page.getByTestId('campaign-name').isVisible()), 'a supervisor does not start campaigns')
  const listed = await staffApi(page, 'GET', '/api/v1/campaigns')
  check(listed.body.campaigns.length > 0, 'the demo bank runs a campaign')
  const board = page.getByTestId('leaderboard')
  await board.waitFor()
  check(Number(await board.getAttribute('data-campaign')) === listed.body.campaigns[0].id, 'the newest campaign is shown')
  const ranks = await board.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => ({ rank: Number(row.dataset.rank), signups: Number(row.dataset.signups) })))
  check(ranks.length > 0 && ranks[0].rank === 1, 'the first is ranked 1')
  check(ranks.every((row, i) => i === 0 || row.signups <= ranks[i - 1].signups), 'ranked by sign-ups')
  check(ranks.every((row, i) => i === 0 || row.rank >= ranks[i - 1].rank), 'ranks in order')
  // The teller's sign-up this morning counts for the teller.
  const tellerRow = page.getByTestId(`leader-${teller.login}`)
  await tellerRow.waitFor()
  check(Number(await tellerRow.getAttribute('data-signups')) >= 1, 'the teller\'s sign-up is counted')
  await shot(page, '13-campaign-leaderboard')

  step('terminals: the idle clean-up list and the merchants\' visits')
  await page.getByTestId('staff-nav-devices').click()
  await page.getByTestId('terminal-list').waitFor()
  const shownCodes = await page.locator('[data-testid^="terminal-"][data-kind]').evaluateAll(
    (rows) => rows.map((row) => row.dataset.testid.replace('terminal-', '')))
  check(shownCodes.includes('ATM00001') && !shownCodes.includes('ATM00002'),
    `a Beijing supervisor sees Beijing's terminals only: ${JSON.stringify(shownCodes)}`)
  await page.getByTestId('idle-days').fill('30')
  await page.getByTestId('idle-apply').click()
  await page.getByTestId('idle-shown').waitFor()
  await page.getByTestId('terminals-none').waitFor()
  await page.getByTestId('merchant-list').waitFor()
  const merchantCode = '898110154110001'
  const visitedCell = page.getByTestId(`merchant-visited-${merchantCode}`)
  const visitedBefore = (await visitedCell.textContent()).trim()
  await page.getByTestId(`merchant-open-${merchantCode}`).click()
  await page.getByTestId('merchant-visits').waitFor()
  await page.getByTestId('visit-note').fill('回访：POS 使用正常，商户希望开通扫码。')
  await page.getByTestId('visit-submit').click()
  await until('the visit recorded', async () =>
    (await page.getByTestId('visit-list').getAttribute('data-count').catch(() => null)) === '1')
  check((await page.getByTestId('visit-list').textContent()).includes('开通扫码'), 'the visit\'s note')
  await until('the merchant\'s last visit', async () => (await visitedCell.textContent()).trim() !== visitedBefore)
  await shot(page, '14-devices')
}

async function main() {
  const { base } = await startBank(demoArgs())
  const browser = await launchBrowser()
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  })
  const page = watch(await context.newPage())

  step('a staff page without a session goes to the staff login')
  await page.goto(base + '/staff/approvals')
  await page.getByRole('heading', { name: '员工登录' }).waitFor()
  check(new URL(page.url()).searchParams.get('redirect') === '/staff/approvals', 'the login keeps the address')

  const made = await tellerPart(page, base)
  await supervisorApprovals(page, base, made)
  await supervisorDashboard(page, base)
  await supervisorWorkbench(page, base, made)

  step('the dashboard at phone width')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.goto(base + '/staff/kpis')
  await dashboardAt(page, 'BJ')
  await page.getByTestId('kpi-chart').waitFor()
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  check(overflow <= 0, `the page is ${overflow}px wider than the phone`)
  await shot(page, '09-kpis-phone')

  step('the customer app is untouched: its login page still opens')
  await page.goto(base + '/login')
  await page.getByRole('heading', { name: '登录网上银行' }).waitFor()

  checkConsole()
}

await runTest(main, testTimeoutMs)
