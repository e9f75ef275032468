import { createVerify } from 'node:crypto';
import { z } from 'zod';

/**
 * Amazon SNS HTTP(S) messages: their shape, the string SNS signs, and the signature check.
 * Pure: the signing certificate is fetched elsewhere (sns-certificates.ts) and passed in.
 */

const text = z.string().min(1).max(300_000);

export const snsMessageSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(200),
  TopicArn: z.string().min(1).max(400),
  Message: text,
  Timestamp: z.string().min(1).max(64),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1).max(2000),
  SigningCertURL: z.string().min(1).max(2000),
  Subject: z.string().max(1000).optional(),
  SubscribeURL: z.string().max(4000).optional(),
  Token: z.string().max(4000).optional(),
  UnsubscribeURL: z.string().max(4000).optional(),
});

export type SnsMessage = z.infer<typeof snsMessageSchema>;

/**
 * The string SNS signs: "Name\nvalue\n" for each documented field present, in this order.
 * Notifications sign Subject only when it is there; confirmations sign SubscribeURL and Token.
 */
export function snsStringToSign(message: SnsMessage): string {
  const fields =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  let signed = '';
  for (const name of fields) {
    const value = message[name];
    if (value === undefined) continue;
    signed += `${name}\n${value}\n`;
  }
  return signed;
}

/** SignatureVersion 1 is RSA with SHA-1, 2 is RSA with SHA-256; the signature is base64. */
export function isSnsSignatureValid(message: SnsMessage, certificatePem: string): boolean {
  const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  verifier.update(snsStringToSign(message), 'utf8');
  try {
    return verifier.verify(certificatePem, message.Signature, 'base64');
  } catch {
    return false; // not a certificate, or a key that cannot verify RSA
  }
}

/**
 * SNS's certificates and subscription links are fetched only over https from a host matching the
 * pattern (matched against host[:port], so a non-default port must be allowed explicitly): a
 * forged message cannot make us fetch a key of the forger's choosing, or any other URL.
 */
export function isAllowedSnsUrl(url: string, hostPattern: RegExp): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && hostPattern.test(parsed.host);
}
