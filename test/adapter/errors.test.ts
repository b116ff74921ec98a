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

  it('passes adapter errors through unchanged', () => {
    const err = new NotFoundError('model "nope" is not served')
    expect(toAdapterError(err)).toBe(err)
  })
})
