/**
 * The entry point of the training code: one recipe per demo model, each a pure function of its
 * seeds that generates the data, trains the network and returns the ONNX bytes with the manifest
 * fields that depend on the model. Everything a model's bytes and provenance come from lives in
 * this folder (its digest is `provenance.trainingCode`); `script/models/tools/build.ts` runs the
 * recipes and writes the folders.
 */
import type { Cnn } from './cnn-trainer'
import { buildDamageModel } from './damage-model'
import type { Mlp } from './mlp-trainer'
import type { TrainedModel } from './model-definition'
import { buildRiskModel } from './risk-model'

export interface Recipes {
  'risk-v1': (producerVersion: string) => TrainedModel<Mlp>
  'damage-v1': (producerVersion: string) => TrainedModel<Cnn>
}

export type ModelId = keyof Recipes

export const RECIPES: Recipes = {
  'risk-v1': buildRiskModel,
  'damage-v1': buildDamageModel,
}

export const MODEL_IDS = Object.keys(RECIPES) as ModelId[]
