// The U-key helper on the customer's own machine (`ebank ukey agent`), over loopback HTTP.
// It answers only this site's origin and signs only the bank's challenge texts; the page
// hands it the challenge the bank sent and passes the signature back to the bank. Failures
// leave as ApiError with a code the page translates (errors.ukey_*).
import { ApiError } from './client'

// Where the agent listens unless this browser was told otherwise (the agent's --port).
export const defaultAgentUrl = 'http://127.0.0.1:18443'
const storageKey = 'ebank.ukeyAgent'
// Only a port on 127.0.0.1: the page's Content-Security-Policy allows nothing else.
const agentUrlPattern = /^http:\/\/127\.0\.0\.1:([1-9]\d{0,4})$/
const statusTimeoutMs = 3_000
// A hardware U-key may wait for the customer to press its button.
const signTimeoutMs = 30_000

export interface AgentCertificate {
  subject: string
  serial: string
  customer: string
  not_after_ms: number
}

export interface AgentStatus {
  present: boolean
  ready: boolean
  code?: string
  certificate?: AgentCertificate
}

export interface AgentSignature {
  signature: string
  subject: string
  serial: string
  purpose: 'login' | 'payment'
  amount?: string
  currency?: string
  payee?: string
}

export function agentUrl(): string {
  const stored = localStorage.getItem(storageKey) ?? ''
  const port = agentUrlPattern.exec(stored)?.[1]
  return port !== undefined && Number(port) <= 65535 ? stored : defaultAgentUrl
}

async function call<T>(method: 'GET' | 'POST', path: string, timeoutMs: number, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(agentUrl() + path, {
      method,
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch {
    // Refused, timed out, or blocked by CORS (an agent started for another site).
    throw new ApiError(0, 'ukey_agent_unreachable', 'the U-key helper did not answer')
  }
  let answer: { code?: unknown; detail?: unknown } & Record<string, unknown>
  try {
    answer = (await response.json()) as typeof answer
  } catch {
    throw new ApiError(response.status, 'ukey_agent_unreachable', 'not a U-key helper')
  }
  if (!response.ok) {
    const code = typeof answer.code === 'string' ? answer.code : 'ukey_agent_failed'
    throw new ApiError(response.status, code, typeof answer.detail === 'string' ? answer.detail : '')
  }
  return answer as T
}

// Whether the agent runs, the token is plugged in and whose certificate it holds.
export function agentStatus(): Promise<AgentStatus> {
  return call('GET', '/status', statusTimeoutMs)
}

// The hex DER signature over `challenge` (the bank's challenge prompt), the bank's answer.
export function ukeySign(challenge: string): Promise<AgentSignature> {
  return call('POST', '/sign', signTimeoutMs, { challenge })
}
