/*
 * The adapter's layering, read from its import lines: only the composition roots (app.ts, which
 * builds the routes, and server.ts) and the HTTP layer itself import from adapter/src/http/; inner
 * modules (inference, input, signing, config, ...) receive typed values and never reach for the
 * HTTP layer. And nothing in the adapter imports from test/ or bench/.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = join(__dirname, '..', '..', 'adapter', 'src')
const ROOTS = new Set(['app.ts', 'server.ts'])

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name)
    if (e.isDirectory()) return sources(full)
    return /\.(ts|cjs)$/.test(e.name) ? [full] : []
  })
}

/** Repository-relative targets of the relative imports/requires of a file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:from|require\()\s*'(\.[^']*)'/g)].map((m) => m[1] as string)
  return specs.map((s) => relative(join(SRC, '..', '..'), resolve(dirname(file), s)))
}

describe('adapter layering', () => {
  const files = sources(SRC)

  it('reads the whole adapter source', () => {
    expect(files.length).toBeGreaterThan(20)
    expect(files.map((f) => relative(SRC, f))).toContain(join('inference', 'inference-service.ts'))
  })

  it('no inner module imports from adapter/src/http/', () => {
    const offenders = files
      .map((f) => relative(SRC, f))
      .filter((f) => !ROOTS.has(f) && !f.startsWith(`http${'/'}`))
      .flatMap((f) =>
        importsOf(join(SRC, f))
          .filter((target) => target.startsWith(join('adapter', 'src', 'http')))
          .map((target) => `${f} -> ${target}`),
      )
    expect(offenders).toEqual([])
  })

  it('no adapter module imports from test/ or bench/', () => {
    const offenders = files.flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith(`test${'/'}`) || t.startsWith(`bench${'/'}`))
        .map((t) => `${relative(SRC, f)} -> ${t}`),
    )
    expect(offenders).toEqual([])
  })
})
