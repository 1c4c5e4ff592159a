// The /api/v1 calls the customer app makes, typed after the server's OpenAPI document
// (GET /api/v1/openapi.json).
import { ApiError, request } from './client'
import type { SealedPassword } from './password'

export type Tool = 'sms' | 'totp' | 'password_card' | 'ukey'

export interface LoginTicket {
  ticket: string
  reserved_info: string
  tools: Tool[]
}

export interface Challenge {
  tool: Tool
  // SMS: the masked mobile the code went to; password card: the cells to read; TOTP: "".
  prompt: string
  expires_at_ms: number
  challenge_id?: string
}

export interface Me {
  login_id: string
  name?: string
  tools: Tool[]
  channels: string[]
}

// Amounts are decimal strings in the currency's minor precision, never JSON numbers.
export interface Account {
  number: string
  product: string
  account_class: number
  status: string
  currency: string
  balance: string
  available: string
  held: string
  credit_limit?: string
}

// The password goes only encrypted (see password.ts); API clients may send it in clear.
export function startLogin(loginId: string, password: SealedPassword): Promise<LoginTicket> {
  return request('POST', '/api/v1/sessions', { login_id: loginId, ...password })
}

export function loginChallenge(ticket: string, tool: Tool): Promise<Challenge> {
  return request('POST', '/api/v1/sessions/challenge', { ticket, tool })
}

// Sets the session cookies; the token in the answer is for API clients and is dropped.
export async function finishLogin(ticket: string, answer: string): Promise<void> {
  await request<unknown>('POST', '/api/v1/sessions/verify', { ticket, answer })
}

export function me(): Promise<Me> {
  return request('GET', '/api/v1/me')
}

export async function accounts(): Promise<Account[]> {
  const answer = await request<{ accounts: Account[] }>('GET', '/api/v1/me/accounts')
  return answer.accounts
}

export function logout(): Promise<void> {
  return request('DELETE', '/api/v1/me/sessions/current')
}

// One line of an account's history: the signed amount and the balance after it.
export interface Transaction {
  transaction_id: number
  amount: string
  balance_after: string
  // Not sent by the server yet; shown when it is.
  at_ms?: number
  memo?: string
}

// The server's page size for GET …/transactions (kHistoryPageMax): a shorter page is the last.
export const historyPageMax = 100

export async function transactions(account: string, before?: number): Promise<Transaction[]> {
  const query = before === undefined ? '' : `?before=${before}`
  const answer = await request<{ transactions: Transaction[] }>(
    'GET',
    `/api/v1/me/accounts/${encodeURIComponent(account)}/transactions${query}`,
  )
  return answer.transactions
}

// What a security tool lets the customer send to others, in CNY; 'password' is the tier of
// small transfers that need no challenge.
export interface ToolLimit {
  tool: Tool | 'password'
  per_transaction: string
  daily: string
  remaining_today: string
}

export interface Limits {
  account: string
  used_today: string
  limits: ToolLimit[]
}

export function limits(account: string): Promise<Limits> {
  return request('GET', `/api/v1/me/limits?account=${encodeURIComponent(account)}`)
}

export interface Payee {
  id: number
  name: string
  account_number: string
  created_at_ms: number
}

export async function payees(): Promise<Payee[]> {
  const answer = await request<{ payees: Payee[] }>('GET', '/api/v1/me/payees')
  return answer.payees
}

export interface TransferInput {
  from_account: string
  to_account: string
  amount: string
  currency: string
  memo?: string
}

export interface Payment {
  id: number
  status: 'completed' | 'sca_required' | 'failed' | 'executing'
  from_account: string
  to_account: string
  amount: string
  currency: string
  memo: string
  tool: string
  failure?: string
  allowed_tools?: Tool[]
  transaction_id?: number
}

// A retry with the same key returns the first answer, so the money moves at most once.
export function createTransfer(input: TransferInput, idempotencyKey: string): Promise<Payment> {
  return request('POST', '/api/v1/me/transfers', input, { 'Idempotency-Key': idempotencyKey })
}

export function transfer(id: number): Promise<Payment> {
  return request('GET', `/api/v1/me/transfers/${id}`)
}

export function transferChallenge(id: number, tool: Tool): Promise<Challenge> {
  return request('POST', `/api/v1/me/transfers/${id}/challenge`, { tool })
}

export function confirmTransfer(id: number, challengeId: string, answer: string): Promise<Payment> {
  return request('POST', `/api/v1/me/transfers/${id}/confirm`, {
    challenge_id: challengeId,
    answer,
  })
}

export interface SessionInfo {
  id: string
  client: string
  created_at_ms: number
  last_seen_at_ms: number
  current: boolean
}

export async function sessions(): Promise<SessionInfo[]> {
  const answer = await request<{ sessions: SessionInfo[] }>('GET', '/api/v1/me/sessions')
  return answer.sessions
}

export function revokeSession(id: string): Promise<void> {
  return request('DELETE', `/api/v1/me/sessions/${encodeURIComponent(id)}`)
}

export interface LoginRecord {
  at_ms: number
  step: string
  tool: string
  outcome: string
}

export async function logins(): Promise<LoginRecord[]> {
  const answer = await request<{ logins: LoginRecord[] }>('GET', '/api/v1/me/logins')
  return answer.logins
}

// Scheduled transfers and standing orders (PAY-3): authenticated once when set up, then
// run by the bank from 00:00 China Standard Time on each date.
export type Frequency = 'once' | 'weekly' | 'monthly'

export interface ScheduledRun {
  run_date: string
  status: 'completed' | 'failed'
  at_ms: number
  payment_id?: number
  failure?: string
}

export interface ScheduledTransfer {
  id: number
  status: 'sca_required' | 'active' | 'finished' | 'cancelled'
  from_account: string
  to_account: string
  amount: string
  currency: string
  memo: string
  frequency: Frequency
  first_date: string
  until: string | null
  count: number | null
  runs_done: number
  next_date: string | null
  tool: string
  created_at_ms: number
  runs: ScheduledRun[]
  allowed_tools?: Tool[]
}

export interface ScheduleInput {
  from_account: string
  to_account: string
  amount: string
  currency: string
  memo?: string
  first_date: string
  frequency: Frequency
  until?: string
  count?: number
}

// A retry with the same key returns the first answer, so a schedule is set up once.
export function createSchedule(input: ScheduleInput, idempotencyKey: string): Promise<ScheduledTransfer> {
  return request('POST', '/api/v1/me/scheduled-transfers', input, {
    'Idempotency-Key': idempotencyKey,
  })
}

export async function scheduledTransfers(): Promise<ScheduledTransfer[]> {
  const answer = await request<{ scheduled_transfers: ScheduledTransfer[] }>(
    'GET',
    '/api/v1/me/scheduled-transfers',
  )
  return answer.scheduled_transfers
}

export function scheduleChallenge(id: number, tool: Tool): Promise<Challenge> {
  return request('POST', `/api/v1/me/scheduled-transfers/${id}/challenge`, { tool })
}

export function confirmSchedule(
  id: number,
  challengeId: string,
  answer: string,
): Promise<ScheduledTransfer> {
  return request('POST', `/api/v1/me/scheduled-transfers/${id}/confirm`, {
    challenge_id: challengeId,
    answer,
  })
}

export function cancelSchedule(id: number): Promise<void> {
  return request('DELETE', `/api/v1/me/scheduled-transfers/${id}`)
}

// The history's filters (all optional): days in China Standard Time, amounts as decimal
// strings in the account's currency (bounds inclusive, on the amount without its sign).
export interface HistoryFilter {
  from?: string
  to?: string
  min?: string
  max?: string
  direction?: 'in' | 'out'
}

// One transaction as the history lists it; `counterparty` is the other account, masked.
export interface HistoryRow {
  transaction_id: number
  direction: 'credit' | 'debit'
  amount: string
  balance_after: string
  at_ms: number
  memo: string
  counterparty?: string
}

// A page may be short (even empty) when filters skip many transactions and still have a
// next one: the history goes on while `next_before` is set.
export interface HistoryPage {
  transactions: HistoryRow[]
  next_before?: number
}

export function historyPage(
  account: string,
  filter: HistoryFilter,
  before?: number,
): Promise<HistoryPage> {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(filter)) {
    if (value !== undefined && value !== '') query.set(name, value)
  }
  if (before !== undefined) query.set('before', String(before))
  const text = query.toString()
  const path = `/api/v1/me/accounts/${encodeURIComponent(account)}/transactions`
  return request('GET', text ? `${path}?${text}` : path)
}

export type FileFormat = 'pdf' | 'xlsx'

export function statementPath(
  account: string,
  from: string,
  to: string,
  format: FileFormat,
): string {
  const query = new URLSearchParams({ from, to })
  return `/api/v1/me/accounts/${encodeURIComponent(account)}/statement.${format}?${query}`
}

export function receiptPath(account: string, transactionId: number, format: FileFormat): string {
  const path = `/api/v1/me/accounts/${encodeURIComponent(account)}/transactions`
  return `${path}/${transactionId}/receipt.${format}`
}

const downloadTimeoutMs = 30_000

// Fetches a file the server offers as an attachment and hands it to the browser to save
// under the server's file name. Failures arrive as ApiError, like every other call.
// `headers` go with the request (the staff console's bearer token); `onUnauthorized` runs
// on a 401 before the error is thrown.
export interface DownloadOptions {
  headers?: Record<string, string>
  onUnauthorized?: () => void
}

export async function downloadFile(path: string, options: DownloadOptions = {}): Promise<string> {
  let response: Response
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      headers: options.headers,
      signal: AbortSignal.timeout(downloadTimeoutMs),
    })
  } catch {
    throw new ApiError(0, 'network_error', 'the server did not answer')
  }
  if (!response.ok) {
    let code = 'http_' + response.status
    let detail = response.statusText
    try {
      const problem = (await response.json()) as { code?: unknown; detail?: unknown }
      if (typeof problem.code === 'string') code = problem.code
      if (typeof problem.detail === 'string') detail = problem.detail
    } catch {
      // Not a problem document: the status says enough.
    }
    if (response.status === 401) options.onUnauthorized?.()
    throw new ApiError(response.status, code, detail)
  }
  const disposition = response.headers.get('Content-Disposition') ?? ''
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'ebank-download'
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  // The click has handed the file over; the object URL may go once it has been read.
  setTimeout(() => URL.revokeObjectURL(url), downloadTimeoutMs)
  return name
}
