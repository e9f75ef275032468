import { backupCommand } from './backup.command.ts';
import { adminCommand } from './admin.command.ts';
import { checkCommand } from './check.command.ts';
import { parseCommandArgs, type Command } from './command.ts';
import { digestCommand } from './digest.command.ts';
import { ingestCommand } from './ingest.command.ts';
import { mailCommand } from './mail.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { restoreCommand } from './restore.command.ts';
import { serveCommand } from './serve.command.ts';
import { statusCommand } from './status.command.ts';
import { subscribersCommand } from './subscribers.command.ts';
import { ConfigError } from '../config/load-config.ts';
import { isGazetteError } from '../shared/errors.ts';

/** Every command the `gazette` CLI has, in the order `--help` lists them. */
const commands: Command[] = [
  serveCommand,
  statusCommand,
  ingestCommand,
  checkCommand,
  digestCommand,
  mailCommand,
  subscribersCommand,
  backupCommand,
  restoreCommand,
  migrateCommand,
  adminCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: gazette <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    '  -c, --config FILE  read this config file after config/default.json and config/local.json',
    '  -h, --help         show help for the command',
    '',
    "Run `gazette <command> --help` for a command's own options.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  const lines = [`Usage: ${command.usage}`, '', command.summary];
  const options = Object.entries(command.options);
  if (options.length > 0) {
    lines.push('', 'Options:');
    for (const [name, o] of options)
      lines.push(
        `  ${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' VALUE' : ''}${'description' in o ? `  ${String(o.description)}` : ''}`,
      );
  }
  lines.push('  -c, --config FILE', '  -h, --help');
  return lines.join('\n');
}

export async function runCli(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`gazette: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    const ctx = parseCommandArgs(command, rest, env);
    if (ctx.values.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    return await command.run(ctx);
  } catch (error) {
    if (error instanceof ConfigError || isGazetteError(error)) {
      process.stderr.write(`gazette ${name}: ${error.message}\n`);
      return 1;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`gazette ${name}: ${(error as Error).message}\n\n${commandHelp(command)}\n`);
      return 2;
    }
    throw error;
  }
}
