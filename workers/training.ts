/**
 * The training worker alone (one process per role on a multi-machine deployment):
 *   npx tsx workers/training.ts [--config FILE]   (same as: codeq worker --role training)
 */
import { runWorkerProcess } from '../src/temporal/workerProcess.js';

await runWorkerProcess(['training'], process.argv.slice(2));
