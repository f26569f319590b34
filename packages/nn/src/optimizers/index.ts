// @mlx/nn/optimizers
export * from './optimizers.js';
export * from './schedulers.js';
