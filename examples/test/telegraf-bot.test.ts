import { start } from '../telegraf-bot/keygram.ts'
import { describeBotExample } from './bot-example-suite.ts'

describeBotExample('telegraf-bot', start)
