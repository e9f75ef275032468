import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';

/**
 * The mail templates in `<templatesDir>/mail/`: `<name>.mjml.hbs` (Handlebars producing MJML,
 * compiled to HTML) and `<name>.txt.hbs` (the plain-text part, from the same data). `layout`
 * and `footer` are partials. Files are read once per process.
 */
export type MailTemplateName = 'digest' | 'instant' | 'confirmation' | 'welcome' | 'manage';

export interface MailTemplates {
  /** Runs Handlebars then MJML: about 10 ms for a 10-article digest, so callers render once and personalise after. */
  render(name: MailTemplateName, data: object): Promise<{ html: string; text: string }>;
}

export function createMailTemplates(templatesDir: string): MailTemplates {
  const dir = path.join(templatesDir, 'mail');
  const read = (file: string): string => readFileSync(path.join(dir, file), 'utf8');
  const htmlEngine = Handlebars.create();
  const textEngine = Handlebars.create();
  htmlEngine.registerPartial('layout', read('layout.mjml.hbs'));
  textEngine.registerPartial('footer', read('footer.txt.hbs'));
  const compiled = new Map<string, { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate }>();

  const templatesFor = (name: MailTemplateName): { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate } => {
    let t = compiled.get(name);
    if (!t) {
      t = {
        html: htmlEngine.compile(read(`${name}.mjml.hbs`), { strict: false }),
        // The text part is not HTML: nothing to escape, and entities would show as-is.
        text: textEngine.compile(read(`${name}.txt.hbs`), { noEscape: true }),
      };
      compiled.set(name, t);
    }
    return t;
  };

  return {
    async render(name, data) {
      const t = templatesFor(name);
      // fonts: {} keeps MJML from adding Google Fonts; no minify (broken on Node 20).
      const result = await mjml2html(t.html(data), { fonts: {}, validationLevel: 'soft', keepComments: false });
      const problems = result.errors.filter((e) => !/is not a valid css-class|illegal/.test(e.message));
      if (problems.length > 0) throw new Error(`templates/mail/${name}.mjml.hbs: ${problems.map((e) => e.formattedMessage).join('; ')}`);
      return { html: result.html, text: tidyText(t.text(data)) };
    },
  };
}

/** Handlebars blocks leave runs of blank lines; a text mail reads better with at most one. */
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
