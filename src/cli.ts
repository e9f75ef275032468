import { runCli } from './cli/run-cli.ts';

// The only place that touches process.env: it is handed to config loading, once.
process.exitCode = await runCli(process.argv.slice(2), process.env);
