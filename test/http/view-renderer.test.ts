import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/config/load-config.ts';
import { createViewRenderer } from '../../src/http/views/view-renderer.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeTestConfig } from '../support/test-config.ts';

const templatesDir = path.join(projectRoot, 'templates');

describe('createViewRenderer', () => {
  it('escapes configured site text in the layout (title, description, footer)', (t) => {
    const { config } = makeTestConfig(t, {
      site: { title: '<b>"Q&A"</b>', description: "It's <i>news</i>", postalAddress: '1 <Road> & Co' },
    });
    const views = createViewRenderer({ config, templatesDir });
    const html = views.render('error', { status: 404, heading: 'x', message: 'y' }, { title: 'A <title>', status: 404 });
    assert.doesNotMatch(html, /<b>|<i>|<Road>|<title>A </);
    assert.match(html, /<title>A &lt;title&gt; · &lt;b&gt;&quot;Q&amp;A&quot;&lt;\/b&gt;<\/title>/);
    assert.match(html, /<meta name="description" content="It&#x27;s &lt;i&gt;news&lt;\/i&gt;">/);
    assert.match(html, /1 &lt;Road&gt; &amp; Co/);
    assert.match(html, /title="&lt;b&gt;&quot;Q&amp;A&quot;&lt;\/b&gt; \(RSS\)"/);
  });

  it('renders a template added by another capability on the same layout, with @site and formatDate', (t) => {
    const { config } = makeTestConfig(t, { site: { language: 'fr', timezone: 'Asia/Tokyo' } });
    const dir = makeTempDir(t);
    mkdirSync(path.join(dir, 'pages', 'partials'), { recursive: true });
    for (const file of ['layout.hbs', 'error.hbs', 'site.css']) {
      writeFileSync(path.join(dir, 'pages', file), readTemplate(file));
    }
    writeFileSync(path.join(dir, 'pages', 'thanks.hbs'), '<h1>Merci {{name}}</h1><p>{{@site.title}}: {{formatDate when}}</p>');
    const views = createViewRenderer({ config, templatesDir: dir });
    const html = views.render('thanks', { name: '<Zoé>', when: new Date('2025-12-31T16:00:00Z') }, { title: 'Merci', path: '/thanks' });
    assert.match(html, /<h1>Merci &lt;Zoé&gt;<\/h1><p>Gazette: 1 janvier 2026<\/p>/);
    assert.match(html, /<html lang="fr">/);
    assert.match(html, /<link rel="canonical" href="https:\/\/news\.example\.com\/thanks">/);
    assert.doesNotMatch(html, /noindex/);
  });

  it('refuses to start with a template that does not compile, and to render one that does not exist', (t) => {
    const { config } = makeTestConfig(t);
    const dir = makeTempDir(t);
    mkdirSync(path.join(dir, 'pages'));
    for (const file of ['layout.hbs', 'error.hbs', 'site.css']) writeFileSync(path.join(dir, 'pages', file), readTemplate(file));
    const views = createViewRenderer({ config, templatesDir: dir });
    assert.throws(() => views.render('missing', {}), /No page template "missing"/);
    assert.throws(() => views.render('layout', {}), /No page template "layout"/);
    writeFileSync(path.join(dir, 'pages', 'broken.hbs'), '{{#each items}}<p>{{this}}</p>');
    assert.throws(() => createViewRenderer({ config, templatesDir: dir }), /broken\.hbs/);
  });

  it('checks the configured default frequency in the subscription form choices', (t) => {
    const { config } = makeTestConfig(t, { subscriptions: { defaultFrequency: 'instant' } });
    const choices = createViewRenderer({ config, templatesDir }).frequencyChoices();
    assert.deepEqual(
      choices.map((c) => [c.value, c.checked]),
      [
        ['instant', true],
        ['daily', false],
        ['weekly', false],
      ],
    );
  });
});

function readTemplate(file: string): string {
  return readFileSync(path.join(templatesDir, 'pages', file), 'utf8');
}
