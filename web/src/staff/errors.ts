import { ApiError } from '../api/client'
import { i18n } from '../i18n'

// What to tell the staff member about a failure, in their language, from the problem's code:
// the console's own wording first (staff.errors), then the customer app's for the codes both
// meet (network, amounts, accounts), then the code itself.
export function staffErrorMessage(error: unknown): string {
  const { t, te } = i18n.global
  const code = error instanceof ApiError ? error.code : 'unknown'
  if (te(`staff.errors.${code}`)) return t(`staff.errors.${code}`)
  if (te(`errors.${code}`)) return t(`errors.${code}`)
  if (error instanceof ApiError && error.status === 404 && code === 'http_404') return t('staff.errors.not_available')
  return t('staff.errors.unknown', { code })
}
