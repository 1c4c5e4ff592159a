// The /api/v1 calls the customer app makes, typed after the server's OpenAPI document
// (GET /api/v1/openapi.json).
import { request } from './client'

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

export function startLogin(loginId: string, password: string): Promise<LoginTicket> {
  return request('POST', '/api/v1/sessions', { login_id: loginId, password })
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
