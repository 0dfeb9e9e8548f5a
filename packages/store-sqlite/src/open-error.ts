/**
 * Why a database file cannot be opened, in words: SQLite says only "unable to open database file", with
 * neither the path nor the reason.
 *
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { sqliteErrorCode } from './driver.ts'

/** Thrown by `sqliteStore()` when its file cannot be opened; the message names the path and the cause. */
export class SqliteOpenError extends Error {
  override readonly name = 'SqliteOpenError'
  /** The file, as configured. */
  readonly path: string

  constructor(path: string, cause: unknown) {
    super(`cannot open the SQLite database ${path}: ${reasonOf(path, cause)}`, { cause })
    this.path = path
  }
}

const who = () =>
  process.getuid === undefined ? 'this process' : `this process (user id ${process.getuid()})`

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** The likeliest reason, found by looking at the file and its folder. */
function reasonOf(path: string, error: unknown): string {
  const { message, path: failedPath } = error as { message?: string; path?: string }
  const code = sqliteErrorCode(error) ?? (error as { code?: string }).code
  const folder = dirname(resolve(path))
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `${who()} may not create the folder ${failedPath ?? folder}`
    case 'ENOTDIR':
    case 'EEXIST':
      return `${failedPath ?? folder} is a file where a folder is needed`
    case 'SQLITE_NOTADB':
      return "the file is not a SQLite database (another program's file at this path?)"
    case 'SQLITE_READONLY':
      return `the file is read-only for ${who()}`
    case 'SQLITE_CANTOPEN': {
      const stat = statSync(path, { throwIfNoEntry: false })
      if (stat?.isDirectory()) return 'it is a folder, not a file'
      if (stat !== undefined && !canWrite(path)) return `the file is not readable and writable by ${who()}`
      if (stat === undefined && !canWrite(folder)) return `the folder ${folder} is not writable by ${who()}`
      return message ?? 'unable to open database file'
    }
    default:
      return message ?? String(error)
  }
}
