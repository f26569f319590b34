// Prometheus text exposition of the /metrics JSON.
import type { SchedulerMetrics } from '../scheduler.js';

export function prometheusText(m: { uptimeSeconds: number; requests: Record<string, number>; models: Record<string, SchedulerMetrics> }): string {
  const lines: string[] = [];
  const g = (name: string, help: string, rows: Array<[labels: string, value: number]>) => {
    lines.push(`# HELP mlx_${name} ${help}`, `# TYPE mlx_${name} gauge`);
    for (const [l, v] of rows) lines.push(`mlx_${name}${l} ${Number.isFinite(v) ? v : 0}`);
  };
  g('uptime_seconds', 'Seconds since the server started.', [['', m.uptimeSeconds]]);
  g('http_requests_total', 'HTTP requests by outcome.', Object.entries(m.requests).map(([k, v]) => [`{kind="${k}"}`, v]));
  const per = (f: (s: SchedulerMetrics) => number) => Object.entries(m.models).map(([id, s]): [string, number] => [`{model="${id}"}`, f(s)]);
  g('queue_depth', 'Requests waiting for admission.', per((s) => s.queueDepth));
  g('running_sequences', 'Sequences in the running batch.', per((s) => s.running));
  g('generation_tokens_per_second', 'Generated tokens per second (10 s window).', per((s) => s.tokensPerSecond));
  g('prompt_tokens_per_second', 'Prefilled prompt tokens per second (10 s window).', per((s) => s.promptTokensPerSecond));
  g('generated_tokens_total', 'Tokens generated since start.', per((s) => s.generatedTokens));
  g('kv_blocks_total', 'KV blocks in the budget.', per((s) => s.kv.total));
  g('kv_blocks_used', 'KV blocks held by sequences.', per((s) => s.kv.used));
  g('kv_blocks_cached', 'Unreferenced KV blocks kept for the prefix cache.', per((s) => s.kv.cached));
  g('native_active_bytes', 'Native array memory in use.', per((s) => s.memory.activeBytes));
  g('rss_bytes', 'Process resident set size.', per((s) => s.memory.rssBytes));
  return lines.join('\n') + '\n';
}
