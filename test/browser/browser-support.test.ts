import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { BROWSER_TEST, launchBrowser } from '../support/browser.ts';
import { checkMailHtml } from '../support/page-checks.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** A mail that breaks every rule the browser tests enforce, once each. */
const BAD_MAIL = `<!doctype html><html lang="en"><head><title>Bad</title></head><body>
<table width="640" style="width:640px"><tr><td>A table wider than a phone.</td></tr></table>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">
<a href="/articles/relative">A relative link</a>
<a href="https://news.example.com/ok">An absolute link</a>
<a href="mailto:editor@example.com">Write to us</a>
</body></html>`;

const GOOD_MAIL = `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>Good</title></head><body>
<main><table role="presentation" style="width:100%;max-width:600px"><tr><td><h1>Hello</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="" width="1" height="1">
<p><a href="https://news.example.com/articles/x">Read the article</a></p></td></tr></table></main>
</body></html>`;

it(
  'the mail checks catch sideways scrolling, an image without alt, a relative link and an axe violation, and pass a good mail',
  BROWSER_TEST,
  async (t) => {
    const browser = await launchBrowser(t);
    const problems = await checkMailHtml(browser, BAD_MAIL, 'bad mail');
    const at390 = problems.filter((p) => p.startsWith('bad mail at 390px'));
    assert.ok(
      at390.some((p) => /scrolls sideways/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      at390.some((p) => /image without alt: <img/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      at390.some((p) => p.endsWith('link that is not absolute: /articles/relative')),
      problems.join('\n'),
    );
    assert.ok(
      at390.some((p) => /axe critical image-alt/.test(p)),
      problems.join('\n'),
    );
    assert.ok(!problems.some((p) => /mailto:|https:\/\/news/.test(p)), 'absolute and mailto links pass');
    assert.ok(!problems.some((p) => p.startsWith('bad mail at 1280px') && /scrolls sideways/.test(p)), 'a 640px table fits a desktop');

    assert.deepEqual(await checkMailHtml(browser, GOOD_MAIL, 'good mail'), []);
  },
);

/** Readable in light mode; in dark mode its rule darkens the text but not the background (the old footer's fault). */
const DARK_ONLY_BAD_MAIL = `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>Dark</title>
<style>@media (prefers-color-scheme: dark) { .footer { color: #c9d1d9 !important; } }</style></head><body style="background:#f4f4f5">
<main><p style="color:#1f2328">Hello</p><p class="footer" style="color:#57606a">Why you get this mail</p></main></body></html>`;

it(
  'the mail checks look at dark mode as well as light: a dark-mode rule that leaves text unreadable is caught at both widths',
  BROWSER_TEST,
  async (t) => {
    const browser = await launchBrowser(t);
    const problems = await checkMailHtml(browser, DARK_ONLY_BAD_MAIL, 'dark mail');
    assert.deepEqual(
      problems.map((p) => p.slice(0, p.indexOf(':'))),
      ['dark mail at 390px, dark', 'dark mail at 1280px, dark'],
      problems.join('\n'),
    );
    assert.ok(
      problems.every((p) => /axe serious color-contrast .* at \.footer/.test(p)),
      problems.join('\n'),
    );
  },
);

it('a missing or broken Chromium fails the browser tests with a message saying so, never a skip', BROWSER_TEST, async (t) => {
  const dir = makeTempDir(t);
  await assert.rejects(
    launchBrowser(t, { executablePath: path.join(dir, 'no-chromium') }),
    /^Error: BROWSER TESTS CANNOT RUN: .*no-chromium is missing/,
  );
  const notABrowser = path.join(dir, 'chromium');
  writeFileSync(notABrowser, '#!/bin/sh\necho "this is not a browser" >&2\nexit 1\n', { mode: 0o755 });
  await assert.rejects(launchBrowser(t, { executablePath: notABrowser }), /^Error: BROWSER TESTS CANNOT RUN: .*chromium did not start/);
});
