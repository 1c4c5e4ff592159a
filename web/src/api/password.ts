// Password input protection (SEC-9): the password is encrypted in the page with the bank's
// public key (WebCrypto RSA-OAEP with SHA-256) before it leaves the browser, together with a
// one-time nonce from the server, so a captured login request cannot be replayed.
//
// The password's characters are read from the input element only here, at the moment of
// encryption, and the element is cleared right after; they never enter Vue state, a store or
// the request. (A JavaScript string cannot be wiped; the encoded bytes are.)
import { ApiError, request } from './client'

interface PasswordKey {
  key_id: string
  spki_base64: string
  algorithm: string
  nonce: string
  nonce_expires_at_ms: number
}

export interface SealedPassword {
  key_id: string
  password_encrypted: string
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

function toBase64(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text)
}

// Fetches a fresh key and nonce, encrypts what `field` holds and clears `field`. Fails
// closed: without WebCrypto (a page not served over HTTPS or from loopback) nothing is sent.
export async function sealPassword(field: HTMLInputElement): Promise<SealedPassword> {
  const subtle = globalThis.crypto?.subtle
  if (!subtle) throw new ApiError(0, 'password_protection_unavailable', 'WebCrypto is missing')
  const key = await request<PasswordKey>('GET', '/api/v1/sessions/password-key')
  if (key.algorithm !== 'RSA-OAEP-256') {
    throw new ApiError(0, 'password_protection_unavailable', key.algorithm)
  }
  const publicKey = await subtle.importKey(
    'spki',
    fromBase64(key.spki_base64),
    { name: 'RSA-OAEP', hash: 'SHA-256' },
    false,
    ['encrypt'],
  )
  const plaintext = new TextEncoder().encode(
    JSON.stringify({ password: field.value, nonce: key.nonce }),
  )
  field.value = ''
  try {
    const ciphertext = await subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, plaintext)
    return { key_id: key.key_id, password_encrypted: toBase64(new Uint8Array(ciphertext)) }
  } finally {
    plaintext.fill(0)
  }
}
