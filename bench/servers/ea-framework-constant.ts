/**
 * The peer: a minimal adapter on Chainlink's official external-adapter framework
 * (`@chainlink/external-adapter-framework`, fastify-based) whose one endpoint answers a constant
 * from `foregroundExecute`, so each request goes through the framework's full request path (body
 * parsing, input validation, cache lookup, transport, response) and nothing else.
 * Port from `EA_PORT`; metrics off (their server would need a second port).
 */
import { expose } from '@chainlink/external-adapter-framework'
import { Adapter, AdapterEndpoint } from '@chainlink/external-adapter-framework/adapter'
import type { Transport, TransportGenerics } from '@chainlink/external-adapter-framework/transports'
import type { ResponseCache } from '@chainlink/external-adapter-framework/cache/response'
import { InputParameters } from '@chainlink/external-adapter-framework/validation'

import { CONSTANT_BODY } from './constant-body'

interface ConstantTransportTypes extends TransportGenerics {
  Parameters: Record<string, never>
  Response: { Data: typeof CONSTANT_BODY.data; Result: string }
}

class ConstantTransport implements Transport<ConstantTransportTypes> {
  name = 'constant'
  responseCache!: ResponseCache<ConstantTransportTypes>

  async initialize(deps: { responseCache: ResponseCache<ConstantTransportTypes> }): Promise<void> {
    this.responseCache = deps.responseCache
  }

  async foregroundExecute() {
    return {
      data: CONSTANT_BODY.data,
      result: CONSTANT_BODY.result,
      statusCode: 200,
      timestamps: {
        providerDataRequestedUnixMs: 0,
        providerDataReceivedUnixMs: 0,
        providerIndicatedTimeUnixMs: undefined,
      },
    }
  }
}

const endpoint = new AdapterEndpoint({
  name: 'constant',
  transport: new ConstantTransport(),
  inputParameters: new InputParameters({}),
})

void expose(new Adapter({ name: 'CONSTANT', defaultEndpoint: 'constant', endpoints: [endpoint] }))
