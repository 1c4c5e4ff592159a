// The one place the page talks to the server. Sessions ride in the HttpOnly `ebank_session`
// cookie the server sets at login; every state-changing request echoes the `ebank_csrf`
// cookie in X-CSRF-Token (double submit). Errors arrive as RFC 9457 problem+json and leave
// here as ApiError with the problem's stable `code`, which the page translates.

const csrfCookie = 'ebank_csrf'
const csrfHeader = 'X-CSRF-Token'
const requestTimeoutMs = 15_000

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${status} ${code}: ${detail}`)
    this.name = 'ApiError'
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

// True when this browser may hold a session: the CSRF cookie lives exactly as long as the
// (HttpOnly, unreadable) session cookie. Saves a doomed request on a fresh visit.
export function mayHaveSession(): boolean {
  return cookie(csrfCookie) !== ''
}

function cookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return decodeURIComponent(value.join('='))
  }
  return ''
}

interface Problem {
  code?: unknown
  detail?: unknown
}

async function toError(response: Response): Promise<ApiError> {
  const type = response.headers.get('Content-Type') ?? ''
  if (type.startsWith('application/problem+json') || type.startsWith('application/json')) {
    try {
      const problem = (await response.json()) as Problem
      const code = typeof problem.code === 'string' ? problem.code : 'http_' + response.status
      const detail = typeof problem.detail === 'string' ? problem.detail : ''
      return new ApiError(response.status, code, detail)
    } catch {
      // Not JSON after all: fall through to the status alone.
    }
  }
  return new ApiError(response.status, 'http_' + response.status, response.statusText)
}

export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET') {
    const csrf = cookie(csrfCookie)
    if (csrf) headers[csrfHeader] = csrf
  }
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: AbortSignal.timeout(requestTimeoutMs),
    })
  } catch {
    throw new ApiError(0, 'network_error', 'the server did not answer')
  }
  if (!response.ok) throw await toError(response)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}
