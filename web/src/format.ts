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
