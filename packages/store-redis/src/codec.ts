/**
 * Turns the job hashes the scripts return (flat field/value lists) back into typed jobs.
 *
 * @module
 */
import { type DeadJob, decodeJobPayload, type QueuedJob } from '@keygram/core'

/** Reads a flat `[field, value, field, value, ...]` list, as `HGETALL` returns it inside Lua. */
export function fieldsToRecord(fields: readonly string[]): Map<string, string> {
  const record = new Map<string, string>()
  for (let i = 0; i + 1 < fields.length; i += 2) record.set(fields[i]!, fields[i + 1]!)
  return record
}

function text(record: Map<string, string>, field: string): string {
  const value = record.get(field)
  if (value === undefined) throw new Error(`Keygram Redis store: job hash lacks field "${field}"`)
  return value
}

function number(record: Map<string, string>, field: string): number {
  return Number(text(record, field))
}

/** Decodes a queued job's hash. */
export function decodeJob(fields: readonly string[]): QueuedJob {
  const record = fieldsToRecord(fields)
  const threadId = record.get('threadId')
  const { message, render, summary } = decodeJobPayload(text(record, 'message'))
  const job: QueuedJob = {
    id: text(record, 'id'),
    chatId: text(record, 'chatId'),
    message,
    summaryLine: text(record, 'summaryLine'),
    deliveryKey: text(record, 'deliveryKey'),
    sequence: number(record, 'sequence'),
    attempts: number(record, 'attempts'),
    notBefore: number(record, 'notBefore'),
    createdAt: number(record, 'createdAt'),
    lastError: record.get('lastError') ?? null,
  }
  if (threadId) job.threadId = Number(threadId)
  if (render !== undefined) job.render = render
  if (record.get('low') === '1') job.priority = 'low'
  if (summary !== undefined) job.summary = summary
  return job
}

/** Decodes a dead job's hash. */
export function decodeDeadJob(fields: readonly string[]): DeadJob {
  const record = fieldsToRecord(fields)
  return { ...decodeJob(fields), reason: text(record, 'reason'), deadAt: number(record, 'deadAt') }
}
