// The image's health check (Dockerfile HEALTHCHECK and the compose files): slim images have no HTTP client, so
// a few lines of Node with its built-in fetch. `node /app/healthcheck.mjs 9000` passes when every listed port answers
// 200 on /healthz. Without arguments it checks WEBHOOK_PORT and BOT_PORT and passes when at least one answers
// 200 and the other answers 200 or is closed, so it suits every `--role`. Plain JavaScript with no imports:
// it runs as is in the image, where nothing is compiled.
const explicit = process.argv.slice(2)
const ports =
  explicit.length > 0 ? explicit : [process.env.WEBHOOK_PORT || '9000', process.env.BOT_PORT || '9001']
const states = await Promise.all(
  ports.map((port) =>
    fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) }).then(
      (response) => (response.ok ? 'up' : `failing ${response.status}`),
      (error) => (error.name === 'TimeoutError' ? 'timed out' : 'closed'),
    ),
  ),
)
console.log(ports.map((port, index) => `${port} ${states[index]}`).join(', '))
const healthy =
  explicit.length > 0
    ? states.every((state) => state === 'up')
    : states.includes('up') && states.every((state) => state === 'up' || state === 'closed')
process.exit(healthy ? 0 : 1)
