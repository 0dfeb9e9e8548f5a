import { describe, expect, it } from 'vitest'
import { createKeygramMetrics } from '../src/metrics/index.ts'
import { createDeliveryEventHandler } from '../src/server/delivery-log.ts'
import { captureLogger, type LogLine } from './helpers/capture-logger.ts'

describe('the delivery log during a store outage', () => {
  it('logs a repeating worker error once, then one line when a delivery goes through again', () => {
    const { logger, lines } = captureLogger([], 'info')
    const onEvent = createDeliveryEventHandler({
      logger,
      metrics: createKeygramMetrics({ processMetrics: false }),
      redact: (text) => text,
    })
    for (let attempt = 0; attempt < 50; attempt++) {
      onEvent({ type: 'error', error: 'claim failed: connect ECONNREFUSED 127.0.0.1:6390' })
    }
    onEvent({ type: 'error', error: 'settle failed for chat 42: database or disk is full' })
    onEvent({ type: 'error', error: 'settle failed for chat 43: database or disk is full' })
    onEvent({
      type: 'sent',
      chatId: '42',
      jobIds: ['j'],
      deliveryKeys: ['order:1:status:3:x'],
      messageIds: [1],
      latencyMs: 5,
    } as never)
    const messages = lines.map((line) => (JSON.parse(line) as LogLine).msg)
    expect(messages.slice(0, 3)).toEqual([
      'delivery worker: claim failed: connect ECONNREFUSED 127.0.0.1:6390',
      'delivery worker: settle failed for chat 42: database or disk is full',
      expect.stringMatching(/^delivery worker: delivering again after \d+ s; 52 error\(s\) meanwhile$/),
    ])
  })
})
