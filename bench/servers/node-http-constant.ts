/**
 * The HTTP floor: a bare `node:http` server answering every request with one constant EA success
 * body. It reads (and discards) the request body so the client's work per request is the same as
 * for the adapter. Port from `PORT`.
 */
import { createServer } from 'node:http'

import { CONSTANT_BODY } from './constant-body'

const port = Number(process.env.PORT ?? 8080)
const body = Buffer.from(JSON.stringify(CONSTANT_BODY))

createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  })
}).listen(port, '127.0.0.1')
