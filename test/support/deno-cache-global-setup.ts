/**
 * Jest's globalSetup: points every Deno the tests' toolkit calls start at the Deno cache seeded
 * from node_modules (script/local/deno-cache.ts). Inside a test file `process.env` is jest's copy,
 * which node's own modules never read: `simulateScript` spawns `deno` with the worker's real
 * environment, so `simulateSource`'s `withToolkitEnv` cannot set DENO_DIR for it there. Set here,
 * in jest's main process before any worker starts, the variables reach every worker's real
 * environment and so every `deno` the toolkit spawns.
 */
import { denoCacheEnv } from '../../script/local/deno-cache'

export default function setup(): void {
  Object.assign(process.env, denoCacheEnv())
}
