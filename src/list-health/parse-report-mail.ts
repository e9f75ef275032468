import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import { DELIVERY_HEADER } from '../mail/delivery-headers.ts';
import type { DeliveryReport } from './delivery-report.ts';
import { readPlainBounce } from './plain-bounce.ts';
import { addressField, kindOfRecipientBlock, readFieldBlocks, statusField, type FieldBlock } from './dsn-fields.ts';

/**
 * Reads one mail from the bounce mailbox into delivery reports:
 * - an RFC 3464 DSN (multipart/report; report-type=delivery-status): one report per recipient block;
 * - an RFC 5965 ARF report (report-type=feedback-report, Feedback-Type abuse): one complaint;
 * - a plain bounce from a mailer daemon that states a 5.x.x about one recipient: one hard bounce;
 * - anything else, auto-replies first among them (RFC 3834: an out-of-office is never a bounce): none.
 * The delivery comes from the VERP address the report was sent to (checked by `readVerpAddress`:
 * without it, or for an address not ours, reports carry only the recipient address).
 */
export interface ParseReportOptions {
  /** mail/verp.ts: the delivery id of a genuine VERP address, undefined otherwise. */
  readVerpAddress?: (address: string) => string | undefined;
  /** The envelope recipient (RCPT TO) the report arrived for, when the caller knows it. */
  envelopeRecipient?: string;
  /** The mail already parsed by `parseMail` (the bounce mailbox reads its subject too): not parsed again. */
  parsed?: ParsedMail;
  /**
   * mail/verp.ts: the delivery id of a signed tag, undefined otherwise. Read from the returned
   * message's X-Gazette-Delivery header when no VERP address names the delivery (VERP off, or a
   * relay that rewrote the envelope sender).
   */
  readDeliveryTag?: (tag: string) => string | undefined;
}

/** How a mailbox message is parsed for reports: the delivery-status parts kept, no HTML work. */
export function parseMail(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
}

export async function parseReportMail(raw: Buffer, source: string, options: ParseReportOptions = {}): Promise<DeliveryReport[]> {
  const mail = options.parsed ?? (await parseMail(raw));
  const reportKey = mail.messageId ?? `sha256:${createHash('sha256').update(raw).digest('base64url')}`;
  const context = { source, reportKey, deliveryId: verpDeliveryId(mail, options) ?? taggedDeliveryId(mail, options) };
  const reportType = reportTypeOf(mail);
  if (reportType === 'delivery-status') return readDsn(mail, context);
  if (reportType === 'feedback-report') return readArf(mail, context);
  if (isAutoReply(mail) || !isFromMailerDaemon(mail)) return [];
  const plain = readPlainBounce(mail.text ?? '');
  if (!plain) return [];
  return [{ kind: 'hard-bounce', ...plain, deliveryId: context.deliveryId, source, reportId: `${reportKey}:${plain.recipient}` }];
}

interface ReportContext {
  source: string;
  reportKey: string;
  deliveryId: string | null;
}

function readDsn(mail: ParsedMail, context: ReportContext): DeliveryReport[] {
  const part = partOfType(mail, ['message/delivery-status', 'message/global-delivery-status']);
  if (!part) return [];
  const [, ...recipients] = readFieldBlocks(part.content.toString('utf8'));
  const reports: DeliveryReport[] = [];
  for (const block of recipients) {
    const recipient = addressField(block.get('final-recipient')) ?? addressField(block.get('original-recipient'));
    const status = statusField(block.get('status'));
    const kind = kindOfRecipientBlock(block.get('action') ?? '', status);
    if (!kind || !recipient) continue;
    reports.push({
      kind,
      deliveryId: context.deliveryId,
      recipient,
      status,
      diagnostic: diagnosticOf(block),
      source: context.source,
      reportId: `${context.reportKey}:${recipient.toLowerCase()}`,
    });
  }
  return reports;
}

function readArf(mail: ParsedMail, context: ReportContext): DeliveryReport[] {
  const part = partOfType(mail, ['message/feedback-report']);
  if (!part) return [];
  const [fields] = readFieldBlocks(part.content.toString('utf8'));
  if (!fields || (fields.get('feedback-type') ?? '').toLowerCase() !== 'abuse') return [];
  const recipient = addressField(fields.get('original-rcpt-to')) ?? returnedRecipient(mail);
  return [
    {
      kind: 'complaint',
      deliveryId: context.deliveryId,
      recipient,
      status: null,
      diagnostic: fields.get('user-agent') ? `feedback loop: ${fields.get('user-agent')}` : 'feedback loop report',
      source: context.source,
      reportId: `${context.reportKey}:complaint`,
    },
  ];
}

function diagnosticOf(block: FieldBlock): string | null {
  const code = block.get('diagnostic-code');
  return code
    ? code
        .slice(code.indexOf(';') + 1)
        .trim()
        .slice(0, 500)
    : null;
}

/**
 * The delivery: the VERP address the report was delivered to (envelope, Delivered-To,
 * X-Original-To, To), else the one in the report itself (an ARF's Original-Mail-From, the
 * returned message's Return-Path), since a forwarded report may reach the mailbox another way.
 */
function verpDeliveryId(mail: ParsedMail, options: ParseReportOptions): string | null {
  const read = options.readVerpAddress;
  if (!read) return null;
  const candidates = [
    options.envelopeRecipient,
    ...headerValues(mail, 'delivered-to'),
    ...headerValues(mail, 'x-original-to'),
    ...addressesOf(mail.to),
    ...innerEnvelopeSenders(mail),
  ];
  for (const candidate of candidates) {
    const id = candidate ? read(candidate) : undefined;
    if (id) return id;
  }
  return null;
}

/** The delivery named by the X-Gazette-Delivery header of the returned message (or its headers), when its MAC checks. */
function taggedDeliveryId(mail: ParsedMail, options: ParseReportOptions): string | null {
  const returned = options.readDeliveryTag && partOfType(mail, RETURNED_TYPES);
  const tag = returned ? readFieldBlocks(returned.content.toString('utf8'))[0]?.get(DELIVERY_HEADER.toLowerCase()) : undefined;
  return (tag && options.readDeliveryTag?.(tag.trim())) ?? null;
}

function innerEnvelopeSenders(mail: ParsedMail): string[] {
  const senders: string[] = [];
  const feedback = partOfType(mail, ['message/feedback-report']);
  if (feedback) senders.push(addressField(readFieldBlocks(feedback.content.toString('utf8'))[0]?.get('original-mail-from')) ?? '');
  const returned = partOfType(mail, RETURNED_TYPES);
  if (returned) {
    const headers = readFieldBlocks(returned.content.toString('utf8'))[0];
    senders.push(headers?.get('return-path') ?? '');
  }
  return senders.filter((s) => s !== '');
}

function returnedRecipient(mail: ParsedMail): string | null {
  const returned = partOfType(mail, ['message/rfc822', 'text/rfc822-headers']);
  const to = returned ? readFieldBlocks(returned.content.toString('utf8'))[0]?.get('to') : undefined;
  return to ? (/<([^<>\s]+@[^<>\s]+)>/.exec(to)?.[1] ?? (to.includes('@') ? to.trim() : null)) : null;
}

/** Where a DSN or an ARF report carries the returned message or its headers. */
const RETURNED_TYPES = ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'];

function reportTypeOf(mail: ParsedMail): string | undefined {
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() !== 'multipart/report') return undefined;
  return type.params?.['report-type']?.toLowerCase();
}

function partOfType(mail: ParsedMail, types: readonly string[]): Attachment | undefined {
  return mail.attachments.find((a) => types.includes(a.contentType.toLowerCase()));
}

function headerValues(mail: ParsedMail, name: string): string[] {
  return mail.headerLines.filter((h) => h.key === name).map((h) => h.line.slice(h.line.indexOf(':') + 1).trim());
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((o) => o.value.map((a) => a.address ?? '')).filter((a) => a !== '');
}

const AUTO_REPLY_SUBJECT = /\b(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|abwesenheit|vacation|absence)\b/i;

/** RFC 3834 and the de-facto markers of vacation responders: such a mail is never a bounce. */
export function isAutoReply(mail: ParsedMail): boolean {
  const header = (name: string): string => (headerValues(mail, name)[0] ?? '').toLowerCase();
  if (header('x-autoreply') || header('x-autorespond') || header('x-autoresponder')) return true;
  const precedence = header('precedence');
  if (precedence === 'auto_reply') return true;
  if (AUTO_REPLY_SUBJECT.test(mail.subject ?? '')) return true;
  // A mailer daemon's bounce also says auto-replied (Postfix, Exim): only a person's mailbox replying counts here.
  return header('auto-submitted') === 'auto-replied' && !isFromMailerDaemon(mail);
}

function isFromMailerDaemon(mail: ParsedMail): boolean {
  return addressesOf(mail.from).some((a) => /^(mailer-daemon|postmaster|mail-daemon|mdaemon)@/i.test(a));
}
