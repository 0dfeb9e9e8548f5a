import { start } from '../grammy-bot/keygram.ts'
import { describeBotExample } from './bot-example-suite.ts'

describeBotExample('grammy-bot', start)
