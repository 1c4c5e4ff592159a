import { createApp } from 'vue'
import App from './App.vue'
import './element'
import { i18n } from './i18n'
import { router } from './router'
import './styles.css'

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).mount('#app')
