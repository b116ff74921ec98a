/**
 * risk-v1: probability of an insurance loss from ten policy features. A 10-16-2 MLP (ReLU, softmax)
 * trained on the seeded synthetic data of risk-data.ts; the ONNX graph standardises the raw
 * features itself (Sub mean, Div std), so callers send features in their natural units.
 */
import { accuracy, logLoss, rocAuc, roundMetric } from './metrics'
import {
  mlpPredict,
  roundMlpToFloat32,
  trainMlp,
  type Mlp,
  type MlpHyperparameters,
} from './mlp-trainer'
import type { TrainedModel } from './model-definition'
import { encodeModel, type NodeSpec } from './onnx-writer'
import {
  generateRiskDataset,
  RISK_FEATURES,
  RISK_LABELS,
  RISK_TRUE_LOG_ODDS_FORMULA,
  TABULAR_SERIALISATION,
  tabularDatasetDigest,
  type TabularDataset,
} from './risk-data'

export const RISK_ID = 'risk-v1'
export const RISK_VERSION = '1.0.0'
export const RISK_INPUT = 'features'
export const RISK_OUTPUT = 'probabilities'

const TRAIN_SEED = 1001
const HELD_OUT_SEED = 2002
const TRAIN_SIZE = 10_000
const HELD_OUT_SIZE = 2_500

/** risk-v1's training hyperparameters (also the centralised baseline of the federated runs). */
export const RISK_HYPERPARAMETERS: MlpHyperparameters = {
  hidden: [16],
  epochs: 20,
  batchSize: 128,
  learningRate: 0.005,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  l2: 0.001,
  seed: 7,
}

function evaluate(model: Mlp, ds: TabularDataset): Record<string, number> {
  const p = mlpPredict(model, ds.x, ds.n)
  const lossProb = Array.from({ length: ds.n }, (_, i) => p[2 * i + 1] as number)
  const predicted = lossProb.map((v) => (v >= 0.5 ? 1 : 0))
  let positives = 0
  for (const v of ds.y) positives += v
  return {
    accuracy: roundMetric(accuracy(predicted, ds.y)),
    auc: roundMetric(rocAuc(lossProb, ds.y)),
    logLoss: roundMetric(logLoss(p, 2, ds.y)),
    lossRate: roundMetric(positives / ds.n),
  }
}

/** The graph's name and doc string in the ONNX file. */
export interface OnnxNaming {
  graphName: string
  docString: string
}

const RISK_NAMING: OnnxNaming = {
  graphName: RISK_ID,
  docString: 'risk-v1: demo insurance-loss MLP trained on synthetic data (onnx-oracle)',
}

/**
 * The ONNX bytes of a risk-v1-shaped MLP (the ten RISK_FEATURES, one hidden layer, two classes),
 * e.g. risk-v1 itself or a federated model of the same architecture under its own name.
 */
export function riskOnnx(
  model: Mlp,
  producerVersion: string,
  naming: OnnxNaming = RISK_NAMING,
): Uint8Array {
  const f32 = (a: Float64Array): Float32Array => Float32Array.from(a)
  const [hidden, out] = model.layers
  if (!hidden || !out || model.layers.length !== 2)
    throw new Error('risk-v1 expects one hidden layer')
  const nodes: NodeSpec[] = [
    { op: 'Sub', inputs: [RISK_INPUT, 'feature_mean'], outputs: ['centred'] },
    { op: 'Div', inputs: ['centred', 'feature_std'], outputs: ['standardised'] },
    { op: 'MatMul', inputs: ['standardised', 'dense1_w'], outputs: ['dense1_mm'] },
    { op: 'Add', inputs: ['dense1_mm', 'dense1_b'], outputs: ['dense1'] },
    { op: 'Relu', inputs: ['dense1'], outputs: ['hidden1'] },
    { op: 'MatMul', inputs: ['hidden1', 'dense2_w'], outputs: ['dense2_mm'] },
    { op: 'Add', inputs: ['dense2_mm', 'dense2_b'], outputs: ['logits'] },
    {
      op: 'Softmax',
      inputs: ['logits'],
      outputs: [RISK_OUTPUT],
      attributes: { axis: { kind: 'int', value: 1 } },
    },
  ]
  const f = RISK_FEATURES.length
  return encodeModel({
    graphName: naming.graphName,
    docString: naming.docString,
    producerVersion,
    inputs: [{ name: RISK_INPUT, dims: [f] }],
    outputs: [{ name: RISK_OUTPUT, dims: [RISK_LABELS.length] }],
    initializers: [
      { name: 'feature_mean', dims: [f], data: f32(model.mean) },
      { name: 'feature_std', dims: [f], data: f32(model.std) },
      { name: 'dense1_w', dims: [hidden.in, hidden.out], data: f32(hidden.w) },
      { name: 'dense1_b', dims: [hidden.out], data: f32(hidden.b) },
      { name: 'dense2_w', dims: [out.in, out.out], data: f32(out.w) },
      { name: 'dense2_b', dims: [out.out], data: f32(out.b) },
    ],
    nodes,
  })
}

/** Generates the data, trains risk-v1 and returns its ONNX bytes and manifest fields. */
export function buildRiskModel(producerVersion: string): TrainedModel<Mlp> {
  const train = generateRiskDataset(TRAIN_SEED, TRAIN_SIZE)
  const heldOut = generateRiskDataset(HELD_OUT_SEED, HELD_OUT_SIZE)
  const trained = trainMlp(train.x, train.y, train.n, train.features, 2, RISK_HYPERPARAMETERS)
  // Metrics come from the float32 weights the ONNX file stores, not the float64 training copy.
  const model = roundMlpToFloat32(trained)
  const featureTable = RISK_FEATURES.map(
    (f) => `| ${f.name} | ${f.type} | ${f.unit} | ${f.min} .. ${f.max} | ${f.distribution} |`,
  ).join('\n')
  return {
    id: RISK_ID,
    version: RISK_VERSION,
    task: 'tabular-classification',
    license: 'MIT',
    description:
      'Demo: probability that a motor policy has a loss in the policy year, from ten policy ' +
      'features. Trained on synthetic data only; not for real underwriting.',
    onnx: riskOnnx(model, producerVersion),
    inputs: {
      kind: 'tabular',
      tensor: RISK_INPUT,
      features: RISK_FEATURES.map(({ name, type, unit, min, max, description }) => ({
        name,
        type,
        unit,
        min,
        max,
        description,
      })),
    },
    outputs: {
      tensor: RISK_OUTPUT,
      labels: [...RISK_LABELS],
      scale: 10_000,
      rounding: 'half-even',
      result: { kind: 'probability', index: 1 },
    },
    dataset: {
      name: 'synthetic-motor-policies-v1',
      digest: { sha256: tabularDatasetDigest(train) },
      serialisation: TABULAR_SERIALISATION,
      description:
        `${TRAIN_SIZE} training policies drawn by script/models/training/risk-data.ts with seed ` +
        `${TRAIN_SEED} (held-out: ${HELD_OUT_SIZE} policies, seed ${HELD_OUT_SEED}); each ` +
        `feature from a fixed distribution (see the model card); label loss ~ ` +
        `Bernoulli(sigmoid(${RISK_TRUE_LOG_ODDS_FORMULA})).`,
      seed: TRAIN_SEED,
      trainSize: TRAIN_SIZE,
      heldOutSize: HELD_OUT_SIZE,
    },
    hyperparameters: {
      architecture: 'mlp',
      activation: 'relu',
      optimizer: 'adam',
      ...RISK_HYPERPARAMETERS,
    },
    metrics: { train: evaluate(model, train), heldOut: evaluate(model, heldOut) },
    cardSections: [
      {
        title: 'Inputs',
        body:
          'One float32 row per policy, tensor `features` of shape [batch, 10], columns in this ' +
          'order (raw units; the graph standardises them):\n\n' +
          '| feature | type | unit | range | synthetic distribution |\n| --- | --- | --- | --- | --- |\n' +
          featureTable,
      },
      {
        title: 'Training data',
        body:
          `Synthetic. ${TRAIN_SIZE} training and ${HELD_OUT_SIZE} held-out policies drawn from ` +
          `independent seeds (${TRAIN_SEED}, ${HELD_OUT_SEED}) by \`script/models/training/risk-data.ts\`. ` +
          'The label is drawn from a Bernoulli whose log-odds is a hand-written formula, so the ' +
          'best achievable AUC is limited by that noise:\n\n' +
          `\`\`\`\nlogit = ${RISK_TRUE_LOG_ODDS_FORMULA}\n\`\`\``,
      },
      {
        title: 'Architecture and training',
        body:
          'Standardise (training mean/std) -> Dense 10x16 -> ReLU -> Dense 16x2 -> Softmax. ' +
          'Mini-batch Adam on cross-entropy in float64 with L2 on the weights, seeded He ' +
          'initialisation and seeded batch order; the weights are then rounded to float32 and the ' +
          'metrics below are computed from those float32 weights.',
      },
    ],
    network: model,
  }
}
