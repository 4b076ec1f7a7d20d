/**
 * npm run bench:train — one DPO step (forward and backward of the chosen and the rejected
 * sequence, LoRA on all seven projections, AdamW) timed with codeq's native trainer
 * (native/build/codeq_bench_train) and, in the same run, with PyTorch on the CPU
 * (bench/peers/dpo_step.py, torch from PyPI in a venv under the cache dir) on identical shapes
 * and token ids: a tiny model and Qwen2.5-Coder-0.5B. Writes its section of docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveCacheDir } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { meta, readGgufHeader } from '../src/models/gguf/reader.js';
import { summarizeHeader } from '../src/models/inspect.js';
import { resolveModel } from '../src/models/pull.js';
import { TINY_DEFAULTS, writeTinyModel } from '../src/models/tinyModel.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { groupedBars } from '../src/report/charts.js';
import { writePlot } from '../src/report/render.js';
import { log } from '../src/util/log.js';

const { values: args } = parseArgs({
  options: {
    prompt: { type: 'string', default: '128' },
    answer: { type: 'string', default: '64' },
    steps: { type: 'string', default: '4' },
    rank: { type: 'string', default: '8' },
    torch: { type: 'string', default: '2.9.1' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const REPO = resolve(import.meta.dirname, '..');
const config = loadConfig();
const cacheDir = resolveCacheDir(config.cacheDir);
const THREADS = config.policy.threads;

/** A venv with torch from PyPI (its CUDA build; it runs on the CPU), made once under the cache. */
function torchPython(): string {
  const venv = join(cacheDir, 'peers', `venv-torch-${args.torch}`);
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    mkdirSync(join(cacheDir, 'peers'), { recursive: true });
    log.info('installing the PyTorch peer (once)', { venv, torch: args.torch });
    for (const argv of [['python3', '-m', 'venv', venv], [join(venv, 'bin', 'pip'), 'install', '-q', `torch==${args.torch}`, 'numpy']]) {
      const run = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
      if (run.status !== 0) throw new Error(`${argv.join(' ')} failed`);
    }
  }
  return python;
}

interface Result {
  step_seconds: number;
  tokens_per_second: number;
  reference_seconds: number;
  load_seconds: number;
  peak_rss_mb: number;
}

function runJson(argv: string[], env: NodeJS.ProcessEnv = {}): Result {
  log.info('running', { command: argv.map((a) => a.split('/').pop()).join(' ') });
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${argv[0]} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Result;
}

const shapes = (file: string) => {
  const header = readGgufHeader(file);
  const s = summarizeHeader(file, header);
  const base = meta(header, 'qwen2.rope.freq_base');
  const tied = !header.tensors.some((t) => t.name === 'output.weight');
  const ropeBase = Number(base ?? 10000);
  if (!Number.isFinite(ropeBase)) throw new Error(`${file}: qwen2.rope.freq_base is ${String(base)}`);
  return { layers: s.layers!, hidden: s.hidden!, ffn: s.feedForward!, heads: s.heads!, kvHeads: s.kvHeads!, vocab: s.vocabulary!, ropeBase, tied };
};

const dir = mkdtempSync(join(tmpdir(), 'codeq-bench-train-'));
const tiny = join(dir, 'tiny.gguf');
writeTinyModel(tiny, TINY_DEFAULTS);
const model = await resolveModel(config.policy.model ?? undefined, config.models, cacheDir);
const python = torchPython();
const ours = join(REPO, 'native', 'build', 'codeq_bench_train');
if (!existsSync(ours)) throw new Error(`${ours} is missing: npm run setup builds it`);

const rows: { name: string; shape: string; ours: Result; torch: Result }[] = [];
for (const [name, file] of [
  ['tiny qwen2', tiny],
  ['Qwen2.5-Coder-0.5B', model.file],
] as const) {
  const s = shapes(file);
  const common = [args.prompt!, args.answer!, args.steps!, args.rank!];
  // OpenBLAS and PyTorch each get the policy's thread count (the machine's cores).
  const native = runJson([ours, file, ...common], { OPENBLAS_NUM_THREADS: String(THREADS) });
  const peer = runJson([
    python,
    join(REPO, 'bench', 'peers', 'dpo_step.py'),
    ...['--layers', s.layers, '--hidden', s.hidden, '--ffn', s.ffn, '--heads', s.heads, '--kv-heads', s.kvHeads, '--vocab', s.vocab].map(String),
    ...['--rope-base', String(s.ropeBase), '--prompt', args.prompt!, '--answer', args.answer!, '--steps', args.steps!, '--rank', args.rank!, '--threads', String(THREADS)],
    ...(s.tied ? ['--tied'] : []),
  ]);
  rows.push({ name, shape: `${s.layers} layers, hidden ${s.hidden}, ffn ${s.ffn}, heads ${s.heads}/${s.kvHeads}, vocab ${s.vocab}${s.tied ? ', tied' : ''}`, ours: native, torch: peer });
}

// Does OpenBLAS earn its place? The same binary built with plain loops, on a short pair (loops are slow).
const loopsBuild = join(cacheDir, 'native-build-loops');
for (const argv of [
  ['cmake', '-S', join(REPO, 'native'), '-B', loopsBuild, '-G', 'Ninja', '-DCODEQ_USE_BLAS=OFF', '-DCMAKE_BUILD_TYPE=Release'],
  ['cmake', '--build', loopsBuild, '--target', 'codeq_bench_train'],
]) {
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed: ${run.stderr.slice(-1000)}`);
}
const short = ['32', '16', '2', args.rank!];
const withBlas = runJson([ours, model.file, ...short], { OPENBLAS_NUM_THREADS: String(THREADS) });
const withLoops = runJson([join(loopsBuild, 'codeq_bench_train'), model.file, ...short]);
// Memory and time at a realistic pair length (the default max_length).
const long = runJson([ours, model.file, '768', '256', '1', args.rank!], { OPENBLAS_NUM_THREADS: String(THREADS) });

const fmt = (x: number, d = 1) => x.toFixed(d);
const lines = [
  '## Training: one DPO step, native trainer vs PyTorch on the CPU',
  '',
  `Command: \`npm run bench:train\` (prompt ${args.prompt} + answer ${args.answer} tokens for the chosen and for the rejected sequence, LoRA rank ${args.rank} on q, k, v, o, gate,`,
  `up, down; ${args.steps} steps, the first not counted; ${THREADS} threads for each: OpenBLAS for ours, \`torch.set_num_threads\` for PyTorch ${args.torch} from PyPI).`,
  `Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Same shapes and token ids; ours runs the`,
  "real weights (dequantized to fp32), PyTorch random fp32 weights (speed does not depend on the values). Tokens/s counts both sequences' tokens per optimizer step.",
  '',
  '| model | shape | ours: tokens/s (fwd+bwd) | PyTorch: tokens/s | ours ÷ PyTorch | ours: peak RSS | PyTorch: peak RSS | reference log-probs (ours / PyTorch) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.shape} | **${fmt(r.ours.tokens_per_second)}** | ${fmt(r.torch.tokens_per_second)} | ${(r.ours.tokens_per_second / r.torch.tokens_per_second).toFixed(2)}× | ${fmt(r.ours.peak_rss_mb, 0)} MiB | ${fmt(r.torch.peak_rss_mb, 0)} MiB | ${fmt(r.ours.reference_seconds, 2)} s / ${fmt(r.torch.reference_seconds, 2)} s |`,
  ),
  '',
  `Target: ours at least as fast as PyTorch — ${rows.every((r) => r.ours.tokens_per_second >= r.torch.tokens_per_second) ? 'met' : 'NOT met'} (${rows.map((r) => `${r.name} ${(r.ours.tokens_per_second / r.torch.tokens_per_second).toFixed(2)}×`).join(', ')}).`,
  '',
  `OpenBLAS against plain loops (the same trainer built with \`-DCODEQ_USE_BLAS=OFF\`), Qwen2.5-Coder-0.5B, prompt 32 + answer 16: ${fmt(withBlas.tokens_per_second)} vs`,
  `${fmt(withLoops.tokens_per_second)} tokens/s (${(withBlas.tokens_per_second / withLoops.tokens_per_second).toFixed(1)}×), so float products go to OpenBLAS.`,
  `A 1024-token pair (768 + 256, the default max_length) on Qwen2.5-Coder-0.5B: ${fmt(long.step_seconds)} s per step (${fmt(long.tokens_per_second)} tokens/s), peak RSS ${fmt(long.peak_rss_mb / 1024, 1)} GiB`,
  '(activations of both sequences, attention probabilities included, are kept for the backward pass).',
  '',
  '![DPO step tokens per second](bench/train.svg)',
];
await writePlot(
  resolve(REPO, 'docs/bench'),
  'train',
  groupedBars({
    title: 'DPO step throughput on the CPU (tokens/s, higher is better)',
    unit: 'tok/s',
    series: ['codeq native', 'PyTorch'],
    log: true,
    groups: rows.map((r) => ({ label: r.name, values: { 'codeq native': r.ours.tokens_per_second, PyTorch: r.torch.tokens_per_second } })),
  }),
);
await writeBenchmarkSection(resolve(REPO, args.out!), 'train', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
