import { createApp } from 'vue'
import App from './App.vue'
import './element'
import { i18n } from './i18n'
import { router } from './router'
import './styles.css'

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).mount('#app')

// The service worker keeps the app shell (never API answers) so the app starts fast and
// installs as an app (CH-MOB). Only in production builds: in `npm run dev` it would serve
// stale modules.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it the app works as before, from the network.
    })
  })
}
