/**
 * The home page's hero and features. They live here rather than in `index.md` front matter because the
 * workspace's Markdown formatter (Biome) does not know front matter and would reflow it.
 */
export const homeFrontmatter = {
  layout: 'home',
  hero: {
    name: 'Keygram',
    text: 'KeyCRM webhooks to Telegram, never lost, never twice',
    tagline:
      'Typed, tested TypeScript packages and a ready server that turn KeyCRM order, payment and lead changes into Telegram notifications.',
    actions: [
      { theme: 'brand', text: 'Get started', link: '/guide/getting-started' },
      { theme: 'alt', text: 'Troubleshooting 409 conflicts', link: '/guide/troubleshooting-409' },
      { theme: 'alt', text: 'API reference', link: '/api/' },
    ],
  },
  features: [
    {
      title: 'Never lost, never twice',
      details:
        'A webhook is answered only once it is durably queued; redeliveries of the same change are suppressed; the worker retries, honours retry_after and dead-letters with a reason.',
      link: '/guide/delivery',
    },
    {
      title: 'One poller per bot token',
      details:
        'A single-instance guard with fencing tokens ends "Conflict: terminated by other getUpdates request" crash loops across restarts and replicas.',
      link: '/guide/troubleshooting-409',
    },
    {
      title: 'Safe Telegram HTML',
      details:
        "Messages are built with an escaping builder, checked against Telegram's HTML subset and split at its 4096-character limit; templates cannot inject markup.",
      link: '/guide/routing-and-templates',
    },
    {
      title: 'Runs anywhere',
      details:
        'The core uses web standards only (Node, Deno, Bun). Keep the queue in memory, in one SQLite file, or in Redis for several replicas.',
      link: '/guide/stores',
    },
  ],
}
