import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BROWSER_TEST, launchBrowser } from '../support/browser.ts';
import { deliverEveryMailKind, MAIL_KINDS } from '../support/every-mail.ts';
import { checkMailHtml } from '../support/page-checks.ts';

it(
  'every mail (confirmation, welcome, instant, digest, manage link) reads well at 390 and 1280 px, in light and dark mode, with no serious axe violation',
  BROWSER_TEST,
  async (t) => {
    const mails = await deliverEveryMailKind(t);
    const browser = await launchBrowser(t);
    const problems: string[] = [];
    for (const kind of MAIL_KINDS) problems.push(...(await checkMailHtml(browser, String(mails[kind].parsed.html), `${kind} mail`)));
    assert.deepEqual(problems, []);
  },
);
