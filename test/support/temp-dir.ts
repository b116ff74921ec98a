/** Temporary directories for jest suites. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A fresh directory under the OS temp dir, named `prefix` + random characters, made before the
 * calling suite's tests (or before each test, `per: 'test'`) and removed with everything in it
 * after them. Call in a `describe` (or at the top of a file); the returned function gives the
 * current directory inside the tests.
 */
export function tempDirFor(prefix: string, per: 'suite' | 'test' = 'suite'): () => string {
  let dir: string | undefined
  const make = () => {
    dir = mkdtempSync(join(tmpdir(), prefix))
  }
  const remove = () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }
  if (per === 'suite') {
    beforeAll(make)
    afterAll(remove)
  } else {
    beforeEach(make)
    afterEach(remove)
  }
  return () => {
    if (dir === undefined) throw new Error(`no temporary directory ${prefix}`)
    return dir
  }
}
