import { ApiError } from './api/client'
import { i18n } from './i18n'

// What to tell the customer about a failure, in their language, from the problem's code.
export function errorMessage(error: unknown): string {
  const { t, te } = i18n.global
  const code = error instanceof ApiError ? error.code : 'unknown'
  const key = `errors.${code}`
  return te(key) ? t(key) : t('errors.unknown', { code })
}
