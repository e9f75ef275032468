import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeWords, foldLines, qpEncode, qpWrap } from '../../src/mail/mime-encoding.ts';

/**
 * The exact bytes nodemailer's private encoders write today (10.6.1), for the inputs Gazette
 * gives them. Written out literally on purpose: an upgrade that changes any of them must fail
 * here, and be read, before it reaches a subscriber's inbox or a DKIM signature.
 */

/** Lengths of the lines of a CRLF-separated string. */
const lineLengths = (s: string): number[] => s.split('\r\n').map((line) => line.length);

describe('encodeWords: RFC 2047 Q encoding of a subject or a display name', () => {
  it('leaves plain ASCII alone', () => {
    assert.equal(encodeWords('Weekly digest: 3 articles', 'Q', 52), 'Weekly digest: 3 articles');
  });

  it('encodes UTF-8 as Q words of at most 52 characters of payload, splitting inside a word when needed', () => {
    const encoded = encodeWords('Café news: the week in Zürich', 'Q', 52);
    assert.equal(encoded, '=?UTF-8?Q?Caf=C3=A9_news=3A_the_week_in_Z=C3=BCric?= =?UTF-8?Q?h?=');
    for (const word of encoded.split(' ')) assert.ok(word.length - '=?UTF-8?Q??='.length <= 52, word);
  });

  it('encodes only the span from the first to the last word that needs it', () => {
    assert.equal(encodeWords('Plain start then naïve end', 'Q', 52), 'Plain start then =?UTF-8?Q?na=C3=AFve?= end');
    assert.equal(encodeWords('Émile Zola', 'Q', 52), '=?UTF-8?Q?=C3=89mile?= Zola');
  });

  it('never splits a multi-byte character across two words', () => {
    assert.equal(
      encodeWords('新闻周刊：本周要闻与深度报道', 'Q', 52),
      '=?UTF-8?Q?=E6=96=B0=E9=97=BB=E5=91=A8=E5=88=8A?= =?UTF-8?Q?=EF=BC=9A=E6=9C=AC=E5=91=A8=E8=A6=81?= =?UTF-8?Q?=E9=97=BB=E4=B8=8E=E6=B7=B1=E5=BA=A6?= =?UTF-8?Q?=E6=8A=A5=E9=81=93?=',
    );
  });

  it('encodes a double quote, which would otherwise end a quoted display name', () => {
    assert.equal(encodeWords('Say "hi"', 'Q', 52), 'Say =?UTF-8?Q?=22hi=22?=');
  });

  it('passes a well-formed encoded word through as it is (a reader will decode it)', () => {
    assert.equal(encodeWords('=?UTF-8?Q?not_really?=', 'Q', 52), '=?UTF-8?Q?not_really?=');
  });
});

describe('foldLines: header folding at 76', () => {
  it('folds an encoded subject between its words, each line within 76', () => {
    const subject = `Subject: ${encodeWords('Gazette weekly: Café culture, Zürich, München and Kraków in one long subject line', 'Q', 52)}`;
    const folded = foldLines(subject, 76);
    assert.equal(
      folded,
      'Subject: Gazette weekly: =?UTF-8?Q?Caf=C3=A9_culture=2C_Z=C3=BCrich=2C_M?=\r\n =?UTF-8?Q?=C3=BCnchen_and_Krak=C3=B3w?= in one long subject line',
    );
    assert.deepEqual(lineLengths(folded), [74, 65]);
  });

  it('folds a long all-accented subject into one encoded word per line', () => {
    const folded = foldLines(`Subject: ${encodeWords('é'.repeat(29), 'Q', 52)}`, 76);
    assert.equal(
      folded,
      [
        'Subject: =?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?=',
        ' =?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?=',
        ' =?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?=',
        ' =?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?=',
        ' =?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?=',
      ].join('\r\n'),
    );
  });

  it('folds plain ASCII at the last space before 76, and leaves a short header alone', () => {
    assert.equal(
      foldLines('Subject: A plain ASCII subject that is long enough to need folding at seventy-six characters wide', 76),
      'Subject: A plain ASCII subject that is long enough to need folding at\r\n seventy-six characters wide',
    );
    assert.equal(foldLines('Subject: short', 76), 'Subject: short');
  });

  it('folds the DKIM-Signature header after its semicolons (the text that gets signed)', () => {
    const header =
      'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mail; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; h=from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post';
    assert.equal(
      foldLines(header, 76),
      'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n s=mail; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n h=from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post',
    );
  });

  it('cannot fold a single word longer than the line: it goes on a line of its own', () => {
    assert.equal(foldLines(`Subject: ${'x'.repeat(100)}`, 76), `Subject:\r\n ${'x'.repeat(100)}`);
  });
});

describe('qpEncode: quoted-printable of body text', () => {
  it('escapes "=" itself', () => {
    assert.equal(qpEncode('a=b'), 'a=3Db');
  });

  it('escapes a space or tab before a line break or at the end, and only the last one', () => {
    assert.equal(qpEncode('trailing spaces   \r\nnext line\t\r\nend  '), 'trailing spaces  =20\r\nnext line=09\r\nend =20');
  });

  it('writes UTF-8 bytes of non-ASCII text (accents, emoji with a variation selector, CJK)', () => {
    assert.equal(qpEncode('café 🗞️ 新闻'), 'caf=C3=A9 =F0=9F=97=9E=EF=B8=8F =E6=96=B0=E9=97=BB');
  });

  it('keeps CRLF as a hard line break, and a lone CR or LF as it is (Gazette makes every break CRLF first)', () => {
    assert.equal(qpEncode('line one\r\nline two'), 'line one\r\nline two');
    assert.equal(qpEncode('lone\nLF and lone\rCR'), 'lone\nLF and lone\rCR');
  });

  it('leaves a leading dot and "From " alone (dot-stuffing is the SMTP client\'s job)', () => {
    assert.equal(qpEncode('.dot at start\r\n.second\r\nFrom the start'), '.dot at start\r\n.second\r\nFrom the start');
  });
});

describe('qpWrap: soft line breaks at 76', () => {
  it('leaves a line of 76 characters whole and breaks a longer one with "=" at 75', () => {
    assert.equal(qpWrap(qpEncode('x'.repeat(76)), 76), 'x'.repeat(76));
    assert.equal(qpWrap(qpEncode('x'.repeat(100)), 76), `${'x'.repeat(75)}=\r\n${'x'.repeat(25)}`);
  });

  it('breaks after a space when there is one, and keeps hard breaks', () => {
    assert.equal(qpWrap(qpEncode('word '.repeat(20)), 76), `${'word '.repeat(15)}=\r\n${'word '.repeat(4)}word=20`);
    assert.equal(qpWrap(qpEncode('short\r\nlines'), 76), 'short\r\nlines');
  });

  it('never cuts an escape sequence at the soft-break boundary', () => {
    assert.equal(qpWrap(qpEncode(`${'a'.repeat(73)}=b`), 76), `${'a'.repeat(73)}=\r\n=3Db`);
    assert.equal(qpWrap(qpEncode(`${'a'.repeat(74)}é`), 76), `${'a'.repeat(74)}=\r\n=C3=A9`);
    assert.equal(qpWrap(qpEncode('é'.repeat(30)), 76), `${'=C3=A9'.repeat(12)}=\r\n${'=C3=A9'.repeat(12)}=\r\n${'=C3=A9'.repeat(6)}`);
  });
});
