import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/atomicWrite.js';
import { CONFIG_SCHEMAS, type ConfigKind } from './schema.js';

/** The JSON Schema of one config kind, for editors (yaml-language-server) and other tools. */
export function configJsonSchema(kind: ConfigKind): string {
  const schema = z.toJSONSchema(CONFIG_SCHEMAS[kind], { target: 'draft-2020-12' });
  return `${JSON.stringify({ title: `codeq ${kind} config`, ...schema }, null, 2)}\n`;
}

/** Writes `<kind>.schema.json` for every config kind into `dir`; returns the files written. */
export async function writeConfigJsonSchemas(dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const kind of Object.keys(CONFIG_SCHEMAS) as ConfigKind[]) {
    const file = join(dir, `${kind}.schema.json`);
    await writeFileAtomic(file, configJsonSchema(kind));
    written.push(file);
  }
  return written;
}
