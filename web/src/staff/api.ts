// The /api/v1 calls the staff console makes, typed after the server's OpenAPI document
// (GET /api/v1/openapi.json). Staff sessions are bearer tokens, not cookies: the token lives
// in sessionStorage (gone when the tab closes, never sent to another tab or site) and rides
// in the Authorization header of every call. A 401 from any call ends the session here.
import { downloadFile, type Account } from '../api/ebank'
import { ApiError, request } from '../api/client'

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

const tokenKey = 'ebank.staff.token'

export function staffToken(): string {
  return sessionStorage.getItem(tokenKey) ?? ''
}

function setStaffToken(token: string): void {
  if (token) sessionStorage.setItem(tokenKey, token)
  else sessionStorage.removeItem(tokenKey)
}

let unauthorized: () => void = () => {}
// The session module registers what a 401 means (kept out of here to avoid a cycle).
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler
}

function authorization(): Record<string, string> {
  const token = staffToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

async function call<T>(
  method: Method,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  try {
    return await request<T>(method, path, body, { ...authorization(), ...headers })
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) {
      setStaffToken('')
      unauthorized()
    }
    throw failure
  }
}

export type Role = 'teller' | 'supervisor' | 'customer_manager' | 'branch_manager' | 'admin'

export interface StaffMember {
  id: number
  login: string
  name: string
  role: Role
  unit_id: number
}

export type UnitKind = 'head_office' | 'branch' | 'sub_branch' | 'outlet'

export interface Unit {
  id: number
  code: string
  name_zh: string
  name_en: string
  kind: UnitKind
  parent_id: number | null
}

interface StaffSession {
  token: string
  expires_in_s: number
  idle_timeout_s: number
  staff: Omit<StaffMember, 'unit_id'>
}

// Keeps the token for the calls that follow; the login itself is not a 401 that ends
// anything (wrong credentials answer 401 too, and must stay on the login page).
export async function logIn(login: string, password: string): Promise<void> {
  const session = await request<StaffSession>('POST', '/api/v1/staff/sessions', { login, password })
  setStaffToken(session.token)
}

// Forgets the token whatever the server says: a session it no longer knows is over anyway.
export async function logOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/api/v1/staff/sessions/current', undefined, authorization())
  } finally {
    setStaffToken('')
  }
}

export function me(): Promise<StaffMember> {
  return call('GET', '/api/v1/staff/me')
}

export async function units(): Promise<Unit[]> {
  return (await call<{ units: Unit[] }>('GET', '/api/v1/units')).units
}

export interface Product {
  code: string
  name_zh: string
  name_en: string
  kind: string
  currency: string
  account_class: number
  credit_limit: string
}

export async function products(): Promise<Product[]> {
  return (await call<{ products: Product[] }>('GET', '/api/v1/products')).products
}

export interface Customer {
  number: string
  kind: 'individual' | 'company'
  name: string
  id_type: string
  // Masked by the server for individuals.
  id_number: string
  mobile: string
  address: string
  status: string
  created_at_ms: number
}

export interface CustomerAccount extends Account {
  bound_account: string | null
  opened_at_ms: number
}

export interface CustomerWithAccounts extends Customer {
  accounts: CustomerAccount[]
}

export interface NewCustomer {
  kind?: 'individual' | 'company'
  name: string
  id_number: string
  mobile: string
  address?: string
}

const customerPath = (number: string) => `/api/v1/customers/${encodeURIComponent(number)}`

export async function searchCustomers(text: string): Promise<Customer[]> {
  const query = new URLSearchParams({ q: text })
  return (await call<{ customers: Customer[] }>('GET', `/api/v1/customers?${query}`)).customers
}

export function registerCustomer(input: NewCustomer): Promise<Customer> {
  return call('POST', '/api/v1/customers', input)
}

export function account(number: string): Promise<CustomerAccount> {
  return call('GET', `/api/v1/accounts/${encodeURIComponent(number)}`)
}

export function openAccount(number: string, product: string, boundAccount?: string): Promise<CustomerAccount> {
  const body = boundAccount ? { product, bound_account: boundAccount } : { product }
  return call('POST', customerPath(number) + '/accounts', body)
}

export type SigningChannel = 'web' | 'mobile' | 'sms' | 'phone'
export const signingChannels: readonly SigningChannel[] = ['web', 'mobile', 'sms', 'phone']

export interface SigningInput {
  login_id: string
  password: string
  reserved_info: string
  channels: SigningChannel[]
  alert_threshold?: string
}

export function signUp(number: string, input: SigningInput): Promise<{ login_id: string; tools: string[] }> {
  return call('POST', customerPath(number) + '/signing', input)
}

export type ApprovalKind =
  | 'cash_deposit'
  | 'cash_withdrawal'
  | 'freeze'
  | 'unfreeze'
  | 'ukey_issue'
  | 'card_issue'
  | 'password_card_issue'
  | 'totp_enrol'
  | 'password_reset'
  | 'ukey_certify'

export interface Approval {
  id: number
  kind: ApprovalKind
  state: 'pending' | 'approved' | 'failed' | 'rejected' | 'expired'
  account: string
  unit_id: number
  maker_staff_id: number
  checker_staff_id: number | null
  created_at_ms: number
  expires_at_ms: number
  decided_at_ms: number
  outcome: string
  amount?: string
  currency?: string
  memo?: string
  reason?: string
  serial?: string
  masked_pan?: string
  transaction_id?: number
}

export type CashKind = 'deposit' | 'withdrawal'

// The key makes a retry of the same request (a lost answer) find the first one's approval.
export function requestCash(
  kind: CashKind,
  input: { account: string; amount: string; currency: string; memo?: string },
  idempotencyKey: string,
): Promise<Approval> {
  const path = kind === 'deposit' ? '/api/v1/counter/cash-deposits' : '/api/v1/counter/cash-withdrawals'
  return call('POST', path, input, { 'Idempotency-Key': idempotencyKey })
}

export function requestAccountStatus(
  account: string,
  change: 'freeze' | 'unfreeze',
  reason: string,
  idempotencyKey: string,
): Promise<Approval> {
  const body = reason ? { reason } : undefined
  return call('POST', `/api/v1/accounts/${encodeURIComponent(account)}/${change}`, body, {
    'Idempotency-Key': idempotencyKey,
  })
}

// Resets the customer's login password to the one they chose at the counter (maker).
export function requestPasswordReset(number: string, password: string, idempotencyKey: string): Promise<Approval> {
  return call('POST', customerPath(number) + '/password-reset', { password }, { 'Idempotency-Key': idempotencyKey })
}

export async function pendingApprovals(): Promise<Approval[]> {
  return (await call<{ approvals: Approval[] }>('GET', '/api/v1/approvals')).approvals
}

export function approve(id: number): Promise<Approval> {
  return call('POST', `/api/v1/approvals/${id}/approve`)
}

export function reject(id: number, reason: string): Promise<Approval> {
  return call('POST', `/api/v1/approvals/${id}/reject`, reason ? { reason } : undefined)
}

export type UkeyState = 'in_stock' | 'pending' | 'issued'

export interface Ukey {
  serial: string
  state: UkeyState
  unit_id: number
  customer_number: string | null
  staff_id: number | null
  received_at_ms: number
  issued_at_ms: number | null
  approval_id: number | null
}

export async function ukeys(state?: UkeyState): Promise<Ukey[]> {
  const query = state ? `?state=${state}` : ''
  return (await call<{ ukeys: Ukey[] }>('GET', `/api/v1/ukeys${query}`)).ukeys
}

// Receives serials into the stock of `unit` (one of the caller's; the caller's own when empty).
export function stockUkeys(serials: string[], unit: string): Promise<unknown> {
  return call('POST', '/api/v1/ukeys', unit ? { serials, unit } : { serials })
}

export function issueUkey(
  number: string,
  serial: string,
  feeAccount: string,
  idempotencyKey: string,
): Promise<Approval> {
  const body = feeAccount ? { serial, fee_account: feeAccount } : { serial }
  return call('POST', customerPath(number) + '/ukey-issues', body, { 'Idempotency-Key': idempotencyKey })
}

export interface Fee {
  code: string
  name_zh: string
  name_en: string
  amount: string
  currency: string
  ebanking: boolean
  // Percent off per channel, whole numbers.
  discounts: Record<string, number>
}

export async function fees(): Promise<Fee[]> {
  return (await call<{ fees: Fee[] }>('GET', '/api/v1/fees')).fees
}

export function updateFee(code: string, change: { amount?: string; discounts?: Record<string, number> }): Promise<Fee> {
  return call('PUT', `/api/v1/fees/${encodeURIComponent(code)}`, change)
}

// The metrics the server reports, in the order the dashboard shows them. Money metrics are
// decimal strings, counts integers, rates percent numbers with one decimal.
export const kpiMetrics = [
  'ebanking_revenue',
  'signups_web',
  'signups_mobile',
  'signups_sms',
  'active_customers',
  'activity_rate',
  'new_active',
  'dormant_customers',
  'e_transactions',
  'all_transactions',
  'substitution_rate',
  'cards_issued',
  'card_balance',
] as const
export type KpiMetric = (typeof kpiMetrics)[number]
export const moneyMetrics: readonly KpiMetric[] = ['ebanking_revenue', 'card_balance']
export const rateMetrics: readonly KpiMetric[] = ['activity_rate', 'substitution_rate']

export type KpiValue = string | number | null
export type KpiValues = Partial<Record<KpiMetric, KpiValue>>

export interface KpiUnit {
  code: string
  name_zh: string
  name_en: string
  kind: UnitKind
}

export interface KpiChild {
  unit: KpiUnit
  metrics: KpiValues
  targets: KpiValues
  completion: Partial<Record<KpiMetric, number | null>>
  rank: Partial<Record<KpiMetric, number>>
}

// The unit's own row (its targets, completion and rank among its siblings too), the period
// and the rows of its children.
export interface KpiReport extends KpiChild {
  from: string
  to: string
  dormant_days?: number
  children: KpiChild[]
}

export interface KpiQuery {
  unit?: string
  from?: string
  to?: string
}

// The fields that have a value: an optional field left blank is not sent at all.
function withoutBlanks<T extends object>(fields: T): Record<string, string | number> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== '' && value !== undefined))
}

// `?name=value&...` of the fields that have a value, '' when none has.
function queryOf(fields: object): string {
  const text = new URLSearchParams(withoutBlanks(fields) as Record<string, string>).toString()
  return text ? '?' + text : ''
}

export function kpis(query: KpiQuery): Promise<KpiReport> {
  return call('GET', '/api/v1/kpis' + queryOf(query))
}

export function kpiXlsx(query: KpiQuery): Promise<string> {
  return download('/api/v1/kpis.xlsx' + queryOf(query))
}

export interface DormantCustomer {
  number: string
  name: string
  mobile: string
  unit_code: string
  last_activity_ms: number | null
}

// Customers of `unit` with no login or payment in the `days` before `to` (default today).
export async function dormantCustomers(unit: string, days: number, to?: string): Promise<DormantCustomer[]> {
  const query = new URLSearchParams({ dormant_days: String(days) })
  if (unit) query.set('unit', unit)
  if (to) query.set('to', to)
  return (await call<{ customers: DormantCustomer[] }>('GET', `/api/v1/kpis/dormant?${query}`)).customers
}

// The target goes as a decimal string whatever the metric (money, count or percent).
export function setKpiTarget(unit: string, metric: KpiMetric, year: string, target: string): Promise<unknown> {
  return call('PUT', `/api/v1/kpi-targets/${encodeURIComponent(unit)}/${metric}`, { year, target })
}

// A file the server offers as an attachment, with the bearer token (a plain link could not
// send it); a 401 ends the session like any other call.
function download(path: string): Promise<string> {
  return downloadFile(path, {
    headers: authorization(),
    onUnauthorized: () => {
      setStaffToken('')
      unauthorized()
    },
  })
}

// --- The customer manager's workbench (CH-CM, BO-7). ---

export interface OverviewActivity {
  transaction_id: number
  at_ms: number
  account: string
  amount: string
  currency: string
  memo: string
  counterparty: string
}

export interface CaseSummary {
  id: number
  kind: CaseKind
  title: string
  state: CaseState
  overdue: boolean
}

// The customer 360° view: accounts, CNY assets and liabilities, e-banking tools, the U-key
// devices handed over, the newest movements over all accounts and the customer's cases not
// yet closed.
export interface CustomerOverview extends CustomerWithAccounts {
  assets: string
  liabilities: string
  signing: { login_id: string; channels: SigningChannel[]; tools: string[] } | null
  ukeys: { serial: string; issued_at_ms: number }[]
  recent_activity: OverviewActivity[]
  cases: CaseSummary[]
}

export function customerOverview(number: string): Promise<CustomerOverview> {
  return call('GET', customerPath(number) + '/overview')
}

export interface LargeMovement {
  at_ms: number
  kind: 'payment' | 'cash_deposit' | 'cash_withdrawal'
  channel: string
  account: string
  counterparty: string
  amount: string
  threshold: string
  customer_number: string
  customer_name: string
  unit_code: string
}

// Payments and counter cash at or above the threshold of the customer's unit, in the period
// (YYYY-MM-DD, both optional), newest first.
export async function largeMovements(from: string, to: string): Promise<LargeMovement[]> {
  return (await call<{ movements: LargeMovement[] }>('GET', '/api/v1/large-movements' + queryOf({ from, to }))).movements
}

export function setLargeMovementThreshold(unit: string, threshold: string): Promise<unknown> {
  return call('PUT', `/api/v1/large-movement-thresholds/${encodeURIComponent(unit)}`, { threshold })
}

// --- Campaigns (BO-4). ---

export interface Campaign {
  id: number
  name: string
  unit: string
  from: string
  to: string
}

export interface LeaderboardRow {
  rank: number
  staff_id: number
  login: string
  name: string
  unit: string
  signups: number
  revenue: string
}

export async function campaigns(): Promise<Campaign[]> {
  return (await call<{ campaigns: Campaign[] }>('GET', '/api/v1/campaigns')).campaigns
}

export function createCampaign(input: Omit<Campaign, 'id'>): Promise<Campaign> {
  return call('POST', '/api/v1/campaigns', input)
}

export async function leaderboard(id: number): Promise<LeaderboardRow[]> {
  return (await call<{ leaderboard: LeaderboardRow[] }>('GET', `/api/v1/campaigns/${id}/leaderboard`)).leaderboard
}

// --- Cases: errors, disputes, complaints and inspection findings (SVC-3, BO-6). ---

export const caseKinds = ['card_error', 'dispute', 'complaint', 'finding'] as const
export type CaseKind = (typeof caseKinds)[number]
export const caseStates = ['open', 'investigating', 'resolved', 'closed'] as const
export type CaseState = (typeof caseStates)[number]

export interface CaseEvent {
  at_ms: number
  staff_id: number
  from_state: string
  to_state: string
  note: string
}

export interface Case {
  id: number
  kind: CaseKind
  unit_code: string
  customer_number: string | null
  title: string
  detail: string
  source: string
  state: CaseState
  owner_staff_id: number
  owner_login: string
  deadline: string
  overdue: boolean
  created_by: number
  created_at_ms: number
  updated_at_ms: number
  // Where the caller may move it (the server's rule, for the caller's role).
  next_states: CaseState[]
  events: CaseEvent[]
}

export interface NewCase {
  kind: CaseKind
  title: string
  deadline: string
  unit?: string
  customer?: string
  detail?: string
  source?: string
  owner?: string
}

// `state` '' for every case, a state, or 'overdue'.
export async function cases(state: CaseState | 'overdue' | ''): Promise<Case[]> {
  const query = state ? `?state=${state}` : ''
  return (await call<{ cases: Case[] }>('GET', '/api/v1/cases' + query)).cases
}

export function getCase(id: number): Promise<Case> {
  return call('GET', `/api/v1/cases/${id}`)
}

export function openCase(input: NewCase): Promise<Case> {
  return call('POST', '/api/v1/cases', withoutBlanks(input))
}

export function changeCase(id: number, change: { state?: CaseState; note?: string; owner?: string }): Promise<Case> {
  return call('POST', `/api/v1/cases/${id}/changes`, withoutBlanks(change))
}

// --- Terminals and merchants (BO-5). ---

export interface Terminal {
  code: string
  kind: 'atm' | 'crs' | 'pos'
  unit_code: string
  merchant_code: string | null
  location: string
  keeper_staff_id: number
  pin_key_check: string
  status: string
  batch: number
  last_activity_at: string | null
  created_at: string
}

// Every terminal of the caller's units, the longest quiet first; with `idleDays` only those
// silent for that many days (the clean-up list).
export async function terminals(idleDays?: number): Promise<Terminal[]> {
  return (await call<{ terminals: Terminal[] }>('GET', '/api/v1/terminals' + queryOf({ idle_days: idleDays || '' }))).terminals
}

export interface Merchant {
  code: string
  name: string
  category: string
  unit_id: number
  account_number: string
  mdr_bp: number
  address: string
  last_visit_at: string | null
}

export interface MerchantVisit {
  staff_id: number
  at: string
  note: string
}

export async function merchants(): Promise<Merchant[]> {
  return (await call<{ merchants: Merchant[] }>('GET', '/api/v1/merchants')).merchants
}

const merchantPath = (code: string) => `/api/v1/merchants/${encodeURIComponent(code)}/visits`

export async function merchantVisits(code: string): Promise<MerchantVisit[]> {
  return (await call<{ visits: MerchantVisit[] }>('GET', merchantPath(code))).visits
}

export async function recordVisit(code: string, note: string): Promise<MerchantVisit[]> {
  return (await call<{ visits: MerchantVisit[] }>('POST', merchantPath(code), { note })).visits
}
