import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { experimentDir, resolveArtifactsRoot } from '../experiments/layout.js';
import { workflowUrl } from '../experiments/mainJob.js';
import { readExperiment } from '../report/experimentData.js';
import { writeExperimentReport } from '../report/experimentReport.js';
import { uiAddress } from '../temporal/stack.js';
import { roundWorkflowId } from '../workflows/definitions.js';
import { commandConfig, positiveInteger, UsageError } from './options.js';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8', '.jsonl': 'text/plain; charset=utf-8' };

/** Serves `root` read-only on 127.0.0.1 (never another interface); paths outside it are refused. */
export function serveDirectory(root: string, port: number, onListening: (url: string) => void) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return void res.writeHead(403).end('outside the report');
    const target = existsSync(file) && statSync(file).isDirectory() ? join(file, 'index.html') : file;
    if (!existsSync(target) || !statSync(target).isFile()) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
    createReadStream(target).pipe(res);
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    onListening(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`);
  });
  return server;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("write an experiment's report from its files (markdown, a static HTML page, plots as SVG and PNG), or serve it on 127.0.0.1")
    .requiredOption('--experiment <id>', 'the experiment id')
    .option('--out <dir>', 'write the report here instead of <experiment>/report (e.g. docs/example-report)')
    .option('--serve', 'after writing, serve the experiment directory on 127.0.0.1 (Ctrl-C stops)')
    .option('--port <n>', 'port for --serve (default 8088; 0: any free one)', (v) => (v === '0' ? 0 : positiveInteger(v)), 8088)
    .option('--config <file>', 'config file overlaying configs/default.yaml (where the artifacts are)')
    .action(async (flags: { experiment: string; out?: string; serve?: boolean; port: number; config?: string }) => {
      const config = commandConfig(flags);
      const dir = experimentDir(resolveArtifactsRoot(config), flags.experiment);
      const data = readExperiment(dir, flags.experiment);
      if (data.rounds.length === 0) throw new UsageError(`experiment ${flags.experiment} has no round yet. HINT: codeq experiment status ${flags.experiment}`);
      const ui = uiAddress(config);
      if (flags.out && flags.serve) throw new UsageError('--serve serves <experiment>/report; drop --out to serve');
      const report = await writeExperimentReport(data, { roundUrl: (round) => workflowUrl(ui, config.temporal.namespace, roundWorkflowId(flags.experiment, round)) }, flags.out);
      process.stdout.write(`report: ${report.html}\nmarkdown: ${report.markdown}\nplots: ${report.plots.length} in ${join(report.dir, 'plots')}\n`);
      if (!flags.serve) return;
      await new Promise<void>((done, fail) => {
        const server = serveDirectory(dir, flags.port, (url) => process.stdout.write(`serving ${url}report/ (loopback only; Ctrl-C stops)\n`));
        server.on('error', (error) => fail(new UsageError(`cannot serve on 127.0.0.1:${flags.port}: ${error.message}. HINT: --port N, or 0 for any free port`)));
        const stop = () => server.close(() => done());
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
