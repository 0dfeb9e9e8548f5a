/**
 * Bot API error answers, shaped and worded like Telegram's.
 *
 * @module
 */

/** Optional `parameters` of an error answer. */
export interface ResponseParameters {
  retry_after?: number
  migrate_to_chat_id?: number
}

/** An error answer: thrown by method handlers, turned into `{ok:false,error_code,description,parameters?}`. */
export class BotApiError extends Error {
  /** HTTP status and `error_code`. */
  readonly code: number
  /** Full description, e.g. "Bad Request: chat not found". */
  readonly description: string
  /** Extra parameters, e.g. `retry_after`. */
  readonly parameters: ResponseParameters | undefined

  constructor(code: number, description: string, parameters?: ResponseParameters) {
    super(description)
    this.name = 'BotApiError'
    this.code = code
    this.description = description
    this.parameters = parameters
  }
}

/** 400 with Telegram's "Bad Request: " prefix. */
export const badRequest = (message: string, parameters?: ResponseParameters): BotApiError =>
  new BotApiError(400, `Bad Request: ${message}`, parameters)

/** 429 "Too Many Requests: retry after N" with `parameters.retry_after`. */
export const tooManyRequests = (retryAfter: number): BotApiError =>
  new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter })

/** Telegram's default description for an HTTP status the fake is asked to answer. */
export function defaultDescription(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request'
    case 401:
      return 'Unauthorized'
    case 403:
      return 'Forbidden'
    case 404:
      return 'Not Found'
    case 409:
      return 'Conflict'
    case 429:
      return 'Too Many Requests: retry after 1'
    case 500:
      return 'Internal Server Error'
    case 502:
      return 'Bad Gateway'
    case 503:
      return 'Service Unavailable'
    case 504:
      return 'Gateway Timeout'
    default:
      return `Error ${status}`
  }
}

/** The JSON body of an error answer. */
export function errorBody(error: BotApiError): Record<string, unknown> {
  return {
    ok: false,
    error_code: error.code,
    description: error.description,
    ...(error.parameters === undefined ? {} : { parameters: error.parameters }),
  }
}
