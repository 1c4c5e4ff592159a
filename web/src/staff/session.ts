// Who the logged-in staff member is and the units they may see, loaded once per login, and
// what the console does when the session is over (a 401 on any call, or logging out).
import { reactive } from 'vue'
import { ApiError } from '../api/client'
import { i18n } from '../i18n'
import {
  type Role,
  type StaffMember,
  type Unit,
  logOut as endSession,
  me,
  onUnauthorized,
  staffToken,
  units,
} from './api'
import { staffErrorMessage } from './errors'

interface StaffState {
  // null until asked: a reload keeps the token in sessionStorage.
  loggedIn: boolean | null
  member: StaffMember | null
  // The member's unit first, then every unit below it, parents first.
  units: Unit[]
  // Shown on the login page: why the staff member is there (logged out, session ended).
  notice: string
  loggingOut: boolean
}

export const staff = reactive<StaffState>({
  loggedIn: null,
  member: null,
  units: [],
  notice: '',
  loggingOut: false,
})

async function load(): Promise<void> {
  const [who, list] = await Promise.all([me(), units()])
  staff.member = who
  staff.units = list
  staff.loggedIn = true
}

export async function ensureStaff(): Promise<boolean> {
  if (staff.loggedIn !== null) return staff.loggedIn
  if (!staffToken()) {
    staff.loggedIn = false
    return false
  }
  try {
    await load()
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) console.warn(error)
    staff.loggedIn = false
  }
  return staff.loggedIn ?? false
}

// After a successful login: the token is kept, the member and units are loaded now.
export async function staffLoggedIn(): Promise<void> {
  staff.notice = ''
  await load()
}

function forget(notice: string): void {
  staff.loggedIn = false
  staff.member = null
  staff.units = []
  staff.notice = notice
}

// keepPlace: come back to the same page after logging in again (a session that timed out).
type Leave = (keepPlace: boolean) => void
let leave: Leave = () => {}
// The routes register how to go to the staff login page (kept out of here to avoid a cycle).
export function onStaffSessionEnded(go: Leave): void {
  leave = go
}

// A 401 from any staff call: the token is already gone (api.ts); back to the login page.
onUnauthorized(() => {
  if (staff.loggedIn === false) return
  forget(i18n.global.t('staff.errors.session_invalid'))
  leave(true)
})

export async function staffLogOut(): Promise<string> {
  staff.loggingOut = true
  try {
    await endSession()
  } catch (failure) {
    // An already-ended session is logged out all the same; anything else is said, but the
    // token is gone from this tab either way (api.ts), so the console is left regardless.
    if (!(failure instanceof ApiError) || failure.status !== 401) console.warn(failure)
  } finally {
    staff.loggingOut = false
  }
  forget(i18n.global.t('staff.login.loggedOut'))
  leave(false)
  return staff.notice
}

export function role(): Role | undefined {
  return staff.member?.role
}

export function unitById(id: number): Unit | undefined {
  return staff.units.find((unit) => unit.id === id)
}

export function unitByCode(code: string): Unit | undefined {
  return staff.units.find((unit) => unit.code === code)
}

// The member's own unit: the first of the list the server sends (parents first).
export function ownUnit(): Unit | undefined {
  return staff.member ? unitById(staff.member.unit_id) : undefined
}

export function unitName(unit: { name_zh: string; name_en: string }): string {
  return i18n.global.locale.value === 'en' ? unit.name_en : unit.name_zh
}

// The message for a failed staff call in the current language.
export const failureMessage = staffErrorMessage
