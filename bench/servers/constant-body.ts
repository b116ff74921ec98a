/** The constant EA success body every comparison server answers with (shaped like the adapter's). */
export const CONSTANT_BODY = {
  jobRunID: '1',
  statusCode: 200,
  result: '7250',
  data: {
    result: '7250',
    model: 'risk-v1',
    modelVersion: '1.0.0',
    modelHash: `0x${'11'.repeat(32)}`,
    inputHash: `0x${'22'.repeat(32)}`,
    label: 'loss',
    outputs: ['2750', '7250'],
    scale: 10000,
  },
} as const
