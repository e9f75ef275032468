import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isBreakerTripped } from '../../src/editions/bounce-breaker.service.ts';
import { classifyReply, classifySmtpError, enhancedCodeOf, phaseOf, type SmtpPhase } from '../../src/mail/smtp-outcome.ts';

/**
 * The rule, row by row: phase × basic code × enhanced code → what happens. `bounce` is the only
 * verdict that touches the subscriber, so every row that is not about the recipient must not say it.
 */
const table: [SmtpPhase, number, string, 'bounce' | 'retry' | 'refused'][] = [
  // About the recipient: bounce.
  ['recipient', 550, '550 5.1.1 No such user', 'bounce'],
  ['recipient', 550, '550 5.1.0 Address rejected', 'bounce'],
  ['recipient', 553, '553 5.1.3 Bad recipient address syntax', 'bounce'],
  ['recipient', 550, '550 5.1.2 Bad destination system address', 'bounce'],
  ['recipient', 550, '550 5.1.10 Recipient address has null MX', 'bounce'],
  ['recipient', 550, '550 5.2.1 Mailbox disabled', 'bounce'],
  ['recipient', 550, '550 5.4.4 Unable to route', 'bounce'],
  ['recipient', 550, '550 5.7.13 User account disabled', 'bounce'],
  ['recipient', 550, '550 5.7.17 Mailbox owner has changed', 'bounce'],
  ['recipient', 550, '550 5.7.18 Domain owner has changed', 'bounce'],
  ['recipient', 550, '550 5.1.6 Mailbox has moved', 'bounce'],
  ['recipient', 550, '550 5.2.0 Mailbox unavailable', 'bounce'],
  ['recipient', 550, '550 5.2.4 Mailing list expansion problem', 'bounce'],
  ['recipient', 550, '550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 Please check the address', 'bounce'],
  ['data', 550, '550 5.1.1 Recipient unknown', 'bounce'],
  ['data', 550, '550 5.2.1 Account disabled', 'bounce'],
  ['recipient', 550, '550 No such user', 'bounce'],
  ['recipient', 551, '551 User not local', 'bounce'],
  ['recipient', 556, '556 Domain does not accept mail', 'bounce'],
  // Soft although 5xx: a full mailbox empties.
  ['recipient', 552, '552 5.2.2 Mailbox full', 'retry'],
  ['data', 552, '552 5.2.2 Over quota', 'retry'],
  ['recipient', 552, '552 Requested mail action aborted: exceeded storage allocation', 'retry'],
  // 4xx about this message or recipient: retried, counting an attempt.
  ['recipient', 451, '451 4.7.1 Greylisted, try again', 'retry'],
  ['recipient', 450, '450 4.2.1 Mailbox busy', 'retry'],
  ['recipient', 452, '452 4.2.2 Mailbox full', 'retry'],
  ['data', 451, '451 4.3.0 Try again later', 'retry'],
  ['recipient', 454, '454 4.7.0 Throttling', 'retry'],
  ['data', 452, '452 4.3.1 Insufficient system storage', 'retry'],
  // The session, the sender, authentication, TLS: never one recipient's fault.
  ['session', 554, '554 5.7.1 Go away', 'refused'],
  ['session', 550, '550 5.1.1 No such user', 'refused'],
  ['session', 530, '530 5.7.0 Must issue a STARTTLS command first', 'refused'],
  ['session', 535, '535 5.7.8 Authentication credentials invalid', 'refused'],
  ['session', 421, '421 4.3.2 Service not available, closing channel', 'refused'],
  ['session', 451, '451 4.7.1 Client host temporarily blocked', 'refused'],
  ['sender', 530, '530 5.7.0 Authentication required', 'refused'],
  ['sender', 550, '550 5.1.8 Bad sender address', 'refused'],
  ['sender', 550, '550 5.1.1 Sender unknown', 'refused'],
  ['sender', 553, '553 5.1.7 Sender address invalid', 'refused'],
  ['sender', 550, '550 Sender rejected', 'refused'],
  ['sender', 451, '451 4.3.0 Local error in processing', 'refused'],
  ['sender', 452, '452 4.3.1 Insufficient system storage', 'refused'],
  // At RCPT TO or DATA but not about the recipient: policy, system, protocol, content.
  ['recipient', 550, '550 5.1.7 Bad sender mailbox syntax', 'refused'],
  ['recipient', 554, '554 5.7.1 Relay access denied', 'refused'],
  ['recipient', 550, '550 5.7.1 Client host rejected', 'refused'],
  ['recipient', 530, '530 5.7.0 Authentication required', 'refused'],
  ['recipient', 550, '550 5.3.2 System not accepting network messages', 'refused'],
  ['recipient', 550, '550 5.5.1 Bad sequence of commands', 'refused'],
  ['recipient', 503, '503 Bad sequence of commands', 'refused'],
  ['recipient', 554, '554 Transaction failed', 'refused'],
  ['recipient', 550, '550 5.4.1 Access denied', 'refused'],
  ['recipient', 421, '421 4.7.0 Too many connections', 'refused'],
  ['recipient', 550, '550 5.1.8 Bad sender domain', 'refused'],
  ['data', 421, '421 4.3.2 System shutting down', 'refused'],
  ['data', 503, '503 5.5.1 Bad sequence of commands', 'refused'],
  ['data', 554, '554 5.7.1 Message refused by policy', 'refused'],
  ['data', 550, '550 5.7.26 Unauthenticated email is not accepted (DMARC)', 'refused'],
  ['data', 552, '552 5.3.4 Message too big for system', 'refused'],
  ['data', 550, '550 5.2.3 Message length exceeds administrative limit', 'refused'],
  ['data', 554, '554 5.6.0 Message content rejected', 'refused'],
  ['data', 550, '550 Message rejected as spam', 'refused'],
  ['data', 554, '554 Transaction failed', 'refused'],
  // Without an enhanced code after DATA, even RCPT TO's "no such mailbox" codes may be about the content.
  ['data', 551, '551 User not local', 'refused'],
  ['data', 553, '553 Mailbox name not allowed', 'refused'],
  ['data', 552, '552 Message size exceeds fixed maximum message size', 'refused'],
];

describe('classifyReply: phase × basic code × enhanced code', () => {
  for (const [phase, code, reply, expected] of table) {
    it(`${phase.padEnd(9)} ${reply} → ${expected}`, () => {
      const verdict = classifyReply(phase, code, reply);
      assert.equal(verdict.kind, expected);
      assert.equal(verdict.reply, reply);
    });
  }

  it('a refusal at RCPT TO or DATA counts an attempt (it may concern this message); one of the session or the sender does not', () => {
    const at = (phase: SmtpPhase) => classifyReply(phase, 554, '554 5.7.1 Refused');
    for (const phase of ['recipient', 'data'] as const)
      assert.deepEqual(at(phase), { kind: 'refused', reply: '554 5.7.1 Refused', permanent: true, countsAttempt: true, phase });
    for (const phase of ['session', 'sender'] as const)
      assert.deepEqual(at(phase), { kind: 'refused', reply: '554 5.7.1 Refused', permanent: true, countsAttempt: false, phase });
    assert.equal((classifyReply('sender', 451, '451 4.3.0 Later') as { permanent: boolean }).permanent, false);
  });

  it('throttling replies (421, 454, 4.7.x) ask to slow down; greylisting at RCPT is still a per-recipient retry', () => {
    assert.deepEqual(classifyReply('recipient', 454, '454 4.7.0 Throttling'), {
      kind: 'retry',
      reply: '454 4.7.0 Throttling',
      slowDown: true,
    });
    assert.deepEqual(classifyReply('recipient', 452, '452 4.2.2 Mailbox full'), {
      kind: 'retry',
      reply: '452 4.2.2 Mailbox full',
      slowDown: false,
    });
    assert.deepEqual(classifyReply('recipient', 451, '451 4.7.1 Greylisted'), {
      kind: 'retry',
      reply: '451 4.7.1 Greylisted',
      slowDown: true,
    });
    assert.deepEqual(classifyReply('recipient', 454, '454 Too many recipients'), {
      kind: 'retry',
      reply: '454 Too many recipients',
      slowDown: true,
    });
    assert.deepEqual(classifyReply('data', 451, '451 Local error'), { kind: 'retry', reply: '451 Local error', slowDown: false });
    assert.deepEqual(classifyReply('recipient', 552, '552 5.2.2 Mailbox full'), {
      kind: 'retry',
      reply: '552 5.2.2 Mailbox full',
      slowDown: false,
    });
  });
});

describe('classifySmtpError: nodemailer errors as each phase produces them', () => {
  // The shapes below were taken from nodemailer 10.6.1 against smtp-server on loopback (see the commit).
  const cases: [string, Record<string, unknown>, string][] = [
    [
      '530 to MAIL FROM',
      { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Authentication required' },
      'refused',
    ],
    ['550 5.1.1 to RCPT TO', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 No such user' }, 'bounce'],
    [
      '554 5.7.1 after DATA',
      { code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.7.1 Message refused by policy' },
      'refused',
    ],
    ['554 greeting', { code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 5.7.1 Go away' }, 'refused'],
    [
      '421 that closed the connection at RCPT TO',
      { code: 'ECONNECTION', command: 'CONN', responseCode: 421, response: '421 4.7.0 Too busy' },
      'refused',
    ],
    ['EHLO refused', { code: 'ECONNECTION', command: 'EHLO', responseCode: 554, response: '554 5.5.0 No EHLO' }, 'refused'],
    ['AUTH refused', { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Bad credentials' }, 'refused'],
    ['connection refused', { code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:2525' }, 'unreachable'],
    ['greeting timeout', { code: 'ETIMEDOUT', command: 'CONN', message: 'Greeting never received' }, 'unreachable'],
    ['pool closed', { message: 'Connection pool was closed' }, 'unreachable'],
    ['DNS failure', { code: 'EDNS', command: 'CONN', message: 'getaddrinfo ENOTFOUND smtp.example.com' }, 'unreachable'],
    ['TLS failure', { code: 'ETLS', command: 'CONN', message: 'self-signed certificate' }, 'unreachable'],
    // The phase cannot be told: never a bounce.
    [
      'a 5.1.1 to an unknown command',
      { code: 'EENVELOPE', command: 'API', responseCode: 550, response: '550 5.1.1 No such user' },
      'refused',
    ],
    [
      '550 5.1.1 to the message itself (MESSAGE)',
      { code: 'EMESSAGE', command: 'MESSAGE', responseCode: 550, response: '550 5.1.1 No such user' },
      'bounce',
    ],
    ['aborted at shutdown', { code: 'EABORT', name: 'AbortError', message: 'Message sending aborted' }, 'aborted'],
    ['an address nodemailer refuses', { code: 'EENVELOPE', command: 'API', message: 'Invalid recipient "x"' }, 'local'],
  ];
  for (const [name, error, expected] of cases) {
    it(`${name} → ${expected}`, () =>
      assert.equal(classifySmtpError(Object.assign(new Error(String(error.message ?? error.response)), error)).kind, expected));
  }

  it('a connection lost after DATA is uncertain (the server may have the message)', () => {
    assert.deepEqual(classifySmtpError(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION', command: 'DATA' })), {
      kind: 'unreachable',
      reply: 'ECONNECTION Connection closed',
      afterData: true,
    });
  });
});

describe('phaseOf', () => {
  it("maps each of nodemailer's commands to its phase, and an unknown one to none", () => {
    const table: [string | undefined, SmtpPhase | undefined][] = [
      ['CONN', 'session'],
      ['EHLO', 'session'],
      ['HELO', 'session'],
      ['LHLO', 'session'],
      ['STARTTLS', 'session'],
      ['AUTH PLAIN', 'session'],
      ['AUTH XOAUTH2', 'session'],
      ['MAIL FROM', 'sender'],
      ['RCPT TO', 'recipient'],
      ['DATA', 'data'],
      ['MESSAGE', 'data'],
      ['rcpt to', 'recipient'],
      ['API', undefined],
      ['', undefined],
      [undefined, undefined],
    ];
    for (const [command, phase] of table) assert.equal(phaseOf(command), phase, String(command));
  });
});

describe('enhancedCodeOf', () => {
  it('reads class.subject.detail after the basic code, and nothing else', () => {
    assert.deepEqual(enhancedCodeOf('550 5.1.1 No such user'), { klass: 5, subject: 1, detail: 1 });
    assert.deepEqual(enhancedCodeOf('550-5.7.26 Unauthenticated'), { klass: 5, subject: 7, detail: 26 });
    assert.equal(enhancedCodeOf('550 No such user 5.1.1'), undefined);
    assert.equal(enhancedCodeOf('550 1.2.3.4 blocked'), undefined);
  });
});

describe('properties over every reply (fast-check, seeded)', () => {
  const phase = fc.constantFrom<SmtpPhase>('session', 'sender', 'recipient', 'data');
  const enhanced = fc.option(fc.tuple(fc.constantFrom(2, 4, 5), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 30 })), {
    nil: undefined,
  });
  const reply = fc
    .tuple(fc.integer({ min: 400, max: 599 }), enhanced, fc.string({ maxLength: 30 }))
    .map(([code, e, text]) => ({ code, text: `${code} ${e ? `${e.join('.')} ` : ''}${text.replace(/[\r\n]/g, ' ')}` }));

  it('only a 5xx at RCPT TO or DATA ever bounces; a 4xx never does; the session and the sender never do', () => {
    fc.assert(
      fc.property(phase, reply, (p, r) => {
        const verdict = classifyReply(p, r.code, r.text);
        if (verdict.kind !== 'bounce') return true;
        return r.code >= 500 && (p === 'recipient' || p === 'data');
      }),
      { seed: 20261129, numRuns: 2000 },
    );
  });

  it('the breaker trips only at or above both the share and the floor, and stays tripped as bounces grow', () => {
    const settings = { share: 0.05, minBounces: 10, windowMinutes: 10 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (recipients, raw) => {
        const bounced = Math.min(raw, recipients);
        const tripped = isBreakerTripped(settings, bounced, recipients);
        if (tripped !== (bounced >= 10 && bounced / recipients >= 0.05)) return false;
        return !tripped || bounced === recipients || isBreakerTripped(settings, bounced + 1, recipients);
      }),
      { seed: 20261129, numRuns: 2000 },
    );
  });
});
