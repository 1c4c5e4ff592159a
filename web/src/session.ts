// What the logged-in pages share: who the customer is and their accounts, loaded once per
// login, and how a page that finds the session over sends the customer back to log in.
import { reactive } from 'vue'
import { ApiError, mayHaveSession } from './api/client'
import { type Account, type Me, accounts as fetchAccounts, logout, me } from './api/ebank'
import { errorMessage } from './errors'
import { i18n } from './i18n'

interface SessionState {
  // null until asked: a reload keeps a live session (the cookie is HttpOnly).
  loggedIn: boolean | null
  profile: Me | null
  accounts: Account[] | null
  error: string
  // Shown on the login page: why the customer is there (logged out, session ended).
  notice: string
  loggingOut: boolean
}

export const session = reactive<SessionState>({
  loggedIn: null,
  profile: null,
  accounts: null,
  error: '',
  notice: '',
  loggingOut: false,
})

export async function ensureSession(): Promise<boolean> {
  if (session.loggedIn !== null) return session.loggedIn
  if (!mayHaveSession()) {
    session.loggedIn = false
    return false
  }
  try {
    session.profile = await me()
    session.loggedIn = true
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) console.warn(error)
    session.loggedIn = false
  }
  return session.loggedIn
}

export function loggedIn(): void {
  session.loggedIn = true
  session.notice = ''
}

// Forgets everything about the customer; the router guard then shows the login page.
export function loggedOut(notice: string): void {
  session.loggedIn = false
  session.profile = null
  session.accounts = null
  session.error = ''
  session.notice = notice
}

type Leave = () => void

let leave: Leave = () => {}
// The router registers how to go to the login page (kept out of here to avoid a cycle).
export function onSessionEnded(go: Leave): void {
  leave = go
}

// The message for a failed call; a 401 also ends the session in the page.
export function failureMessage(failure: unknown): string {
  const message = errorMessage(failure)
  if (failure instanceof ApiError && failure.status === 401) {
    loggedOut(message)
    leave()
  }
  return message
}

export async function loadAccounts(): Promise<void> {
  session.error = ''
  try {
    const [who, list] = await Promise.all([me(), fetchAccounts()])
    session.profile = who
    session.accounts = list
  } catch (failure) {
    session.error = failureMessage(failure)
  }
}

export function findAccount(number: string): Account | undefined {
  return session.accounts?.find((account) => account.number === number)
}

// Log out: end the session on the server, then show the login page with a notice.
export async function logOut(): Promise<void> {
  session.loggingOut = true
  try {
    await logout()
  } catch (failure) {
    // An already-ended session is logged out all the same.
    if (!(failure instanceof ApiError) || failure.status !== 401) {
      session.error = errorMessage(failure)
      session.loggingOut = false
      return
    }
  }
  session.loggingOut = false
  loggedOut(i18n.global.t('profile.loggedOut'))
  leave()
}
