/** The workflows a worker registers (bundled by the Temporal SDK: nothing but deterministic code below here). */
export { experimentWorkflow } from './experimentWorkflow.js';
export { roundWorkflow } from './roundWorkflow.js';
