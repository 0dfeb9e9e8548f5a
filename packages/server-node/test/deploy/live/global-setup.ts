/**
 * Once per `pnpm test:compose`: checks that Docker answers (a missing Docker fails the run, it never skips),
 * makes the images, and at the end prints every variant's numbers together.
 */
import { mergeResults } from '../../../../../bench/lib/results.ts'
import { COMPOSE, docker, run } from './docker.ts'
import { IMAGES, prepareImages } from './images.ts'
import { clearSections, loadSections, mib, saveSection } from './report.ts'

export async function setup(): Promise<void> {
  clearSections()
  const engine = (await docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim()
  const [command = 'docker-compose', ...prefix] = COMPOSE
  const compose = (await run(command, [...prefix, 'version', '--short'])).stdout.trim()
  const started = Date.now()
  const sizes = await prepareImages()
  saveSection('image', {
    engine,
    compose,
    name: IMAGES.keygram,
    size_mb: mib(sizes.image),
    base_size_mb: mib(sizes.base),
    keygram_layers_mb: mib(sizes.image - sizes.base),
    images_ready_ms: Date.now() - started,
  })
}

export async function teardown(): Promise<void> {
  const sections = loadSections()
  console.info(`\nDeployment numbers (test-artifacts/compose/):\n${JSON.stringify(sections, null, 2)}`)
  if (process.env.KEYGRAM_COMPOSE_RECORD === '1') {
    await mergeResults({ deployment: sections })
    console.info('bench/results.json updated under "deployment"')
  }
}
