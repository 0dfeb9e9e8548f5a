/**
 * Turning raw inputs (environment variables and the config file's export) into a validated
 * {@link KeygramConfig}, collecting one clear message per problem.
 *
 * @module
 */
import type { FormatOptions, RouteRule } from '@keygram/core'
import * as v from 'valibot'
import { ConfigError } from './errors.ts'
import { isPlainObject } from './fields.ts'
import { describeIssues } from './problems.ts'
import { CONFIG_FIELDS, type ConfigFields, configSchema, fileSchema } from './schema.ts'
import { ENV_NAMES, type EnvRecord, type MergedInput, mergeSources } from './sources.ts'
import { strayVariables } from './stray-variables.ts'
import type { ConfigValueSource, KeygramConfig } from './types.ts'

export type { EnvRecord } from './sources.ts'

/** Context of {@link resolveConfig}. */
export interface ResolveConfigContext {
  /** How the config file is named in messages, e.g. `keygram.config.ts`. */
  configFileLabel?: string
  /** The config file's path, reported back in {@link KeygramConfig.configFile}. */
  configFile?: string | null
  /** Whether stdout is a terminal (the default log format depends on it). */
  isTTY?: boolean
  /** The variables of `env` that came from the `.env` file rather than the real environment. */
  dotenvNames?: ReadonlySet<string>
}

/** The secret used when demo mode runs without one; never accepted once a bot token is set. */
export const DEMO_WEBHOOK_SECRET = 'keygram-demo-secret'

/**
 * Validates the merged inputs. Environment variables win over the config file, field by field; empty
 * variables count as unset.
 *
 * @throws {ConfigError} listing every problem.
 */
export function resolveConfig(
  fileConfig: unknown,
  env: EnvRecord,
  context: ResolveConfigContext = {},
): KeygramConfig {
  const fileLabel = context.configFileLabel ?? 'keygram.config'
  const file =
    fileConfig === undefined || fileConfig === null ? undefined : v.safeParse(fileSchema, fileConfig)
  // Unknown options are reported, and the known ones checked all the same.
  const merged = mergeSources(isPlainObject(fileConfig) ? fileConfig : {}, env)
  const { values, fromFile } = merged
  const parsed = v.safeParse(configSchema(fileLabel), values)
  const issues = [...(file?.issues ?? []), ...(parsed.issues ?? [])]
  if (issues.length > 0 || !parsed.success) {
    throw new ConfigError(describeIssues(issues, { fileLabel, fromFile, fields: CONFIG_FIELDS }))
  }
  const dotenvNames = context.dotenvNames ?? new Set<string>()
  return {
    ...toKeygramConfig(parsed.output, context),
    sources: valueSources(merged, dotenvNames),
    strayVariables: strayVariables(env, dotenvNames),
  }
}

/** Where each set field came from, named by its variable (or, from the file, by the field). */
function valueSources(merged: MergedInput, dotenvNames: ReadonlySet<string>): ConfigValueSource[] {
  return CONFIG_FIELDS.filter((field) => merged.values[field] !== undefined).map((field) => {
    if (merged.fromFile.has(field)) return { name: field, from: 'config file' }
    const name = ENV_NAMES[field as keyof typeof ENV_NAMES]
    return { name, from: dotenvNames.has(name) ? '.env' : 'environment' }
  })
}

/** Applies the defaults that depend on other fields or on the context. */
function toKeygramConfig(
  fields: ConfigFields,
  context: ResolveConfigContext,
): Omit<KeygramConfig, 'sources' | 'strayVariables'> {
  const demo = fields.botToken === undefined
  const defaultChatId = fields.chatId ?? null
  const routes: RouteRule[] = [
    ...(defaultChatId === null ? [] : [{ chatId: defaultChatId }]),
    ...(fields.routes ?? []),
  ]
  const format: FormatOptions = { ...fields.format, locale: fields.locale }
  if (fields.currency !== undefined) format.currency = fields.currency
  if (fields.timeZone !== undefined) format.timeZone = fields.timeZone
  if (fields.keycrmDomain !== undefined) format.keycrmDomain = fields.keycrmDomain
  const digestDefaults = {
    timeZone: fields.timeZone ?? 'Europe/Kyiv',
    locale: fields.locale,
    currency: fields.currency ?? 'UAH',
  }
  const stockRules = fields.stockRules ?? []
  return {
    botToken: fields.botToken ?? null,
    demo,
    // Without a token the secret is optional (demo mode); with one, the schema requires it.
    webhookSecret: fields.webhookSecret ?? DEMO_WEBHOOK_SECRET,
    demoSecret: fields.webhookSecret === undefined,
    routes,
    defaultChatId,
    admins: fields.admins,
    format,
    keycrm: {
      apiKey: fields.keycrmApiKey ?? null,
      domain: fields.keycrmDomain ?? null,
      apiUrl: fields.keycrmApiUrl,
      budgetMs: fields.keycrmBudgetMs,
    },
    digests: (fields.digests ?? []).map((schedule) => ({ ...digestDefaults, ...schedule })),
    store: fields.store,
    telegramApiRoot: fields.telegramApiRoot,
    webhookPort: fields.webhookPort,
    botPort: fields.botPort,
    host: fields.host,
    framework: fields.framework,
    limits: {
      ...fields.limits,
      ...(fields.rateLimit === undefined ? {} : { globalPerSecond: fields.rateLimit }),
    },
    maxBodyBytes: fields.maxBodyBytes,
    stock: {
      rules:
        fields.stockLow === undefined
          ? stockRules
          : [
              { low: fields.stockLow, chats: defaultChatId === null ? [] : [{ chatId: defaultChatId }] },
              ...stockRules,
            ],
      low: fields.stockLow ?? null,
      maxBodyBytes: fields.maxStockBodyBytes,
    },
    cards: { enabled: fields.cards, editWindowMs: fields.cardEditWindowDays * 86_400_000 },
    actions: {
      rules: fields.actions ?? [],
      secret: fields.actionsSecret ?? fields.webhookSecret ?? DEMO_WEBHOOK_SECRET,
    },
    conflictGraceMs: fields.conflictGraceSeconds * 1000,
    botStartGraceMs: fields.botStartGraceSeconds * 1000,
    domain: fields.domain ?? null,
    url: fields.url ?? `http://127.0.0.1:${fields.webhookPort === 0 ? 9000 : fields.webhookPort}`,
    log: { format: fields.logFormat ?? (context.isTTY ? 'pretty' : 'json'), level: fields.logLevel },
    configFile: context.configFile ?? null,
  }
}
