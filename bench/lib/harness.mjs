// Shared benchmark plumbing: median timing, the Python peer runner, table output and recording.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export function medianTime(fn, reps, warmup = 2) {
  for (let i = 0; i < warmup; i++) fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

/** Runs a peers.py script with the benchmark venv (numpy, mlx[cpu]); returns its JSON. */
export function runPeers(script, cfg) {
  const python = execFileSync('bash', [join(benchRoot, 'setup-peers.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
  const env = { ...process.env };
  // Older OpenBLAS builds need these on some CPUs; they slow a current numpy, so unset both here only.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return JSON.parse(execFileSync(python, [script, JSON.stringify(cfg)], { encoding: 'utf8', env, maxBuffer: 1 << 26 }));
}

const fmt = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v.toFixed(d));

/**
 * rows: [caseName, unit, ours, numpy?, mlx?, higherIsBetter, limitPct?] with values in `unit`.
 * Ratios are "how many times faster we are" (> 1 means faster).
 */
export function report(name, rows, meta, record) {
  const ratio = (ours, peer, hib) => (peer === undefined || peer === null ? undefined : hib ? ours / peer : peer / ours);
  const header = '| case | ours | numpy | mlx-cpu | vs numpy | vs mlx | % of limit |\n|---|---|---|---|---|---|---|';
  const lines = rows.map(([c, unit, o, n, m, hib, lim]) =>
    `| ${c} (${unit}) | ${fmt(o)} | ${fmt(n)} | ${fmt(m)} | ${fmt(ratio(o, n, hib))}× | ${fmt(ratio(o, m, hib))}× | ${fmt(lim, 0)} |`);
  const table = [header, ...lines].join('\n');
  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus()[0].model} · ${cpus().length} cores`;
  console.log(`${name} — ${stamp}${meta ? ` · ${meta}` : ''}`);
  console.log(table);
  console.log('Ratios > 1 mean we are faster than that peer.');
  mkdirSync(join(benchRoot, 'out'), { recursive: true });
  writeFileSync(join(benchRoot, 'out', `${name.replace(/\W+/g, '_')}.json`), JSON.stringify({ stamp, meta, rows }, null, 2));
  if (record) appendFileSync(join(benchRoot, 'RESULTS.md'), `\n## ${name} — ${stamp}${meta ? ` · ${meta}` : ''}\n\n${table}\n`);
}
