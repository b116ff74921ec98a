/**
 * The synthetic motor-insurance data set behind risk-v1: a documented, seeded generative process.
 * Each policy's ten features are drawn independently-ish (years licensed depends on driver age) from
 * the distributions below, then the label "loss" (a claim in the policy year) is drawn from a
 * Bernoulli whose log-odds is `trueLogOdds`: a hand-written ground truth with a U-shaped driver-age
 * effect, so a small MLP has something to learn beyond a linear score. Nothing here is fitted to
 * real data; the coefficients are invented for the demo.
 */
import { createHash } from 'node:crypto'

import type { FeatureField } from './model-definition'
import { Prng } from './prng'

/** A manifest feature plus how the generator draws it. */
export interface FeatureDef extends FeatureField {
  /** How the generator draws it (for the model card). */
  distribution: string
}

export const RISK_FEATURES: readonly FeatureDef[] = [
  {
    name: 'driver_age',
    type: 'integer',
    unit: 'years',
    min: 18,
    max: 90,
    description: 'Age of the main driver',
    distribution: 'round(Normal(45, 15)) clipped to [18, 90]',
  },
  {
    name: 'years_licensed',
    type: 'integer',
    unit: 'years',
    min: 0,
    max: 72,
    description: 'Years since the main driver got the licence',
    distribution: 'driver_age - 18 - UniformInt(0, min(12, driver_age - 18))',
  },
  {
    name: 'vehicle_age',
    type: 'integer',
    unit: 'years',
    min: 0,
    max: 30,
    description: 'Age of the insured vehicle',
    distribution: 'floor(Exponential(mean 7)) clipped to [0, 30]',
  },
  {
    name: 'annual_mileage_km',
    type: 'number',
    unit: 'km',
    min: 1000,
    max: 60000,
    description: 'Declared kilometres driven a year',
    distribution: 'round(12000 * exp(Normal(0, 0.5))) clipped to [1000, 60000]',
  },
  {
    name: 'prior_claims_5y',
    type: 'integer',
    unit: 'count',
    min: 0,
    max: 10,
    description: 'At-fault claims in the last five years',
    distribution: 'Poisson(0.25, or 0.6 if driver_age < 25) clipped to [0, 10]',
  },
  {
    name: 'region_risk',
    type: 'number',
    unit: 'index',
    min: 0,
    max: 1,
    description: 'Accident-rate index of the garaging region (0 = safest, 1 = riskiest)',
    distribution: 'Uniform(0, 1) rounded to 3 decimals',
  },
  {
    name: 'vehicle_power_kw',
    type: 'number',
    unit: 'kW',
    min: 40,
    max: 400,
    description: 'Engine power',
    distribution: 'round(90 * exp(Normal(0, 0.35))) clipped to [40, 400]',
  },
  {
    name: 'garage_parked',
    type: 'integer',
    unit: 'flag',
    min: 0,
    max: 1,
    description: '1 if the vehicle is parked in a closed garage overnight, else 0',
    distribution: 'Bernoulli(0.45)',
  },
  {
    name: 'harsh_braking_per_100km',
    type: 'number',
    unit: 'events per 100 km',
    min: 0,
    max: 20,
    description: 'Telematics harsh-braking events per 100 km',
    distribution: 'Exponential(mean 2) rounded to 2 decimals, clipped to [0, 20]',
  },
  {
    name: 'deductible_eur',
    type: 'integer',
    unit: 'EUR',
    min: 0,
    max: 2000,
    description: 'Policy deductible',
    distribution: 'uniform choice of 0, 250, 500, 1000, 2000',
  },
]

export const RISK_LABELS = ['no_loss', 'loss'] as const

/** The ground-truth log-odds of a loss, as a formula (for the model card). */
export const RISK_TRUE_LOG_ODDS_FORMULA =
  '-1.6 + 1.2*max(0,(25-driver_age)/7) + 0.6*max(0,(driver_age-70)/10) ' +
  '- 0.02*min(years_licensed,30) + 0.03*vehicle_age + 0.9*ln(annual_mileage_km/12000) ' +
  '+ 0.6*prior_claims_5y + 2.0*(region_risk-0.5) + 0.7*ln(vehicle_power_kw/90) ' +
  '- 0.45*garage_parked + 0.2*harsh_braking_per_100km - 0.3*deductible_eur/1000'

/** Ground-truth log-odds of a loss for one feature row (in RISK_FEATURES order). */
export function trueLogOdds(x: ArrayLike<number>): number {
  const [age, lic, vAge, km, claims, region, kw, garage, braking, deductible] = Array.from(x) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  return (
    -1.6 +
    1.2 * Math.max(0, (25 - age) / 7) +
    0.6 * Math.max(0, (age - 70) / 10) -
    0.02 * Math.min(lic, 30) +
    0.03 * vAge +
    0.9 * Math.log(km / 12000) +
    0.6 * claims +
    2.0 * (region - 0.5) +
    0.7 * Math.log(kw / 90) -
    0.45 * garage +
    0.2 * braking -
    (0.3 * deductible) / 1000
  )
}

const clip = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))
const DEDUCTIBLES = [0, 250, 500, 1000, 2000] as const

/** Draws one policy's feature row. */
function drawFeatures(rng: Prng): number[] {
  const age = clip(Math.round(45 + 15 * rng.normal()), 18, 90)
  const licensed = age - 18 - rng.int(0, Math.min(12, age - 18))
  const vehicleAge = clip(Math.floor(-7 * Math.log(1 - rng.uniform())), 0, 30)
  const km = clip(Math.round(12000 * Math.exp(0.5 * rng.normal())), 1000, 60000)
  const claims = clip(rng.poisson(age < 25 ? 0.6 : 0.25), 0, 10)
  const region = Math.round(rng.uniform() * 1000) / 1000
  const kw = clip(Math.round(90 * Math.exp(0.35 * rng.normal())), 40, 400)
  const garage = rng.bernoulli(0.45) ? 1 : 0
  const braking = clip(Math.round(-2 * Math.log(1 - rng.uniform()) * 100) / 100, 0, 20)
  const deductible = DEDUCTIBLES[rng.int(0, DEDUCTIBLES.length - 1)] as number
  return [age, licensed, vehicleAge, km, claims, region, kw, garage, braking, deductible]
}

export interface TabularDataset {
  /** Row-major [n, features]. */
  x: Float64Array
  /** Class index per row. */
  y: Uint8Array
  n: number
  features: number
}

/** Draws `n` policies (features, then the label) from the seeded generator. */
export function generateRiskDataset(seed: number, n: number): TabularDataset {
  const rng = new Prng(seed)
  const f = RISK_FEATURES.length
  const x = new Float64Array(n * f)
  const y = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const row = drawFeatures(rng)
    x.set(row, i * f)
    const p = 1 / (1 + Math.exp(-trueLogOdds(row)))
    y[i] = rng.bernoulli(p) ? 1 : 0
  }
  return { x, y, n, features: f }
}

export const TABULAR_SERIALISATION =
  'for each example in order: its feature values in feature order as float64 little-endian, then ' +
  'its class index as one byte; sha256 over the concatenation'

/** sha256 (0x hex) of the canonical serialisation of a tabular data set. */
export function tabularDatasetDigest(ds: TabularDataset): string {
  const rowBytes = ds.features * 8 + 1
  const buf = Buffer.alloc(ds.n * rowBytes)
  for (let i = 0; i < ds.n; i++) {
    for (let j = 0; j < ds.features; j++) {
      buf.writeDoubleLE(ds.x[i * ds.features + j] as number, i * rowBytes + j * 8)
    }
    buf.writeUInt8(ds.y[i] as number, i * rowBytes + ds.features * 8)
  }
  return `0x${createHash('sha256').update(buf).digest('hex')}`
}
