/**
 * A small nginx configuration reader for structural checks: directives with their arguments and blocks.
 * It handles comments, quoted strings and nesting; variables and includes are left as text.
 */

/** One directive, e.g. `proxy_pass http://x;` or `location / { ... }`. */
export interface NginxDirective {
  name: string
  args: string[]
  /** The directives inside `{ }`, or `null` for a simple directive. */
  block: NginxDirective[] | null
}

function tokenize(text: string): string[] {
  const tokens: string[] = []
  let index = 0
  while (index < text.length) {
    const char = text[index] ?? ''
    if (/\s/.test(char)) {
      index += 1
    } else if (char === '#') {
      while (index < text.length && text[index] !== '\n') index += 1
    } else if (char === '{' || char === '}' || char === ';') {
      tokens.push(char)
      index += 1
    } else if (char === '"' || char === "'") {
      const end = text.indexOf(char, index + 1)
      if (end < 0) throw new Error(`unterminated string at offset ${index}`)
      // Quoted tokens keep a marker so they are never mistaken for braces or semicolons.
      tokens.push(`\u0000${text.slice(index + 1, end)}`)
      index = end + 1
    } else {
      let end = index
      while (end < text.length && !/[\s{};]/.test(text[end] ?? '')) end += 1
      tokens.push(text.slice(index, end))
      index = end
    }
  }
  return tokens
}

/** Parses an nginx configuration file into a directive tree. Throws on unbalanced braces. */
export function parseNginx(text: string): NginxDirective[] {
  const tokens = tokenize(text)
  let position = 0

  function parseBlock(nested: boolean): NginxDirective[] {
    const directives: NginxDirective[] = []
    let words: string[] = []
    while (position < tokens.length) {
      const token = tokens[position] ?? ''
      position += 1
      if (token === ';') {
        const [name, ...args] = words
        if (name === undefined) throw new Error('empty directive')
        directives.push({ name, args, block: null })
        words = []
      } else if (token === '{') {
        const [name, ...args] = words
        if (name === undefined) throw new Error('block without a directive name')
        directives.push({ name, args, block: parseBlock(true) })
        words = []
      } else if (token === '}') {
        if (!nested) throw new Error('unexpected }')
        if (words.length > 0) throw new Error(`directive ${words[0]} is missing its ;`)
        return directives
      } else {
        words.push(token.startsWith('\u0000') ? token.slice(1) : token)
      }
    }
    if (nested) throw new Error('missing }')
    if (words.length > 0) throw new Error(`directive ${words[0]} is missing its ;`)
    return directives
  }

  return parseBlock(false)
}

/** The directives named `name` directly inside `directives`. */
export function directivesNamed(directives: NginxDirective[], name: string): NginxDirective[] {
  return directives.filter((directive) => directive.name === name)
}
