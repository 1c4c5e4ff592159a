// The security centre's calls (SEC-1, SEC-5, SEC-7, SEC-8): password change, the tools the
// customer holds, the dynamic token's replacement, the alert threshold and the limits the
// customer sets below the bank's.
import { request } from './client'
import type { Challenge, Tool } from './ebank'
import type { SealedPassword } from './password'

export type HeldTool = 'sms' | 'totp' | 'password_card' | 'ukey'

export interface ToolDetails {
  tool: HeldTool
  state: 'active' | 'worn_out'
  label: string
  created_at_ms: number
  uses?: number
  uses_max?: number
  uses_left?: number
  certificate?: { serial: string; subject: string; not_before_ms: number; not_after_ms: number }
}

export interface SecuritySettings {
  alert_threshold: string
  tools: ToolDetails[]
}

export interface TotpEnrolment {
  secret: string
  otpauth_uri: string
  qr_svg: string
}

export function securitySettings(): Promise<SecuritySettings> {
  return request('GET', '/api/v1/me/security')
}

// Both passwords sealed in the page, each under its own one-time nonce (SEC-9).
export async function changePassword(oldPassword: SealedPassword, newPassword: SealedPassword): Promise<void> {
  await request<unknown>('POST', '/api/v1/me/password', {
    old_password_encrypted: oldPassword.password_encrypted,
    old_key_id: oldPassword.key_id,
    new_password_encrypted: newPassword.password_encrypted,
    new_key_id: newPassword.key_id,
  })
}

export async function setAlertThreshold(threshold: string): Promise<string> {
  const answer = await request<{ alert_threshold: string }>('PUT', '/api/v1/me/alert-threshold', {
    threshold,
  })
  return answer.alert_threshold
}

export function totpChallenge(tool: Tool): Promise<Challenge> {
  return request('POST', '/api/v1/me/tools/totp/challenge', { tool })
}

export function replaceTotp(challengeId: string, answer: string): Promise<TotpEnrolment> {
  return request('POST', '/api/v1/me/tools/totp', { challenge_id: challengeId, answer })
}

export type LimitTool = 'password' | Tool

export async function setSelfLimit(
  tool: LimitTool,
  account: string,
  perTransaction: string,
  daily: string,
): Promise<void> {
  await request<unknown>('PUT', `/api/v1/me/limits/${tool}`, {
    account,
    per_transaction: perTransaction,
    daily,
  })
}

export async function clearSelfLimit(tool: LimitTool): Promise<void> {
  await request<unknown>('DELETE', `/api/v1/me/limits/${tool}`)
}

interface LimitPair {
  tool: LimitTool
  per_transaction: string
  daily: string
}

// A tool's limit as it applies, with the bank's and the customer's own when set.
export interface LimitSetting extends LimitPair {
  remaining_today: string
  bank?: LimitPair
  self?: LimitPair
}

export interface LimitSettings {
  account: string
  used_today: string
  limits: LimitSetting[]
}

export function limitSettings(account: string): Promise<LimitSettings> {
  return request('GET', `/api/v1/me/limits?account=${encodeURIComponent(account)}`)
}
