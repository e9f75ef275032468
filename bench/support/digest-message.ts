import { renderEdition } from '../../src/editions/render-edition.ts';
import { createMailTemplates } from '../../src/mail/mail-templates.ts';
import { createMessageComposer } from '../../src/mail/message-composer.ts';
import { createLinkSigner } from '../../src/shared/link-signer.ts';
import { personalValuesOf } from '../../src/subscribers/subscriber-mail.ts';
import { benchArticles, benchConfig } from './bench-fixtures.ts';

/**
 * A real 10-article weekly digest as Gazette's transport sends it: the edition rendered once,
 * its MIME prebuilt, and `render(i)` substituting recipient `i`'s values (the send benchmarks).
 */
export async function benchDigestMessage(smtpUrl: string, maxConnections: number) {
  const config = benchConfig({ mail: { smtpUrl, maxConnections } });
  const templates = createMailTemplates(config.paths.templatesDir);
  const signer = createLinkSigner('bench-secret-bench-secret-bench-secret');
  const composer = createMessageComposer(config);
  const content = { frequency: 'weekly' as const, periodEnd: new Date('2025-09-08T07:00:00Z'), articles: benchArticles(10) };
  const mail = await renderEdition(templates, config, content);
  const template = await composer.templateFor('bench', async () => mail);
  const valuesOf = (id: string) => personalValuesOf(config, signer, { id, name: null }, {});
  const render = (i: number): Buffer => {
    const id = `s${i}`;
    return template.render({ to: `${id}@example.org`, messageId: composer.messageId(`e:${id}`), date: new Date(), values: valuesOf(id) });
  };
  return { config, composer, mail, valuesOf, render };
}
