import sharp from 'sharp'

import {
  imageBody,
  loadManifest,
  randomJpeg,
  tabularBody,
  tabularFeatures,
} from '../../script/local/model-inputs'

describe('model inputs for the bundled models', () => {
  const risk = loadManifest('risk-v1')

  it('gives distinct, in-range feature sets for distinct indices', () => {
    if (risk.inputs.kind !== 'tabular') throw new Error('risk-v1 is tabular')
    const seen = new Set<string>()
    for (const n of [0, 1, 2, 999, 1000, 123_456, 9_000_000]) {
      const features = tabularFeatures(risk, n)
      for (const f of risk.inputs.features) {
        const v = features[f.name] as number
        expect(v).toBeGreaterThanOrEqual(f.min)
        expect(v).toBeLessThanOrEqual(f.max)
        if (f.type === 'integer') expect(Number.isInteger(v)).toBe(true)
      }
      seen.add(JSON.stringify(features))
    }
    expect(seen.size).toBe(7)
    expect(JSON.parse(tabularBody(risk, 5))).toEqual({
      id: 'bench-5',
      data: { model: 'risk-v1', features: tabularFeatures(risk, 5) },
    })
  })

  it('refuses a model that is not tabular', () => {
    expect(() => tabularFeatures(loadManifest('damage-v1'), 1)).toThrow(/not tabular/)
  })

  it('makes seeded JPEGs of the asked size, the same for the same seed', async () => {
    const [a, b, c] = await Promise.all([
      randomJpeg(320, 200, 7),
      randomJpeg(320, 200, 7),
      randomJpeg(320, 200, 8),
    ])
    expect(a.equals(b)).toBe(true)
    expect(a.equals(c)).toBe(false)
    const meta = await sharp(a).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 200])
    const body = JSON.parse(imageBody(loadManifest('damage-v1'), a, 'job-1')) as {
      data: { image: { base64: string; sha256: string } }
    }
    expect(Buffer.from(body.data.image.base64, 'base64').equals(a)).toBe(true)
    expect(body.data.image.sha256).toMatch(/^0x[0-9a-f]{64}$/)
  })
})
