// The console's messages (zh-CN first, en), merged into the app's i18n when the console's
// routes load. They live beside the console rather than in src/locales so that the customer
// app's first load does not carry them (i18n.ts bundles those files whole into the entry).
import { i18n } from '../i18n'
import en from './locales/en.json'
import zhCN from './locales/zh-CN.json'

// The English file must have exactly the Chinese file's keys: this assignment checks it.
const english: typeof zhCN = en

export function addStaffMessages(): void {
  i18n.global.mergeLocaleMessage('zh-CN', zhCN)
  i18n.global.mergeLocaleMessage('en', english)
}
