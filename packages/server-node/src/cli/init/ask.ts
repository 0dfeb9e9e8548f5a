/**
 * Asking until an answer is right: each one is checked (format, then Telegram or KeyCRM) as it is given.
 *
 * @module
 */
import * as v from 'valibot'
import type { InitOptions } from './types.ts'

/** The first problem of `value` against a config field's schema, worded after `name`. */
export function problemOf(schema: v.GenericSchema, value: string, name: string): string | null {
  const result = v.safeParse(schema, value)
  return result.success ? null : `${name} ${result.issues[0].message}`
}

/** Where an answer may already be: a flag (final) or the `.env` of an earlier run (asked again if wrong). */
export interface Given {
  flag?: string | undefined
  saved?: string | undefined
}

/** Asks until `check` finds no problem; a flag's value, or any answer of a run without a terminal, gets one try. */
export async function valid(
  options: InitOptions,
  given: Given,
  ask: () => Promise<string>,
  check: (value: string) => Promise<string | null>,
): Promise<string> {
  let value = given.flag ?? given.saved ?? (await ask())
  for (;;) {
    const problem = await check(value)
    if (problem === null) return value
    if (!options.interactive || given.flag !== undefined) throw new Error(problem)
    options.print(`✖ ${problem}`)
    value = await ask()
  }
}
