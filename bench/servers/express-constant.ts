/**
 * Plain Express 5 answering a constant: one `POST /` route returning the constant EA body with
 * `res.json`, no body parser and no other middleware. Port from `PORT`.
 */
import express from 'express'

import { CONSTANT_BODY } from './constant-body'

const port = Number(process.env.PORT ?? 8080)
const app = express()
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' })
})
app.post('/', (_req, res) => {
  res.json(CONSTANT_BODY)
})
app.listen(port, '127.0.0.1')
