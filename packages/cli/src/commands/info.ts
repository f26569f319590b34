import { readdirSync, statSync } from 'node:fs';
import { cpus, totalmem, freemem } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { CAPTURE_PROGRAMS, findProgram } from '@mlx/pipeline';
import { type Command } from '../cli.js';
import { formatBytes } from '../format.js';
import { modelsDir } from '../models.js';
import { VERSION } from '../version.js';

function dirSize(p: string): number {
  let n = 0;
  for (const e of readdirSync(p, { withFileTypes: true })) {
    const full = join(p, e.name);
    n += e.isDirectory() ? dirSize(full) : e.isFile() ? statSync(full).size : 0;
  }
  return n;
}

export function systemInfo() {
  const dir = modelsDir();
  let models: Array<{ name: string; bytes: number; files: string[] }> = [];
  try {
    models = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => ({
      name: e.name, bytes: dirSize(join(dir, e.name)), files: readdirSync(join(dir, e.name)).sort(),
    })).sort((a, b) => a.name.localeCompare(b.name));
  } catch { /* no cache yet */ }
  const cpu = cpus();
  return {
    version: VERSION, node: process.versions.node, platform: `${process.platform}-${process.arch}`,
    backends: { cpu: true, cuda: mx.cuda.isAvailable(), metal: mx.metal.isAvailable() },
    defaultDevice: String(mx.defaultDevice()),
    cpu: { model: cpu[0]?.model ?? 'unknown', cores: cpu.length, threads: mx.getNumThreads() },
    memory: { systemTotal: totalmem(), systemFree: freemem(), mlxActive: mx.getActiveMemory(), mlxPeak: mx.getPeakMemory(), mlxCache: mx.getCacheMemory() },
    modelsDir: dir, models,
    audio: { capture: Object.fromEntries(CAPTURE_PROGRAMS.map((p) => [p, findProgram(p) ?? null])), espeakNg: findProgram('espeak-ng') ?? null },
  };
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'show backends, devices, memory, cached models and audio tools',
  usage: '[options]',
  positionals: { min: 0, max: 0 },
  options: { json: { type: 'boolean', description: 'print as JSON' } },
  async run(ctx) {
    const i = systemInfo();
    if (ctx.values.json) { ctx.stdout.write(JSON.stringify(i, null, 2) + '\n'); return; }
    const lines = [
      `mlx ${i.version} on Node ${i.node} (${i.platform})`,
      `backends:  cpu${i.backends.cuda ? ', cuda' : ''}${i.backends.metal ? ', metal' : ''}  (cuda ${i.backends.cuda ? 'available' : 'not available'})`,
      `device:    ${i.defaultDevice}; ${i.cpu.cores} × ${i.cpu.model}; ${i.cpu.threads} engine threads`,
      `memory:    system ${formatBytes(i.memory.systemFree)} free of ${formatBytes(i.memory.systemTotal)}; mlx active ${formatBytes(i.memory.mlxActive)}, peak ${formatBytes(i.memory.mlxPeak)}, cache ${formatBytes(i.memory.mlxCache)}`,
      `models:    ${i.modelsDir}`,
      ...(i.models.length ? i.models.map((m) => `  ${m.name.padEnd(28)}${formatBytes(m.bytes).padStart(10)}  ${m.files.join(', ')}`) : ['  (none cached; try mlx pull whisper-tiny.en)']),
      `audio:     capture ${Object.entries(i.audio.capture).filter(([, p]) => p).map(([n]) => n).join(', ') || 'none (install alsa-utils or sox)'}; espeak-ng ${i.audio.espeakNg ? 'yes' : 'no'}`,
    ];
    ctx.stdout.write(lines.join('\n') + '\n');
  },
};
