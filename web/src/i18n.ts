// zh-CN by default; the customer's choice is remembered in this browser.
import { createI18n } from 'vue-i18n'
import en from './locales/en.json'
import zhCN from './locales/zh-CN.json'

export type MessageSchema = typeof zhCN
export const locales = ['zh-CN', 'en'] as const
export type Locale = (typeof locales)[number]

const storageKey = 'ebank.locale'
// The English file must have exactly the Chinese file's keys: this assignment checks it.
const english: MessageSchema = en

function initialLocale(): Locale {
  const stored = localStorage.getItem(storageKey)
  return stored === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en: english },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(storageKey, locale)
  document.documentElement.lang = locale
}
