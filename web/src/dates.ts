// Calendar days as the bank counts them: China Standard Time (UTC+8, no daylight saving),
// whatever the browser's own time zone. Filters, statements and schedules name such days.

const chinaOffsetMs = 8 * 3600 * 1000
const dayMs = 24 * 3600 * 1000

// "YYYY-MM-DD" of the moment `ms` in China Standard Time.
export function chinaDate(ms: number): string {
  return new Date(ms + chinaOffsetMs).toISOString().slice(0, 10)
}

// The day `days` after (or before, when negative) the date "YYYY-MM-DD".
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * dayMs).toISOString().slice(0, 10)
}

// The first day of the month of the date "YYYY-MM-DD".
export function monthStart(date: string): string {
  return date.slice(0, 8) + '01'
}

export function isDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text + 'T00:00:00Z'))
}
