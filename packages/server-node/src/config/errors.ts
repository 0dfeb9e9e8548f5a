/**
 * The configuration error: every problem found, one line each.
 *
 * @module
 */

/** Thrown before any port opens when the configuration is invalid. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** One sentence per problem, each naming the variable or config field, never a secret value. */
  readonly problems: readonly string[]

  /** Builds the error from the problems found. */
  constructor(problems: readonly string[]) {
    super(
      `Invalid Keygram configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((problem) => `  - ${problem}`)
        .join('\n')}`,
    )
    this.problems = problems
  }
}
