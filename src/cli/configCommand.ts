import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CONFIGS_DIR } from '../config/load.js';
import { writeConfigJsonSchemas } from '../config/jsonSchema.js';
import { join } from 'node:path';
import { commandConfig } from './options.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('check configs and emit their JSON Schemas');

  config
    .command('check')
    .description('validate a config file (overlaid on configs/default.yaml) and print the result')
    .argument('[file]', 'config file; default: $CODEQ_CONFIG or the embedded defaults')
    .action((file: string | undefined) => {
      const resolved = commandConfig({ config: file });
      process.stdout.write(stringify(resolved));
    });

  config
    .command('schema')
    .description('write <kind>.schema.json for every config kind (for editors)')
    .option('--out <dir>', 'output directory', join(CONFIGS_DIR, 'schema'))
    .action(async (options: { out: string }) => {
      for (const file of await writeConfigJsonSchemas(options.out)) process.stdout.write(`${file}\n`);
    });
}
