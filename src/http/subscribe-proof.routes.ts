import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { GazetteError } from '../shared/errors.ts';
import { createProofChallenge, type ProofDeps } from '../subscribers/signup-proof.ts';

/**
 * The proof of work's HTTP side: the challenge, and when `subscriptions.proofOfWork.enabled` the ALTCHA widget served from our own origin (the `altcha` package, MIT), so
 * the subscribe page needs no third party and its CSP stays `script-src 'self'`.
 */

export const WIDGET_PATH = '/assets/altcha';

/** The widget's build without bundled workers or inline styles (strict CSP), its stylesheet, the SHA worker. */
const readPackageFile = (specifier: string) => readFileSync(fileURLToPath(import.meta.resolve(specifier)));

// Registers the SHA-256 worker from our origin (the external build bundles none), then loads the widget.
const SETUP_SCRIPT = `import '${WIDGET_PATH}/altcha.js';
globalThis.$altcha.algorithms.set('SHA-256', () => new Worker('${WIDGET_PATH}/sha.js'));
`;

export function subscribeProofRoutes(deps: Omit<ProofDeps, 'db'>): Router {
  const router = Router();
  const enabled = deps.config.subscriptions.proofOfWork.enabled;

  // Always routed (and documented); without proof of work there is no challenge to hand out.
  router.get('/subscribe/challenge', async (_req, res) => {
    if (!enabled) throw new GazetteError('NotFound', 'Proof of work is off on this site: subscribe without it.');
    res.set('Cache-Control', 'no-store').json(await createProofChallenge(deps));
  });
  if (!enabled) return router;

  const files: Record<string, { type: string; body: Buffer }> = {
    'altcha.js': { type: 'text/javascript', body: readPackageFile('altcha/external') },
    'altcha.css': { type: 'text/css', body: readPackageFile('altcha/altcha.css') },
    'sha.js': { type: 'text/javascript', body: readPackageFile('altcha/workers/sha') },
    'setup.js': { type: 'text/javascript', body: Buffer.from(SETUP_SCRIPT) },
  };
  router.get(`${WIDGET_PATH}/:file`, (req, res, next) => {
    const file = files[req.params.file];
    if (!file) return next();
    // Not immutable: the names stay the same when the package is upgraded.
    res.set('Cache-Control', 'public, max-age=3600').type(`${file.type}; charset=utf-8`).send(file.body);
  });
  return router;
}
