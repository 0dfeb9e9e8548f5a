import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ChildConfig } from '../../src/adapter-suite/child-poller.ts'
import {
  childExecArgv,
  childPollerEntry,
  harnessModuleUrl,
  spawnPollingChild,
} from '../../src/adapter-suite/processes.ts'

describe('the polling child entry', () => {
  it('is the TypeScript source next to the suite when running from the workspace, started through tsx', () => {
    const entry = childPollerEntry()
    expect(entry).toMatch(/src[\\/]adapter-suite[\\/]child-poller\.ts$/)
    const argv = childExecArgv(entry, ['--trace-warnings'])
    expect(argv[0]).toBe('--import')
    expect(argv[1]).toMatch(/^file:.*\/tsx\//)
    expect(argv.slice(2)).toEqual(['--trace-warnings'])
  })

  it('needs no tsx when built (the published package): only the caller flags', () => {
    expect(childExecArgv('/somewhere/node_modules/@keygram/testing/dist/child-poller.mjs')).toEqual([])
    expect(childExecArgv('/x/dist/child-poller.mjs', ['--import', 'tsx'])).toEqual(['--import', 'tsx'])
  })
})

describe('harnessModuleUrl', () => {
  it('takes an absolute path, a file: URL string or a URL', () => {
    const path = join(tmpdir(), 'my harness.mjs')
    const url = pathToFileURL(path)
    expect(harnessModuleUrl(path)).toBe(url.href)
    expect(harnessModuleUrl(url)).toBe(url.href)
    expect(harnessModuleUrl(url.href)).toBe(url.href)
  })

  it('refuses a relative path, which would resolve against whatever cwd the child gets', () => {
    expect(() => harnessModuleUrl('./harness.mjs')).toThrow(TypeError)
  })
})

describe('a polling child given a module that is no harness', () => {
  it('exits before "ready", naming the module or export and what it lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygram-child-'))
    const module = pathToFileURL(join(dir, 'not-a-harness.mjs')).href
    writeFileSync(new URL(module), 'export const createBot = () => {}\n')
    const failureOf = async (harness: ChildConfig['harness']): Promise<string> => {
      const child = spawnPollingChild({
        harness,
        store: { kind: 'sqlite', path: join(dir, 'keygram.db') },
        apiRoot: 'http://127.0.0.1:9',
        token: '1:x',
        holder: 'h',
        ttlMs: 1000,
        standbyRetryMs: 100,
        timeoutSeconds: 1,
        handledLog: join(dir, 'handled'),
      })
      const { code } = await child.exited
      expect(code).not.toBe(0)
      expect(child.events).toEqual([])
      return child.stderr()
    }
    try {
      expect(await failureOf({ url: module })).toContain(
        `${module} is not a process harness: no startPolling, sqliteStore, redisStore`,
      )
      expect(await failureOf({ url: module, exportName: 'harness' })).toContain(
        `export "harness" of ${module} is not a process harness: no createBot, startPolling`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
