import {
  AdapterError,
  InputError,
  NotFoundError,
  OverloadError,
  UpstreamError,
  toAdapterError,
} from '../../adapter/src/errors'

describe('adapter errors', () => {
  it('renders the external-adapter error body with its status', () => {
    const err = new InputError('feature "driver_age" is missing')
    expect(err.toJSONResponse('job-1')).toEqual({
      jobRunID: 'job-1',
      status: 'errored',
      statusCode: 400,
      error: { name: 'InputError', message: 'feature "driver_age" is missing' },
    })
  })

  it('gives each class its HTTP status', () => {
    expect(new NotFoundError('x').statusCode).toBe(404)
    expect(new UpstreamError('x').statusCode).toBe(502)
    expect(new OverloadError().statusCode).toBe(429)
    expect(new OverloadError().retryAfterSeconds).toBe(1)
  })

  it('keeps the cause when wrapping an unknown error', () => {
    const cause = new TypeError('boom')
    const wrapped = toAdapterError(cause)
    expect(wrapped).toBeInstanceOf(AdapterError)
    expect(wrapped.statusCode).toBe(500)
    expect(wrapped.cause).toBe(cause)
    expect(wrapped.message).toBe('internal error')
  })

  it('keeps the 4xx status of an HTTP-stack error (Express router), but never a 5xx one', () => {
    const uri = Object.assign(new URIError('Failed to decode param'), { status: 400 })
    expect(toAdapterError(uri)).toMatchObject({
      statusCode: 400,
      message: 'Failed to decode param',
    })
    const server = Object.assign(new Error('secret detail'), { status: 503 })
    expect(toAdapterError(server)).toMatchObject({ statusCode: 500, message: 'internal error' })
    expect(toAdapterError({ status: 404 })).toMatchObject({ statusCode: 500 })
  })

  it('passes adapter errors through unchanged', () => {
    const err = new NotFoundError('model "nope" is not served')
    expect(toAdapterError(err)).toBe(err)
  })
})
