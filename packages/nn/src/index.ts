// @mlx/nn: Module, layers, losses, init, optimizers (issue #5). Nothing is exported yet.
export {};
