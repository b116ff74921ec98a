// Entry point of a signing worker thread. A worker thread starts without the TypeScript loader the
// main thread may have (tsx under `npm start`, ts-jest under jest), so this loads sign-worker.ts
// through tsx's CommonJS API: the worker runs the protocol's digest code itself, no copy of it.
require('tsx/cjs/api').require('./sign-worker.ts', module.filename)
