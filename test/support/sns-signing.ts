import { createSign, randomUUID } from 'node:crypto';
import type { LocalHttpsServer, LocalPki } from './local-pki.ts';

/** Where the local HTTPS server (playing sns.<region>.amazonaws.com) serves the signing certificate. */
export const SNS_CERT_PATH = '/SimpleNotificationService-test.pem';

export type SnsFields = Record<string, string>;

/** Signed the way SNS signs: "Name\nvalue\n" for the documented fields, in order. */
export function signSns(pki: LocalPki, fields: SnsFields, version: '1' | '2' = '2'): SnsFields {
  const names =
    fields.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const canonical = names
    .filter((n) => fields[n] !== undefined)
    .map((n) => `${n}\n${fields[n]}\n`)
    .join('');
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(canonical);
  return { ...fields, SignatureVersion: version, Signature: signer.sign(pki.signingKeyPem, 'base64') };
}

/** An SNS notification carrying one SES event, signed with the local PKI's SNS key. */
export function signedSesNotification(
  pki: LocalPki,
  certHost: LocalHttpsServer,
  topicArn: string,
  sesEvent: object,
  at: Date,
  extra: SnsFields = {},
): SnsFields {
  return signSns(pki, {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(sesEvent),
    Timestamp: at.toISOString(),
    SigningCertURL: `${certHost.origin}${SNS_CERT_PATH}`,
    UnsubscribeURL: `${certHost.origin}/unsubscribe`,
    ...extra,
  });
}
