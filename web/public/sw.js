// The app's service worker: it keeps the app shell (the page, its hashed scripts and
// styles, the icons) so that the app opens fast and installs as an app. It never keeps an
// API answer: anything under /api/ is left to the network, untouched, so balances and
// sessions are always the server's.
//
// Pages: network first, the cached shell when the network fails. /assets/: cache first;
// their names change with their content, so a cached one is never stale. Everything else
// of this origin (manifest, icons): network first. A new version of this file (the server
// sends it with no-cache) replaces the caches of the old one.
const cacheName = 'ebank-shell-v1'
const shell = ['/', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png']
// The most /assets/ files kept; older chunks of earlier builds go first.
const assetsMax = 60

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll(shell))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== cacheName).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  )
})

function isApi(url) {
  return url.pathname === '/api' || url.pathname.startsWith('/api/') || url.pathname.startsWith('/internal/')
}

async function trim(cache) {
  const keys = (await cache.keys()).filter((request) => new URL(request.url).pathname.startsWith('/assets/'))
  for (const request of keys.slice(0, Math.max(0, keys.length - assetsMax))) await cache.delete(request)
}

async function cacheFirst(request) {
  const cache = await caches.open(cacheName)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) {
    await cache.put(request, response.clone())
    await trim(cache)
  }
  return response
}

async function networkFirst(request, fallback) {
  const cache = await caches.open(cacheName)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(fallback ?? request, response.clone())
    return response
  } catch (failure) {
    const cached = await cache.match(fallback ?? request)
    if (cached) return cached
    throw failure
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  // Other origins (the U-key helper on 127.0.0.1), the API and anything but GET: the
  // network alone, as if there were no service worker.
  if (url.origin !== self.location.origin || isApi(url) || request.method !== 'GET') return
  if (request.mode === 'navigate') {
    // Every page path of the app is the same shell.
    event.respondWith(networkFirst(request, '/'))
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request))
  } else {
    event.respondWith(networkFirst(request))
  }
})
