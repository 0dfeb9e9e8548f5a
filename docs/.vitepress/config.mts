import { existsSync, readFileSync } from 'node:fs'
import { type DefaultTheme, defineConfig } from 'vitepress'
import { homeFrontmatter } from './home.ts'

// Written by `pnpm docs:api` (TypeDoc + typedoc-vitepress-theme) next to the generated pages.
const apiSidebarFile = new URL('../api/typedoc-sidebar.json', import.meta.url)

/** The API sidebar TypeDoc generated, or nothing yet (the dev server starts before a first generation). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  if (!existsSync(apiSidebarFile)) return []
  const items = JSON.parse(readFileSync(apiSidebarFile, 'utf8')) as DefaultTheme.SidebarItem[]
  return [{ text: 'API reference', link: '/api/', items }]
}

const guideSidebar: DefaultTheme.SidebarItem[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Go live in 15 minutes', link: '/guide/go-live' },
    ],
  },
  {
    text: 'Guides',
    items: [
      { text: 'Routing and templates', link: '/guide/routing-and-templates' },
      { text: 'Order cards', link: '/guide/order-cards' },
      { text: 'Actions on cards', link: '/guide/actions' },
      { text: 'The delivery engine', link: '/guide/delivery' },
      { text: 'Stores', link: '/guide/stores' },
      { text: 'Digests', link: '/guide/digests' },
      { text: 'Troubleshooting 409 conflicts', link: '/guide/troubleshooting-409' },
      { text: 'Embedding in a grammY bot', link: '/guide/grammy' },
      { text: 'Embedding in a Telegraf bot', link: '/guide/telegraf' },
      { text: 'Deploying with docker-compose', link: '/guide/docker-compose' },
      { text: 'Testing with @keygram/testing', link: '/guide/testing' },
      { text: 'Benchmarks and reliability', link: '/guide/benchmarks' },
      { text: 'Runtimes, versions and JSR', link: '/guide/runtimes' },
    ],
  },
]

export default defineConfig({
  title: 'Keygram',
  description: 'KeyCRM webhooks to Telegram notifications: typed, tested TypeScript packages and a server.',
  lang: 'en-US',
  cleanUrls: true,
  // Dead links fail the build (VitePress' default); spelled out so nobody turns it off by accident.
  ignoreDeadLinks: false,
  srcExclude: ['README.md', 'snippets/**', 'test/**', 'scripts/**'],
  transformPageData(pageData) {
    if (pageData.relativePath === 'index.md')
      pageData.frontmatter = { ...pageData.frontmatter, ...homeFrontmatter }
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '^/guide/' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
    ],
    sidebar: {
      '/guide/': guideSidebar,
      '/api/': apiSidebar(),
    },
    search: { provider: 'local' },
    outline: 'deep',
    socialLinks: [{ icon: 'github', link: 'https://github.com/keygram/keygram' }],
    footer: { message: 'Released under the MIT License.' },
  },
})
