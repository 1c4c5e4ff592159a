// What the console shows that the customer app does not: resident ID checks before a
// customer is registered, KPI values by kind, and unique keys for maker requests.
import { formatMoney } from '../format'
import { i18n } from '../i18n'
import { type KpiMetric, type KpiValue, moneyMetrics, rateMetrics } from './api'

const residentIdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const residentIdChecks = '10X98765432'

// True when `text` is an 18-character resident ID whose last character is the ISO 7064
// MOD 11-2 check of the first 17 digits (GB 11643-1999). The server checks the region and
// birth date too; this only saves a round trip for a mistyped number.
export function residentIdValid(text: string): boolean {
  const value = text.trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(value)) return false
  let sum = 0
  residentIdWeights.forEach((weight, i) => {
    sum += Number(value[i]) * weight
  })
  return residentIdChecks[sum % 11] === value[17]
}

// A KPI value as it reads on a card or in a table: money per currency from its exact
// decimal string, rates as percentages with one decimal, counts as grouped integers.
export function formatKpi(metric: KpiMetric, value: KpiValue | undefined, locale: string): string {
  if (value === null || value === undefined || value === '') return '—'
  if (moneyMetrics.includes(metric)) return formatMoney(String(value), 'CNY', locale)
  if (rateMetrics.includes(metric)) return formatPercent(value, locale)
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(
    String(value) as Intl.StringNumericLiteral,
  )
}

export function formatPercent(value: KpiValue | undefined, locale: string): string {
  if (value === null || value === undefined || value === '') return '—'
  // Formatted from its text: 0.5 stays 0.5 (no binary rounding on the way).
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
    .format(String(value) as Intl.StringNumericLiteral) + '%'
}

// A key for one maker request: a retry of the same request (a lost answer) carries it
// again, so the server finds the first one's approval instead of making a second.
export function newIdempotencyKey(): string {
  return crypto.randomUUID()
}

// The translation of a server-given name (a status, a kind, a state) under `prefix`, or the
// name itself when the console has no word for it yet (a value added on the server later).
export function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}`
  return i18n.global.te(key) ? i18n.global.t(key) : value
}

// Class I, II and III accounts are written with Roman numerals in both languages (Ⅰ类户).
export function accountClassNumeral(accountClass: number): string {
  return ['', 'Ⅰ', 'Ⅱ', 'Ⅲ'][accountClass] ?? String(accountClass)
}
