// Test-only preload for the soak's server process (needs --expose-gc). On SIGUSR2 it runs two full garbage
// collections, waits for V8 to hand the freed pages back, and writes `process.memoryUsage()` as JSON to
// $KEYGRAM_SOAK_MEMORY_FILE, so the test can read what the process retains instead of the garbage between
// collections.
import { writeFileSync } from 'node:fs'

let sequence = 0
process.on('SIGUSR2', () => {
  globalThis.gc?.()
  globalThis.gc?.()
  const file = process.env.KEYGRAM_SOAK_MEMORY_FILE
  if (!file) return
  const current = ++sequence
  setTimeout(() => writeFileSync(file, JSON.stringify({ sequence: current, ...process.memoryUsage() })), 300)
})
