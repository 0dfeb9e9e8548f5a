/**
 * Builds the documentation site (API generation included), serves the static output on 127.0.0.1 and
 * checks it in headless Chromium: the home page, a guide and an API page render, the local search finds
 * "409", and no page throws. Saves `test-artifacts/docs-home.png`.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium (or CHROMIUM_PATH): without it the test fails, never skips.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { visibleText } from '@keygram/core'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import cardUk from '../../packages/core/test/format/golden/card.uk.enriched.json' with { type: 'json' }
import { documentedPackages } from '../scripts/packages.ts'
import { type StaticServer, serveStatic } from './static-server.ts'

const run = promisify(execFile)
const docsDir = fileURLToPath(new URL('..', import.meta.url))
const distDir = fileURLToPath(new URL('../.vitepress/dist/', import.meta.url))
const artifactsDir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let buildOutput = ''
let site: StaticServer
let browser: Browser

/** Opens `path` in a fresh page and collects uncaught page errors. */
async function open(path: string): Promise<{ page: Page; errors: string[]; status: number | null }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  const response = await page.goto(`${site.url}${path}`, { waitUntil: 'networkidle' })
  return { page, errors, status: response?.status() ?? null }
}

beforeAll(async () => {
  // The same command as the root's `pnpm docs:build`: TypeDoc, then VitePress (which fails on dead links).
  // DOCS_TEST_PREBUILT=1 reuses the last build's output (for iterating on this file only).
  if (process.env.DOCS_TEST_PREBUILT === '1') {
    buildOutput = 'build complete (prebuilt)'
  } else {
    const { stdout, stderr } = await run('pnpm', ['run', 'build'], {
      cwd: docsDir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 64 * 1024 * 1024,
    })
    buildOutput = `${stdout}\n${stderr}`
  }
  site = await serveStatic(distDir)
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await site?.close()
})

describe('the documentation site', () => {
  it('builds with no dead links and documents every public package', async () => {
    expect(buildOutput).not.toMatch(/dead link/i)
    expect(buildOutput).toMatch(/build complete/i)
    const sidebar = JSON.parse(await readFile(`${docsDir}api/typedoc-sidebar.json`, 'utf8')) as {
      text: string
    }[]
    const documented = sidebar.map((item) => item.text)
    const packages = (await documentedPackages()).map((pkg) => pkg.name)
    expect(packages).toContain('@keygram/core')
    expect(documented).toEqual(expect.arrayContaining(packages))
  })

  it('renders the home page (screenshot in test-artifacts/docs-home.png)', async () => {
    const { page, errors, status } = await open('/')
    expect(status).toBe(200)
    await expect(page.locator('.VPHero .name').textContent()).resolves.toContain('Keygram')
    await expect(page.locator('.VPFeature').count()).resolves.toBeGreaterThanOrEqual(4)
    await mkdir(artifactsDir, { recursive: true })
    await page.screenshot({ path: `${artifactsDir}docs-home.png`, fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })

  it('renders a guide with its sidebar and an included, highlighted snippet', async () => {
    const { page, errors, status } = await open('/guide/routing-and-templates')
    expect(status).toBe(200)
    await expect(page.locator('main h1').textContent()).resolves.toContain('Routing and templates')
    await expect(page.locator('.VPSidebar a[href*="troubleshooting-409"]').count()).resolves.toBeGreaterThan(
      0,
    )
    // The rules snippet comes from docs/snippets/routes.ts, which the docs' tsconfig type-checks.
    const code = page.locator('div[class*="language-ts"] pre', { hasText: 'paymentStatuses' })
    await expect(code.count()).resolves.toBeGreaterThan(0)
    await expect(code.first().locator('span[style]').count()).resolves.toBeGreaterThan(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows a card, a summary and a notification as Telegram does on "Order cards" (screenshot)', async () => {
    const { page, errors, status } = await open('/guide/order-cards')
    expect(status).toBe(200)
    await expect(page.locator('.VPSidebar a[href*="order-cards"]').count()).resolves.toBeGreaterThan(0)
    const messages = page.locator('.tg-message')
    await expect(messages.count()).resolves.toBe(7)

    // The first card is the golden file, rendered: the same visible text, line breaks included.
    const card = messages.first()
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out (the bubble's CSS keeps line breaks) is the point
    const shown = await card.locator('.tg-text').innerText()
    expect(shown).toBe(visibleText(cardUk.text))
    const bold = card.locator('.tg-text b').first()
    await expect(bold.textContent()).resolves.toBe('Замовлення #23196')
    await expect(
      bold.evaluate((element) => Number(getComputedStyle(element).fontWeight)),
    ).resolves.toBeGreaterThanOrEqual(600)
    await expect(
      card
        .locator('.tg-text code')
        .first()
        .evaluate((element) => getComputedStyle(element).fontFamily),
    ).resolves.toMatch(/mono|menlo|consolas/i)
    await expect(
      card
        .locator('.tg-text a[href="https://novaposhta.ua/tracking/?cargo_number=20450000000000"]')
        .textContent(),
    ).resolves.toBe('20450000000000')
    await expect(card.locator('.tg-text a[href="tg://user?id=123456789"]').textContent()).resolves.toBe(
      'Олена Коваль',
    )

    // The inline keyboard's URL button sits under the bubble, as wide as a row.
    const button = card.locator('.tg-keyboard .tg-button')
    await expect(button.textContent()).resolves.toBe('Відкрити в KeyCRM')
    await expect(button.getAttribute('href')).resolves.toBe('https://myshop.keycrm.app/app/orders/view/23196')
    const bubbleBox = await card.locator('.tg-bubble').boundingBox()
    const buttonBox = await button.boundingBox()
    expect(buttonBox!.y).toBeGreaterThanOrEqual(bubbleBox!.y + bubbleBox!.height)

    // The summary: a bold, localized header and the orders grouped by status; no button.
    const summary = messages.filter({ hasText: '12 оновлень' })
    await expect(summary.locator('.tg-text > b').first().textContent()).resolves.toBe('12 оновлень')
    await expect(summary.locator('.tg-text').textContent()).resolves.toContain(
      '🚚 → В дорозі (8 · 11\u00a0555,50\u00a0₴): #7000201, #7000203',
    )
    await expect(summary.locator('.tg-keyboard').count()).resolves.toBe(0)

    // A comment arrives as a quote: a blockquote with Telegram's accent bar.
    const quote = messages.filter({ hasText: 'Коментар менеджера' }).locator('blockquote')
    await expect(quote.textContent()).resolves.toContain('містить дані отримувача')
    await expect(quote.evaluate((element) => getComputedStyle(element).borderLeftStyle)).resolves.toBe(
      'solid',
    )

    // The lead's TODO is a comment in the page source, never shown to readers.
    await expect(page.locator('main').textContent()).resolves.not.toContain('TODO')
    await mkdir(artifactsDir, { recursive: true })
    await page.screenshot({ path: `${artifactsDir}docs-order-cards.png`, fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows what a manager sees on the actions page: the card with its buttons, and the confirmation', async () => {
    const { page, errors, status } = await open('/guide/actions')
    expect(status).toBe(200)
    await expect(page.locator('.VPSidebar a[href*="/guide/actions"]').count()).resolves.toBeGreaterThan(0)
    const messages = page.locator('.tg-message')
    await expect(messages.count()).resolves.toBe(2)
    const buttons = (index: number) =>
      messages.nth(index).locator('.tg-keyboard .tg-button').allTextContents()
    await expect(buttons(0)).resolves.toEqual(['Completed', 'Canceled', 'Open in KeyCRM'])
    await expect(buttons(1)).resolves.toEqual(['Confirm «Canceled»?', '← Back', 'Open in KeyCRM'])
    await expect(page.locator('main h2', { hasText: 'Why it is safe' }).count()).resolves.toBe(1)
    await page.screenshot({ path: `${artifactsDir}docs-actions.png`, fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })

  it('renders the API reference and a function page generated from TSDoc', async () => {
    const { page, errors, status } = await open('/api/')
    expect(status).toBe(200)
    await expect(page.locator('main').textContent()).resolves.toContain('@keygram/core')
    expect(errors).toEqual([])

    // Follow the sidebar, as a reader would, to the page of createNotifier.
    const href = await page
      .locator('.VPSidebar a', { hasText: /^createNotifier$/ })
      .first()
      .getAttribute('href')
    expect(href).toBeTruthy()
    const fn = await open(href!)
    expect(fn.status).toBe(200)
    await expect(fn.page.locator('main h1').textContent()).resolves.toContain('createNotifier')
    // Its TSDoc, rendered: the summary and the example.
    await expect(fn.page.locator('main').textContent()).resolves.toContain('RouteConfigError')
    expect(fn.errors).toEqual([])
    await fn.page.close()
    await page.close()
  })

  it('finds "409" with the local search', async () => {
    const { page, errors } = await open('/')
    await page.locator('.VPNavBarSearch button').first().click()
    const input = page.locator('.VPLocalSearchBox input')
    await input.fill('409')
    const results = page.locator('.VPLocalSearchBox .result')
    await results.first().waitFor({ timeout: 10_000 })
    const targets = await results.evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''))
    expect(targets.some((target) => target.includes('/guide/troubleshooting-409'))).toBe(true)
    expect(errors).toEqual([])
    await page.close()
  })

  it('answers an unknown page with the 404 page', async () => {
    const { page, status } = await open('/guide/no-such-page')
    expect(status).toBe(404)
    await expect(page.locator('.NotFound').textContent()).resolves.toMatch(/not found/i)
    await page.close()
  })
})
