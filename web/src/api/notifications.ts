// The customer's inbox of balance-change alerts (余额变动提醒) and the live stream an open
// page listens to (server-sent events, GET /api/v1/me/notifications/stream).
import { request } from './client'

export interface Notification {
  id: number
  kind: 'balance'
  // credit: money in; debit: money out.
  direction: 'credit' | 'debit'
  amount: string
  currency: string
  account_tail: string
  balance_after: string
  at_ms: number
  read: boolean
  read_at_ms?: number
}

export interface NotificationPage {
  notifications: Notification[]
  unread: number
  next_before?: number
}

export const notificationPageMax = 100
export const notificationStreamPath = '/api/v1/me/notifications/stream'

export function notifications(before?: number, limit = 20): Promise<NotificationPage> {
  const query = new URLSearchParams({ limit: String(limit) })
  if (before !== undefined) query.set('before', String(before))
  return request('GET', `/api/v1/me/notifications?${query.toString()}`)
}

export function markRead(id: number): Promise<{ unread: number }> {
  return request('POST', `/api/v1/me/notifications/${id}/read`)
}

export function markAllRead(): Promise<{ marked: number; unread: number }> {
  return request('POST', '/api/v1/me/notifications/read-all')
}
