/**
 * KeyCRM's error answers: the status and the JSON body its API (a Laravel application) sends with it.
 *
 * @module
 */

/** An error answer, thrown by route handlers and turned into the reply. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? status))
  }
}

/** 404 with KeyCRM's message for what was not found. */
export const notFound = (message = 'Not found'): HttpError => new HttpError(404, { message })

/** 422 in Laravel's validation shape: the first message on top, every message under its field. */
export const validationError = (field: string, message: string): HttpError =>
  new HttpError(422, { message, errors: { [field]: [message] } })

/** The body KeyCRM sends with an error status when nothing more specific applies. */
export function errorBody(status: number): Record<string, unknown> {
  switch (status) {
    case 401:
      return { message: 'Unauthenticated.' }
    case 404:
      return { message: 'Not found' }
    case 422:
      return { message: 'The given data was invalid.', errors: {} }
    case 429:
      return { message: 'Too Many Attempts.' }
    default:
      return { message: 'Server Error' }
  }
}
