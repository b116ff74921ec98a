/**
 * damage-v1: damage severity (none, minor, moderate, severe) from a 64x64 RGB photo. A small CNN
 * (cnn-trainer.ts) trained on the procedurally rendered, seeded images of damage-render.ts.
 */
import {
  cnnPredict,
  roundCnnToFloat32,
  trainCnn,
  type Cnn,
  type CnnHyperparameters,
} from './cnn-trainer'
import {
  CHANNEL_MEAN,
  CHANNEL_STD,
  imageDatasetDigest,
  PIXEL_SCALE,
  pooledInputs,
} from './damage-data'
import {
  DAMAGE_LABELS,
  generateDamageDataset,
  IMAGE_SERIALISATION,
  IMAGE_SIZE,
  type ImageDataset,
} from './damage-render'
import { accuracy, argmax, logLoss, perClassAccuracy, roundMetric } from './metrics'
import type { TrainedModel } from './model-definition'
import { encodeModel, type NodeSpec } from './onnx-writer'

export const DAMAGE_ID = 'damage-v1'
export const DAMAGE_VERSION = '1.0.0'
export const DAMAGE_INPUT = 'image'
export const DAMAGE_OUTPUT = 'probabilities'
/** Payout per class in basis points of the insured amount: none, minor, moderate, severe. */
export const PAYOUT_RATIO_BPS = [0, 2500, 6000, 10000]

const TRAIN_SEED = 11
const HELD_OUT_SEED = 22
const TRAIN_PER_CLASS = 400
const HELD_OUT_PER_CLASS = 150

const HYPERPARAMETERS: CnnHyperparameters = {
  conv1Channels: 8,
  conv2Channels: 16,
  epochs: 10,
  batchSize: 16,
  learningRate: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  l2: 0.0001,
  seed: 3,
}

function evaluate(
  model: Cnn,
  ds: ImageDataset,
  inputs: Float64Array[],
): Record<string, number | Record<string, number>> {
  const classes = DAMAGE_LABELS.length
  const probs = new Float64Array(ds.n * classes)
  const predicted: number[] = []
  inputs.forEach((x, i) => {
    const p = cnnPredict(model, x)
    probs.set(p, i * classes)
    predicted.push(argmax(p))
  })
  return {
    accuracy: roundMetric(accuracy(predicted, ds.labels)),
    logLoss: roundMetric(logLoss(probs, classes, ds.labels)),
    perClassAccuracy: perClassAccuracy(predicted, ds.labels, DAMAGE_LABELS),
  }
}

function graphOf(model: Cnn, producerVersion: string): Uint8Array {
  const f32 = (a: Float64Array): Float32Array => Float32Array.from(a)
  const { conv1, conv2 } = model
  const conv = { kind: 'ints', value: [3, 3] } as const
  const stride2 = { kind: 'ints', value: [2, 2] } as const
  const pad1 = { kind: 'ints', value: [1, 1, 1, 1] } as const
  const nodes: NodeSpec[] = [
    {
      op: 'AveragePool',
      inputs: [DAMAGE_INPUT],
      outputs: ['pooled'],
      attributes: { kernel_shape: { kind: 'ints', value: [2, 2] }, strides: stride2 },
    },
    {
      op: 'Conv',
      inputs: ['pooled', 'conv1_w', 'conv1_b'],
      outputs: ['conv1'],
      attributes: { kernel_shape: conv, strides: stride2, pads: pad1 },
    },
    { op: 'Relu', inputs: ['conv1'], outputs: ['relu1'] },
    {
      op: 'Conv',
      inputs: ['relu1', 'conv2_w', 'conv2_b'],
      outputs: ['conv2'],
      attributes: { kernel_shape: conv, strides: stride2, pads: pad1 },
    },
    { op: 'Relu', inputs: ['conv2'], outputs: ['relu2'] },
    { op: 'GlobalAveragePool', inputs: ['relu2'], outputs: ['gap'] },
    { op: 'GlobalMaxPool', inputs: ['relu2'], outputs: ['gmp'] },
    {
      op: 'Concat',
      inputs: ['gap', 'gmp'],
      outputs: ['pooled_features'],
      attributes: { axis: { kind: 'int', value: 1 } },
    },
    {
      op: 'Flatten',
      inputs: ['pooled_features'],
      outputs: ['features'],
      attributes: { axis: { kind: 'int', value: 1 } },
    },
    { op: 'MatMul', inputs: ['features', 'dense_w'], outputs: ['dense_mm'] },
    { op: 'Add', inputs: ['dense_mm', 'dense_b'], outputs: ['logits'] },
    {
      op: 'Softmax',
      inputs: ['logits'],
      outputs: [DAMAGE_OUTPUT],
      attributes: { axis: { kind: 'int', value: 1 } },
    },
  ]
  return encodeModel({
    graphName: DAMAGE_ID,
    docString: 'damage-v1: demo damage-severity CNN trained on synthetic renders (onnx-oracle)',
    producerVersion,
    inputs: [{ name: DAMAGE_INPUT, dims: [3, IMAGE_SIZE, IMAGE_SIZE] }],
    outputs: [{ name: DAMAGE_OUTPUT, dims: [DAMAGE_LABELS.length] }],
    initializers: [
      { name: 'conv1_w', dims: [conv1.cout, conv1.cin, 3, 3], data: f32(conv1.w) },
      { name: 'conv1_b', dims: [conv1.cout], data: f32(conv1.b) },
      { name: 'conv2_w', dims: [conv2.cout, conv2.cin, 3, 3], data: f32(conv2.w) },
      { name: 'conv2_b', dims: [conv2.cout], data: f32(conv2.b) },
      { name: 'dense_w', dims: [2 * conv2.cout, model.classes], data: f32(model.denseW) },
      { name: 'dense_b', dims: [model.classes], data: f32(model.denseB) },
    ],
    nodes,
  })
}

/** Renders the data, trains damage-v1 and returns its ONNX bytes and manifest fields. */
export function buildDamageModel(producerVersion: string): TrainedModel<Cnn> {
  const train = generateDamageDataset(TRAIN_SEED, TRAIN_PER_CLASS)
  const heldOut = generateDamageDataset(HELD_OUT_SEED, HELD_OUT_PER_CLASS)
  const trainInputs = pooledInputs(train)
  const heldOutInputs = pooledInputs(heldOut)
  const trained = trainCnn(trainInputs, train.labels, DAMAGE_LABELS.length, HYPERPARAMETERS)
  // Metrics (and the build's sample selection) use the float32 weights the ONNX file stores.
  const model = roundCnnToFloat32(trained)
  const payoutTable = DAMAGE_LABELS.map(
    (l, i) =>
      `| ${i} | ${l} | ${PAYOUT_RATIO_BPS[i]} | ${(PAYOUT_RATIO_BPS[i] as number) / 100}% |`,
  ).join('\n')
  return {
    id: DAMAGE_ID,
    version: DAMAGE_VERSION,
    task: 'image-classification',
    license: 'MIT',
    description:
      'Demo: damage severity (none, minor, moderate, severe) of a painted surface from a 64x64 ' +
      'RGB photo. Trained on procedurally rendered synthetic images only; not for real claims.',
    onnx: graphOf(model, producerVersion),
    inputs: {
      kind: 'image',
      tensor: DAMAGE_INPUT,
      width: IMAGE_SIZE,
      height: IMAGE_SIZE,
      channels: 3,
      channelOrder: 'RGB',
      layout: 'NCHW',
      mean: CHANNEL_MEAN,
      std: CHANNEL_STD,
      pixelScale: PIXEL_SCALE,
      resize: 'cover',
      kernel: 'lanczos3',
    },
    outputs: {
      tensor: DAMAGE_OUTPUT,
      labels: [...DAMAGE_LABELS],
      scale: 10_000,
      rounding: 'half-even',
      result: { kind: 'argmax' },
      payoutRatioBps: PAYOUT_RATIO_BPS,
    },
    dataset: {
      name: 'synthetic-damaged-surfaces-v1',
      digest: { sha256: imageDatasetDigest(train) },
      serialisation: IMAGE_SERIALISATION,
      description:
        `${TRAIN_PER_CLASS * 4} training images (${TRAIN_PER_CLASS} per class, classes ` +
        `interleaved) rendered by script/models/training/damage-render.ts with seed ${TRAIN_SEED} ` +
        `(held-out: ${HELD_OUT_PER_CLASS * 4} images, seed ${HELD_OUT_SEED}): a painted panel ` +
        '(palette colour, lighting gradient, specular band, noise, optional seam and dirt ' +
        'specks) with damage by class: none; minor = one short scratch or small dent; moderate = ' +
        'two or three scratches plus a dent or a short crack; severe = large dents, cracks, long ' +
        'scratches and exposed primer or rust.',
      seed: TRAIN_SEED,
      trainSize: TRAIN_PER_CLASS * 4,
      heldOutSize: HELD_OUT_PER_CLASS * 4,
    },
    hyperparameters: {
      architecture:
        'avgpool2 > conv3x3s2(c1) > relu > conv3x3s2(c2) > relu > [gap, gmp] > dense > softmax',
      optimizer: 'adam',
      ...HYPERPARAMETERS,
    },
    metrics: {
      train: evaluate(model, train, trainInputs),
      heldOut: evaluate(model, heldOut, heldOutInputs),
    },
    cardSections: [
      {
        title: 'Inputs and preprocessing',
        body:
          'Tensor `image`, float32 [batch, 3, 64, 64] (NCHW, RGB). The adapter decodes the image ' +
          'with sharp and applies exactly what training used:\n\n' +
          '```ts\nconst { data } = await sharp(bytes)\n' +
          "  .resize(64, 64, { fit: 'cover', kernel: 'lanczos3' }) // sharp defaults, centre crop\n" +
          "  .removeAlpha()\n  .toColourspace('srgb')\n  .raw()\n  .toBuffer({ resolveWithObject: true })\n" +
          '// x[c][y][x] = (data[(y * 64 + x) * 3 + c] / 255 - 0.5) / 0.25\n```\n\n' +
          'The training images were rendered directly at 64x64, so for a 64x64 PNG the resize is ' +
          'the identity and the tensor equals the training tensor bit for bit (tested). Larger ' +
          'photos are downscaled, which the model never saw in training.',
      },
      {
        title: 'Outputs and payout',
        body:
          'Tensor `probabilities` [batch, 4]; the on-chain result is the argmax class index. ' +
          'Payout ratio per class (basis points of the insured amount; demo values chosen by ' +
          'the project):\n\n| index | class | payoutRatioBps | payout |\n| --- | --- | --- | --- |\n' +
          payoutTable,
      },
      {
        title: 'Training data',
        body:
          `Synthetic: ${TRAIN_PER_CLASS * 4} training and ${HELD_OUT_PER_CLASS * 4} held-out ` +
          `images rendered by \`script/models/training/damage-render.ts\` from seeds ${TRAIN_SEED} and ` +
          `${HELD_OUT_SEED}, balanced over the four classes. Sample images (another seed) are in ` +
          '`samples/` with their classes in `samples/samples.json`.',
      },
      {
        title: 'Architecture and training',
        body:
          'AveragePool 2x2 -> Conv 3x3 stride 2 (8 channels) -> ReLU -> Conv 3x3 stride 2 (16 ' +
          'channels) -> ReLU -> [GlobalAveragePool, GlobalMaxPool] -> Dense 32x4 -> Softmax. ' +
          'Mini-batch Adam on cross-entropy in float64, seeded He initialisation and batch order; ' +
          'weights rounded to float32, metrics computed from those.',
      },
    ],
    network: model,
  }
}
