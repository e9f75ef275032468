import { personalValuesOf } from '../src/subscribers/subscriber-mail.ts';
import { renderEdition } from '../src/editions/render-edition.ts';
import { createMailTemplates } from '../src/mail/mail-templates.ts';
import { createMessageComposer } from '../src/mail/message-composer.ts';
import { createLinkSigner } from '../src/shared/link-signer.ts';
import { benchArticles, benchConfig } from './support/bench-fixtures.ts';

/**
 * Personalised digests per second (render once, substitute per recipient, raw MIME out) against
 * compiling MJML per recipient (the baseline), in the same run. Issue 3 asks ≥100x and ≥20,000/s.
 * Run: npx tsx bench/digest-render.ts
 */
const config = benchConfig();
const templates = createMailTemplates(config.paths.templatesDir);
const signer = createLinkSigner('bench-secret-bench-secret-bench-secret');
const composer = createMessageComposer(config);
const content = { frequency: 'weekly' as const, periodEnd: new Date('2025-09-08T07:00:00Z'), articles: benchArticles(10) };
await renderEdition(templates, config, content); // warm-up: module load, first compile

const COMPILES = 40;
let t0 = performance.now();
for (let i = 0; i < COMPILES; i++) await renderEdition(templates, config, content);
const compileMs = (performance.now() - t0) / COMPILES;

const template = await composer.templateFor('bench', () => renderEdition(templates, config, content));
const RENDERS = 50_000;
let bytes = 0;
t0 = performance.now();
for (let i = 0; i < RENDERS; i++) {
  const id = `subscriber-${i}`;
  const raw = template.render({
    to: `${id}@example.org`,
    messageId: composer.messageId(`edition:${id}`),
    date: new Date(),
    values: personalValuesOf(config, signer, { id, name: i % 2 ? `Reader ${i}` : null }, {}),
  });
  bytes += raw.length;
}
const personalMs = (performance.now() - t0) / RENDERS;

console.log(`MJML compile per recipient (baseline): ${compileMs.toFixed(2)} ms each, ${(1000 / compileMs).toFixed(0)}/s`);
console.log(
  `personalised raw MIME per recipient:   ${(personalMs * 1000).toFixed(1)} µs each, ${(1000 / personalMs).toFixed(0)}/s (${(bytes / RENDERS / 1024).toFixed(1)} KB each)`,
);
console.log(`ratio: ${(compileMs / personalMs).toFixed(0)}x`);
