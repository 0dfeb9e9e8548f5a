/**
 * Timers that never keep a process alive, on web-standard `setTimeout`.
 *
 * @module
 */

/** A handle whose runtime may support `unref()` (Node and Bun return such objects). */
interface MaybeUnref {
  unref?: () => unknown
}

/** Deno's global, which unrefs numeric timer ids instead. */
interface MaybeDeno {
  Deno?: { unrefTimer?: (id: number) => void }
}

function hasUnref(handle: unknown): handle is MaybeUnref {
  return typeof handle === 'object' && handle !== null && 'unref' in handle
}

/**
 * `setTimeout` that does not hold the event loop open: a lease's expiry alarm must not stop a process from
 * exiting once its real work is done.
 */
export function unrefTimeout(callback: () => void, delayMs: number): ReturnType<typeof setTimeout> {
  const handle = setTimeout(callback, Math.max(0, delayMs))
  if (hasUnref(handle)) handle.unref?.()
  else if (typeof handle === 'number') (globalThis as MaybeDeno).Deno?.unrefTimer?.(handle)
  return handle
}
