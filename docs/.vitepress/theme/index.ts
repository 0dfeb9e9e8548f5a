/**
 * The site's theme: VitePress' default theme plus `<TelegramMessage>`, which shows a Telegram message the
 * way the apps do (see `docs/guide/order-cards.md`).
 */
import type { Theme } from 'vitepress'
import DefaultTheme from 'vitepress/theme'
import TelegramMessage from './TelegramMessage.vue'
import './telegram.css'

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('TelegramMessage', TelegramMessage)
  },
} satisfies Theme
