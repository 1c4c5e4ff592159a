// Live balance-change alerts while the customer is logged in: one EventSource on the
// server's stream, a toast for each alert, the unread count the header's bell shows, and
// the accounts' balances read again. The browser reconnects by itself after a dropped
// connection (sending the last event id, so nothing is missed); when the server refuses
// the stream instead (session over, too many pages open), this waits and tries again,
// longer each time, and a 401 found meanwhile ends the session as on any page.
import 'element-plus/es/components/notification/style/css'
import { ElNotification } from 'element-plus'
import { reactive } from 'vue'
import { type Notification, notificationStreamPath, notifications } from './api/notifications'
import { formatMoney } from './format'
import { i18n } from './i18n'
import { failureMessage, loadAccounts, session } from './session'

const retryFirstMs = 3_000
const retryMaxMs = 60_000
const toastDurationMs = 6_000

export const alerts = reactive({
  unread: 0,
  // Whether the stream is open now.
  live: false,
  // Bumped on every alert, so that an open inbox reads itself again.
  arrivals: 0,
})

let source: EventSource | null = null
let retry: ReturnType<typeof setTimeout> | undefined
let retryMs = retryFirstMs

export function alertText(notification: Notification): string {
  const { t, locale } = i18n.global
  const amount = formatMoney(notification.amount, notification.currency, locale.value)
  const balance = formatMoney(notification.balance_after, notification.currency, locale.value)
  return t(notification.direction === 'credit' ? 'inbox.credit' : 'inbox.debit', {
    tail: notification.account_tail,
    amount,
    balance,
  })
}

export async function refreshUnread(): Promise<void> {
  try {
    alerts.unread = (await notifications(undefined, 1)).unread
  } catch (failure) {
    failureMessage(failure)
  }
}

function arrived(event: MessageEvent<string>): void {
  let notification: Notification
  try {
    notification = JSON.parse(event.data) as Notification
  } catch {
    return
  }
  alerts.unread += 1
  alerts.arrivals += 1
  ElNotification({
    title: i18n.global.t('inbox.toastTitle'),
    message: alertText(notification),
    type: notification.direction === 'credit' ? 'success' : 'info',
    duration: toastDurationMs,
    customClass: 'alert-toast',
  })
  void loadAccounts()
}

function open(): void {
  if (source || !session.loggedIn) return
  source = new EventSource(notificationStreamPath, { withCredentials: true })
  source.addEventListener('open', () => {
    alerts.live = true
    retryMs = retryFirstMs
  })
  source.addEventListener('balance', arrived as EventListener)
  // The stream could not keep up: some were dropped, so the count is read again.
  source.addEventListener('overflow', () => void refreshUnread())
  source.addEventListener('error', () => {
    alerts.live = false
    // CONNECTING: the browser is reconnecting by itself. CLOSED: it gave up (a refusal).
    if (source?.readyState !== EventSource.CLOSED) return
    source.close()
    source = null
    clearTimeout(retry)
    retry = setTimeout(() => {
      void refreshUnread().then(open)
    }, retryMs)
    retryMs = Math.min(retryMs * 2, retryMaxMs)
  })
}

// Starts listening (after login, or on a reload with a live session).
export function startAlerts(): void {
  void refreshUnread()
  open()
}

// Stops listening (on logout).
export function stopAlerts(): void {
  clearTimeout(retry)
  source?.close()
  source = null
  alerts.live = false
  alerts.unread = 0
  retryMs = retryFirstMs
}
