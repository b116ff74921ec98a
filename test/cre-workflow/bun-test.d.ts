/**
 * Types for `bun:test` in the type check of these tests (no @types/bun is installed): bun's
 * describe/expect follow jest's API, so jest's types describe them.
 */
declare module 'bun:test' {
  export const describe: jest.Describe
  export const expect: jest.Expect
  export const beforeAll: jest.Lifecycle
  export const afterAll: jest.Lifecycle
  export const beforeEach: jest.Lifecycle
  export const afterEach: jest.Lifecycle
}

/** bun's import.meta (ES modules): the test file's URL. */
interface ImportMeta {
  readonly url: string
}
