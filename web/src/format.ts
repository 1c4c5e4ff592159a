// Amounts as banks show them: per currency, from the API's exact decimal strings (never
// through a binary float), and account numbers masked but for their last four digits.

export function formatMoney(amount: string, currency: string, locale: string): string {
  const digits = amount.split('.')[1]?.length ?? 0
  try {
    const format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    // A numeric string is formatted exactly (ECMA-402 Intl.NumberFormat v3).
    return format.format(amount as Intl.StringNumericLiteral)
  } catch {
    return `${amount} ${currency}`
  }
}

export function lastFour(number: string): string {
  return number.slice(-4)
}

export function maskAccountNumber(number: string): string {
  return '**** ' + lastFour(number)
}

// How many decimals the currency has (CNY and USD 2, JPY 0), as the browser knows it.
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2
  } catch {
    return 2
  }
}

// A signed amount: credits with an explicit plus, debits with the minus the API sends.
export function formatSignedMoney(amount: string, currency: string, locale: string): string {
  const text = formatMoney(amount, currency, locale)
  return amount.startsWith('-') ? text : '+' + text
}

// A moment in the browser's own time zone.
export function formatDateTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms)
}

export type AmountProblem = 'required' | 'format' | 'positive' | 'decimals'

// The amount as the customer typed it, checked before it is sent: a plain decimal string,
// positive, with no more decimals than the currency has. Returns the string to send.
export function checkAmount(
  text: string,
  currency: string,
): { amount: string } | { problem: AmountProblem } {
  const value = text.trim()
  if (value === '') return { problem: 'required' }
  if (!/^\d+(\.\d+)?$/.test(value)) return { problem: 'format' }
  const decimals = value.split('.')[1]?.length ?? 0
  if (decimals > currencyDigits(currency)) return { problem: 'decimals' }
  if (!/[1-9]/.test(value)) return { problem: 'positive' }
  return { amount: value }
}

// Compares two non-negative decimal strings exactly (no binary floats): -1, 0 or 1.
export function compareDecimal(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.')
  const [bi = '', bf = ''] = b.split('.')
  const width = Math.max(af.length, bf.length)
  const left = BigInt((ai || '0') + af.padEnd(width, '0'))
  const right = BigInt((bi || '0') + bf.padEnd(width, '0'))
  return left < right ? -1 : left > right ? 1 : 0
}
