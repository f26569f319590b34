// @mlx/nn: Module, layers, losses (nn.losses), init (nn.init), quantize, valueAndGrad; optimizers.
export { Module, valueAndGrad, camelCase, snakeCase } from './module.js';
export * from './layers/activations.js';
export * from './layers/linear.js';
export * from './layers/embedding.js';
export * from './layers/containers.js';
export * from './layers/conv.js';
export * from './layers/normalization.js';
export * from './layers/dropout.js';
export * from './layers/pooling.js';
export * from './layers/positional.js';
export * from './layers/transformer.js';
export * from './layers/recurrent.js';
export * from './layers/upsample.js';
export * from './layers/quantized.js';
export * as losses from './losses.js';
export * as init from './init.js';
export * as optimizers from './optimizers/index.js';
