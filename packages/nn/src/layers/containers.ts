// Sequential (mlx.nn.layers.containers). Plain functions are allowed as steps, as in MLX.
import { Module } from '../module.js';

export class Sequential extends Module {
  layers: (Module | ((x: any) => any))[];
  constructor(...modules: (Module | ((x: any) => any))[]) {
    super();
    this.layers = modules;
  }
  forward(x: any): any {
    for (const m of this.layers) x = m instanceof Module ? m.forward(x) : m(x);
    return x;
  }
}
