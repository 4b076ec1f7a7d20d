/**
 * The control worker alone (one process per role on a multi-machine deployment):
 *   npx tsx workers/control.ts [--config FILE]   (same as: codeq worker --role control)
 */
import { runWorkerProcess } from '../src/temporal/workerProcess.js';

await runWorkerProcess(['control'], process.argv.slice(2));
