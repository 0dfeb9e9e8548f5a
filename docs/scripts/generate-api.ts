/**
 * Generates the API reference (`docs/api/**` and its VitePress sidebar) from the TSDoc of every published
 * package's `src/index.ts`, with TypeDoc, typedoc-plugin-markdown and typedoc-vitepress-theme.
 *
 * Packages are discovered, not listed: a new `packages/<name>` with a public `package.json` and a
 * `src/index.ts` appears in the reference on the next build.
 *
 * Run from anywhere: `pnpm docs:api` (root) or `pnpm run api` (in `docs/`).
 */
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import {
  Application,
  type CommentDisplayPart,
  Converter,
  type DeclarationReflection,
  LogLevel,
  type ProjectReflection,
  ReflectionKind,
} from 'typedoc'
import { type DocumentedPackage, documentedPackages, packagesDir } from './packages.ts'

const docsDir = fileURLToPath(new URL('..', import.meta.url))
const outDir = fileURLToPath(new URL('../api/', import.meta.url))
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * TypeDoc names a module after its path (`core/src`); the reference names it after its package, so the
 * sidebar and the page titles say `@keygram/core`.
 */
function renameModules(
  modules: readonly DeclarationReflection[],
  packages: readonly DocumentedPackage[],
): void {
  for (const module of modules) {
    const fileName = module.sources?.[0]?.fullFileName ?? ''
    const pkg = packages.find((candidate) => fileName === candidate.entryPoint)
    if (pkg) module.name = pkg.name
  }
}

/**
 * The sources write JSDoc-style `@throws {RouteConfigError} when...`. TypeDoc keeps the `{Type}` apart as a
 * type annotation, which the markdown theme does not print; put it back at the start of the text, as a link
 * when the type is documented here.
 */
function keepThrowsTypes(project: ProjectReflection): void {
  const documented = new Set(
    project.getReflectionsByKind(ReflectionKind.All).map((reflection) => reflection.name),
  )
  for (const reflection of project.getReflectionsByKind(ReflectionKind.All)) {
    for (const tag of reflection.comment?.blockTags ?? []) {
      const type = tag.typeAnnotation?.replace(/^\{\s*|\s*\}$/g, '')
      if (tag.tag !== '@throws' || !type) continue
      const name: CommentDisplayPart = documented.has(type)
        ? { kind: 'inline-tag', tag: '@link', text: type }
        : { kind: 'code', text: `\`${type}\`` }
      tag.content.unshift(name, { kind: 'text', text: ' ' })
      tag.typeAnnotation = undefined
    }
  }
}

async function main(): Promise<void> {
  const packages = await documentedPackages()
  if (packages.length === 0) throw new Error(`no packages with src/index.ts under ${packagesDir}`)
  await rm(outDir, { recursive: true, force: true })

  const app = await Application.bootstrapWithPlugins({
    name: 'Keygram API',
    entryPoints: packages.map((pkg) => pkg.entryPoint),
    entryPointStrategy: 'resolve',
    tsconfig: fileURLToPath(new URL('../tsconfig.api.json', import.meta.url)),
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    out: outDir,
    readme: 'none',
    // Source links point at the repository on GitHub, whatever the local clone's remotes are.
    disableGit: true,
    basePath: repoRoot,
    displayBasePath: repoRoot,
    sourceLinkTemplate: 'https://github.com/keygram/keygram/blob/main/{path}#L{line}',
    preservedTypeAnnotationTags: ['@throws'],
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    sort: ['kind', 'alphabetical'],
    logLevel: LogLevel.Warn,
    // The packages' own tsconfig settings apply; a type error there is their tests' job, not the docs'.
    skipErrorChecking: true,
    // typedoc-plugin-markdown: comments may hold `<secret>` or `{placeholders}`, which VitePress would
    // otherwise read as HTML tags or Vue syntax.
    sanitizeComments: true,
    hidePageHeader: true,
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    // typedoc-vitepress-theme: links and the sidebar are relative to the VitePress root.
    docsRoot: docsDir,
    sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
  } as Parameters<typeof Application.bootstrapWithPlugins>[0])

  // Before links are resolved, so the restored `{@link Type}` resolves like any other.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => keepThrowsTypes(context.project))
  const project = await app.convert()
  if (project === undefined)
    throw new Error('TypeDoc could not convert the packages (see the messages above)')
  renameModules(project.getChildrenByKind(ReflectionKind.Module), packages)
  await app.generateOutputs(project)

  const { errorCount, warningCount } = app.logger
  if (errorCount > 0) throw new Error(`TypeDoc reported ${errorCount} error(s)`)
  console.log(
    `API reference: ${packages.map((pkg) => pkg.name).join(', ')} -> docs/api (${warningCount} warning(s))`,
  )
}

await main()
