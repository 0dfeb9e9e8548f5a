/**
 * Attempts belong to each job: when a send that carried several jobs (a burst summary) fails, only the
 * jobs that have used up their own attempts are dead-lettered; the others are retried.
 *
 * @module
 */
import type { QueuedJob } from './types.ts'

/** The jobs of a failed attempt, split by whether this failure was their last allowed one. */
export interface AttemptSplit {
  /** Failed `maxAttempts` times with this one: dead-lettered as `retries_exhausted`. */
  exhausted: QueuedJob[]
  /** Still have attempts left: retried. */
  retrying: QueuedJob[]
  /** The attempt number this failure is for the retried job that has failed most (for the back-off), or 0. */
  attemptNumber: number
}

/** Splits the jobs of a failed attempt by their own attempt counts. */
export function splitByAttempts(jobs: readonly QueuedJob[], maxAttempts: number): AttemptSplit {
  const exhausted: QueuedJob[] = []
  const retrying: QueuedJob[] = []
  for (const job of jobs) (job.attempts + 1 >= maxAttempts ? exhausted : retrying).push(job)
  const attemptNumber = retrying.length === 0 ? 0 : Math.max(...retrying.map((job) => job.attempts)) + 1
  return { exhausted, retrying, attemptNumber }
}
