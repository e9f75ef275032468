import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BROWSER_TEST, launchBrowser } from '../support/browser.ts';
import { deliverEveryMailKind, MAIL_KINDS } from '../support/every-mail.ts';
import { checkMailHtml } from '../support/page-checks.ts';

// Four browser contexts per mail kind: the time grows with the kinds (BROWSER_TEST's 120 s was set for four).
const EVERY_MAIL_TEST = { ...BROWSER_TEST, timeout: (BROWSER_TEST.timeout * MAIL_KINDS.length) / 4 };

it(
  'every mail (confirmation, welcome, instant, digest, manage link) reads well at 390 and 1280 px, in light and dark mode, with no serious axe violation',
  EVERY_MAIL_TEST,
  async (t) => {
    const mails = await deliverEveryMailKind(t);
    const browser = await launchBrowser(t);
    const problems: string[] = [];
    for (const kind of MAIL_KINDS) problems.push(...(await checkMailHtml(browser, String(mails[kind].parsed.html), `${kind} mail`)));
    assert.deepEqual(problems, []);
  },
);
