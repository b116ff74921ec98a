/** Writes a JSON body with its length in one `writeHead` + `end`, bypassing Express's `res.json`. */
import type { ServerResponse } from 'node:http'

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  retryAfterSeconds?: number,
  close?: boolean,
): void {
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string | number> = {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
  }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterSeconds
  if (close === true) headers.connection = 'close'
  res.writeHead(status, headers)
  res.end(body)
}
