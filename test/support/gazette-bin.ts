import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/config/load-config.ts';

/**
 * The installed `gazette` bin, which runs the compiled dist/. Importing this builds dist/ first
 * when it is missing or older than src/ (scripts/build-if-stale.sh), so a test of the bin run
 * on its own after an edit never exercises yesterday's build.
 */
execFileSync('bash', [path.join(projectRoot, 'scripts/build-if-stale.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });

export const GAZETTE_BIN = path.join(projectRoot, 'bin/gazette.js');
