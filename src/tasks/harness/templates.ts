import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's templates/ folder (driver sources), from src/ under tsx or dist/ after a build. */
export const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates');
