import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Config } from '../../config/config.schema.ts';
import { FREQUENCIES, frequencyOptionLabel } from '../../shared/frequency.ts';
import type { ErrorPageRenderer } from '../error.middleware.ts';
import { feedLinksFor, type FeedLink } from './autodiscovery-links.ts';
import { loadStylesheet, type Stylesheet } from './stylesheet.ts';

/**
 * HTML pages on one layout, with no Express inside (routes call `render` and send the string).
 *
 * How to add a page:
 * - write `templates/pages/<name>.hbs`: only the content of `<main>`; the layout adds `<head>`
 *   (title, description, canonical link, Open Graph, feed autodiscovery, the stylesheet), the nav
 *   (Home, Subscribe, the three feeds) and the footer;
 * - call `views.render('<name>', data, { title, description, path, status })` and send the
 *   result with `res.type('html')`. `path` ('/articles/x') makes the canonical and og:url links;
 *   a `status` other than 200 adds `noindex`.
 * - Partials live in `templates/pages/partials/*.hbs` (`{{> subscribe-form}}` is the home page's
 *   subscription form; give it `frequencies` from `views.frequencyChoices()`).
 * - In every template `@site` is `{ title, description, language, baseUrl }`, and the helper
 *   `{{formatDate date}}` writes a Date in the site's timezone and language.
 * - Escape everything: `{{ }}` only. Never `{{{ }}}` for anything that holds user or article text.
 */
export interface PageMeta {
  /** The page's own title; the layout appends the site title. Omit on the home page. */
  title?: string;
  /** The response status the page goes out with: anything but 200 is not indexed. */
  status?: number;
  /** For `<meta name="description">` and og:description; defaults to the site description. */
  description?: string;
  /** The path this page is canonically served at, such as `/articles/a-slug`; absolute URLs are built from it. */
  path?: string;
  ogType?: 'website' | 'article';
  /** Renders the page in the operator console's layout (templates/pages/console-layout.hbs) instead of the site's. */
  console?: ConsoleFrame;
}

/**
 * What the console's layout needs: the signed-in account (absent on the sign-in page), the
 * session's CSRF token for the sign-out form, and which section of the nav is current.
 */
export interface ConsoleFrame {
  account?: { email: string; csrfToken: string };
  section?: 'overview' | 'subscribers' | 'editions' | 'articles' | 'audit';
}

const CONSOLE_SECTIONS = [
  { id: 'overview', label: 'Overview', href: '/admin' },
  { id: 'subscribers', label: 'Subscribers', href: '/admin/subscribers' },
  { id: 'editions', label: 'Editions', href: '/admin/editions' },
  { id: 'articles', label: 'Articles', href: '/admin/articles' },
  { id: 'audit', label: 'Audit log', href: '/admin/audit' },
] as const;

export interface ViewRenderer {
  render(template: string, data: object, meta?: PageMeta): string;
  /** For `createApp`'s error middleware: the HTML page a browser sees for a 404, 410, 500... */
  renderErrorPage: ErrorPageRenderer;
  /** A date as readers of this site write it ("4 September 2025"), in the site's timezone. */
  formatDate(date: Date): string;
  /** The frequency radio buttons of the subscription form, the configured default checked. */
  frequencyChoices(): { value: string; label: string; checked: boolean }[];
  readonly stylesheet: Stylesheet;
  readonly feedLinks: readonly FeedLink[];
}

export interface ViewRendererDeps {
  config: Config;
  /** The templates folder (config.paths.templatesDir); pages are read from its `pages/` folder. */
  templatesDir: string;
}

type Template = Handlebars.TemplateDelegate;

export function createViewRenderer(deps: ViewRendererDeps): ViewRenderer {
  const { config } = deps;
  const pagesDir = path.join(deps.templatesDir, 'pages');
  const hbs = Handlebars.create();
  const dateFormat = new Intl.DateTimeFormat(config.site.language, { timeZone: config.site.timezone, dateStyle: 'long' });
  const formatDate = (date: Date): string => dateFormat.format(date);
  hbs.registerHelper('formatDate', (date: unknown) => (date instanceof Date ? formatDate(date) : ''));
  registerPartials(hbs, path.join(pagesDir, 'partials'));
  const templates = compileTemplates(hbs, pagesDir);
  const layout = templates.get('layout');
  if (!layout) throw new Error(`${pagesDir}/layout.hbs is missing`);
  // Only the operator console needs it: a templates folder made for the site alone still starts.
  const consoleLayout = templates.get('console-layout');

  const stylesheet = loadStylesheet(path.join(pagesDir, 'site.css'));
  const feedLinks = feedLinksFor(config);
  const { site, nav, footer } = sharedLayoutData(config, feedLinks);

  const render = (name: string, data: object, meta: PageMeta = {}): string => {
    const template = templates.get(name);
    if (!template || name === 'layout' || name === 'console-layout') throw new Error(`No page template "${name}" in ${pagesDir}`);
    const options = { data: { site } };
    const body = template(data, options);
    const status = meta.status ?? 200;
    const page = {
      title: meta.title ? `${meta.title} · ${config.site.title}` : config.site.title,
      ogTitle: meta.title ?? config.site.title,
      description: meta.description ?? config.site.description,
      canonicalUrl: meta.path === undefined ? undefined : `${config.site.baseUrl}${meta.path}`,
      ogType: meta.ogType ?? 'website',
      noindex: status !== 200,
    };
    if (meta.console) {
      if (!consoleLayout) throw new Error(`${pagesDir}/console-layout.hbs is missing`);
      const { account, section } = meta.console;
      const consoleNav = account ? CONSOLE_SECTIONS.map((s) => ({ ...s, current: s.id === section })) : [];
      const title = meta.title ? `${meta.title} · ${config.site.title} console` : `${config.site.title} console`;
      return consoleLayout({ page: { ...page, title }, site, nav: consoleNav, account, stylesheetHref: stylesheet.href, body }, options);
    }
    return layout({ page, site, nav, feedLinks, footer, stylesheetHref: stylesheet.href, body }, options);
  };

  const renderErrorPage: ErrorPageRenderer = ({ status, code, message }) =>
    render('error', { status, code, heading: headingFor(status), message }, { title: headingFor(status), status, description: message });

  const frequencyChoices = (): { value: string; label: string; checked: boolean }[] =>
    FREQUENCIES.map((value) => ({ value, label: frequencyOptionLabel(value), checked: value === config.subscriptions.defaultFrequency }));

  return { render, renderErrorPage, formatDate, frequencyChoices, stylesheet, feedLinks };
}

/** What every page's layout shows whatever the page: computed once. */
function sharedLayoutData(config: Config, feedLinks: readonly FeedLink[]) {
  return {
    site: { title: config.site.title, description: config.site.description, language: config.site.language, baseUrl: config.site.baseUrl },
    nav: [
      { label: 'Home', href: '/' },
      { label: 'Subscribe', href: '/subscribe' },
      ...feedLinks.map((f) => ({ label: f.label, href: f.href })),
    ],
    footer: { copyright: config.site.copyright ?? `© ${config.site.author.name}`, postalAddress: config.site.postalAddress },
  };
}

function headingFor(status: number): string {
  if (status === 404) return 'Page not found';
  if (status === 410) return 'This page has been removed';
  if (status === 400) return 'That request was not understood';
  if (status >= 500) return 'Something went wrong';
  return 'This page cannot be shown';
}

function compileTemplates(hbs: typeof Handlebars, dir: string): Map<string, Template> {
  const templates = new Map<string, Template>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs'))) {
    // Compiled at start (Handlebars compiles lazily, on first use), so a broken template stops
    // the start instead of failing a request.
    const template = hbs.compile(readFileSync(path.join(dir, file), 'utf8'), { preventIndent: true });
    try {
      template({}, { data: { site: {} } });
    } catch (error) {
      throw new Error(`${path.join(dir, file)}: ${(error as Error).message}`, { cause: error });
    }
    templates.set(file.slice(0, -'.hbs'.length), template);
  }
  return templates;
}

function registerPartials(hbs: typeof Handlebars, dir: string): void {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.hbs'));
  } catch {
    return;
  }
  for (const file of files) hbs.registerPartial(file.slice(0, -'.hbs'.length), readFileSync(path.join(dir, file), 'utf8'));
}
