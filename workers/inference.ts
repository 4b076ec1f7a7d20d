/**
 * The inference worker alone (one process per role on a multi-machine deployment):
 *   npx tsx workers/inference.ts [--config FILE]   (same as: codeq worker --role inference)
 */
import { runWorkerProcess } from '../src/temporal/workerProcess.js';

await runWorkerProcess(['inference'], process.argv.slice(2));
