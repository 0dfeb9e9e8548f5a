import type { ServerResponse } from 'node:http'
import { describe, expect, it, vi } from 'vitest'
import { createReplyBatch } from '../src/http/reply-batch.ts'

/** Stands in for a response: the batch only hands it to `write` or destroys it. */
function response(name: string) {
  const destroy = vi.fn()
  return { res: { name, destroy } as unknown as ServerResponse, destroy }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('createReplyBatch', () => {
  it('writes the replies queued in one turn together, in order, once the turn is over', async () => {
    const written: string[] = []
    const queue = createReplyBatch<string>((res, reply) => {
      written.push(`${(res as unknown as { name: string }).name}:${reply}`)
    })
    queue(response('a').res, '1')
    queue(response('b').res, '2')
    await Promise.resolve()
    expect(written).toEqual([])
    await nextTurn()
    expect(written).toEqual(['a:1', 'b:2'])
    // A later turn is a batch of its own.
    queue(response('c').res, '3')
    await nextTurn()
    expect(written).toEqual(['a:1', 'b:2', 'c:3'])
  })

  it('destroys a response whose write throws and still writes the others', async () => {
    const written: string[] = []
    const broken = new Error('write after end')
    const queue = createReplyBatch<string>((_res, reply) => {
      if (reply === 'bad') throw broken
      written.push(reply)
    })
    const bad = response('bad')
    queue(response('x').res, 'first')
    queue(bad.res, 'bad')
    queue(response('y').res, 'last')
    await nextTurn()
    expect(written).toEqual(['first', 'last'])
    expect(bad.destroy).toHaveBeenCalledWith(broken)
  })
})
