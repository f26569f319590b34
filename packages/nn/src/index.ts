// @mlx/nn: Module, valueAndGrad. Layers, losses, init and optimizers arrive with issue #5.
export { Module, valueAndGrad, camelCase, snakeCase } from './module.js';
