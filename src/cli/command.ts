import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config/config.schema.ts';
import { loadConfig } from '../config/load-config.ts';

/** One CLI command: its help text, its options, and what it does. Returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(context: CommandContext): Promise<number>;
}

export interface CommandContext {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  /** Loads config once, from the files, --config and the environment. */
  config(): Config;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Readonly<Record<string, string | undefined>>;
}

export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string', short: 'c' },
} as const;

export function parseCommandArgs(command: Command, argv: string[], env: Readonly<Record<string, string | undefined>>): CommandContext {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...commonOptions, ...command.options },
    allowPositionals: true,
    strict: true,
  });
  let config: Config | undefined;
  return {
    values,
    positionals,
    config: () => (config ??= loadConfig({ env: values.config ? { ...env, GAZETTE_CONFIG: String(values.config) } : env })),
    stdout: process.stdout,
    stderr: process.stderr,
    env,
  };
}
