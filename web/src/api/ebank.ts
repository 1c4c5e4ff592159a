// The /api/v1 calls the customer app makes, typed after the server's OpenAPI document
// (GET /api/v1/openapi.json).
import { request } from './client'
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
