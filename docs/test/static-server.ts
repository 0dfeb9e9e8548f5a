/**
 * A tiny static file server for the built site, the way a static host serves VitePress with `cleanUrls`:
 * `/guide/x` is `guide/x.html`, `/api/` is `api/index.html`, anything else is the site's `404.html` with
 * status 404.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** A running static server. */
export interface StaticServer {
  /** E.g. `http://127.0.0.1:41234`, no trailing slash. */
  url: string
  close(): Promise<void>
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** The file a URL path maps to under `root`, or `null`. Paths escaping `root` map to nothing. */
async function resolveFile(root: string, pathname: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  const base = normalize(join(root, decoded))
  if (base !== root && !base.startsWith(root + sep)) return null
  const candidates = decoded.endsWith('/')
    ? [join(base, 'index.html')]
    : [base, `${base}.html`, join(base, 'index.html')]
  for (const candidate of candidates) if (await isFile(candidate)) return candidate
  return null
}

/** Serves `root` on 127.0.0.1 at a free port. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const normalizedRoot = resolve(root)
  const server: Server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost')
    const file = await resolveFile(normalizedRoot, pathname)
    const target = file ?? join(normalizedRoot, '404.html')
    response.statusCode = file === null ? 404 : 200
    response.setHeader('content-type', contentTypes[extname(target)] ?? 'application/octet-stream')
    createReadStream(target)
      .on('error', () => response.end())
      .pipe(response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
