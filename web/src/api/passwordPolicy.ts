// The login password's policy, as the server checks it (security::CheckPasswordPolicy):
// 8 to 32 printable ASCII characters without spaces, mixing at least two of digits,
// letters and symbols, neither a pattern repeated nor one or two simple sequences ("1234",
// "aaaa"), nor a well-known weak password (that list only the server holds). The page
// checks first so that the customer hears why at once; the server decides.
export const passwordLengthMin = 8
export const passwordLengthMax = 32

export type PolicyProblem = 'length' | 'characters' | 'mix' | 'pattern'

function repeatedPattern(text: string): boolean {
  for (let period = 1; period <= text.length / 2; period++) {
    let repeated = true
    for (let i = period; i < text.length && repeated; i++) repeated = text[i] === text[i - period]
    if (repeated) return true
  }
  return false
}

// Runs of characters each one above, one below or equal to the one before, by one step.
function countRuns(text: string): number {
  let runs = 0
  let i = 0
  while (i < text.length) {
    runs++
    if (i + 1 === text.length) break
    const step = text.charCodeAt(i + 1) - text.charCodeAt(i)
    if (Math.abs(step) > 1) {
      i++
      continue
    }
    let end = i + 1
    while (end + 1 < text.length && text.charCodeAt(end + 1) - text.charCodeAt(end) === step) end++
    i = end + 1
  }
  return runs
}

// The first rule `password` breaks, or null when it passes.
export function passwordPolicyProblem(password: string): PolicyProblem | null {
  if (password.length < passwordLengthMin || password.length > passwordLengthMax) return 'length'
  if (!/^[\x21-\x7e]+$/.test(password)) return 'characters'
  const kinds = [/[0-9]/, /[A-Za-z]/, /[^0-9A-Za-z]/].filter((kind) => kind.test(password)).length
  if (kinds < 2) return 'mix'
  const folded = password.toLowerCase()
  if (repeatedPattern(folded) || countRuns(folded) <= 2) return 'pattern'
  return null
}
