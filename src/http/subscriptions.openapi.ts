import type { ApiOperation, ApiResponse } from './openapi.ts';
import {
  acceptedAnswer,
  confirmationPreviewAnswer,
  confirmedAnswer,
  dataExportAnswer,
  deletedAnswer,
  preferencesAnswer,
  preferencesBody,
  subscribeBody,
  subscribeFormAnswer,
  tokenParams,
  unsubscribedAnswer,
} from './subscriptions.schemas.ts';
import { z } from 'zod';

/** The public subscription endpoints, as documented in /api/openapi.json. Each answers HTML to browsers, JSON otherwise. */

const FORM = ['application/x-www-form-urlencoded', 'application/json'];
const e = (description: string): ApiResponse => ({ description, html: true });
const bodyErrors = {
  400: e('A field is missing, malformed or unknown; the message says which and what to fix.'),
  413: e('The body is larger than 4 KB.'),
  415: e('The body is not form-encoded or JSON.'),
};
const tokenErrors = { 400: e('The link is not one of ours (forged, truncated or mistyped).') };
const confirmErrors = { ...tokenErrors, 410: e('The link has expired, was already used, or its subscriber deleted their data.') };
const TAG = 'Subscriptions';

export const subscriptionOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/subscribe',
    tag: TAG,
    summary: 'The subscription form (HTML), or what it needs (JSON)',
    responses: {
      200: {
        description: 'The form',
        html: true,
        json: subscribeFormAnswer,
      },
    },
  },
  {
    method: 'get',
    path: '/subscribe/challenge',
    tag: TAG,
    summary: 'An ALTCHA proof-of-work challenge for the subscribe form (when subscriptions.proofOfWork is enabled)',
    description:
      'Solve it (the ALTCHA widget does, in the browser) and send the payload as `altcha` with the sign-up. Each solved challenge is good for one sign-up.',
    responses: {
      200: {
        description: 'A signed challenge',
        json: z.object({ parameters: z.looseObject({ algorithm: z.string(), nonce: z.string() }), signature: z.string() }).loose(),
      },
      404: e('Proof of work is off on this site.'),
    },
  },
  {
    method: 'post',
    path: '/subscribe',
    tag: TAG,
    summary: 'Ask for a subscription (double opt-in)',
    description:
      "Always the same 202 whatever the address's state, so nobody can learn who is subscribed. Queues a confirmation mail (at most one per address per confirmationResendMinutes). " +
      'A sign-up that looks automated (the hidden `website` field filled; a form stamp missing, forged, reused, older than formStampMaxAgeHours or sent sooner than minFormSeconds; a missing or reused proof of work; a disposable-mail domain when refuseDisposable) gets the same 202 and creates nothing.',
    body: { mediaTypes: FORM, schema: subscribeBody, required: true },
    responses: {
      202: { description: 'Accepted; a confirmation mail is queued if the address may receive one.', html: true, json: acceptedAnswer },
      ...bodyErrors,
      429: {
        description: 'Too many requests from this client address this hour.',
        html: true,
        headers: { 'Retry-After': 'Seconds until requests are accepted again.' },
      },
    },
  },
  {
    method: 'get',
    path: '/confirm/{token}',
    tag: TAG,
    summary: 'The confirmation page: shows a Confirm button, changes nothing',
    params: tokenParams,
    responses: { 200: { description: 'What would be confirmed', html: true, json: confirmationPreviewAnswer }, ...confirmErrors },
  },
  {
    method: 'post',
    path: '/confirm/{token}',
    tag: TAG,
    summary: 'Confirm the subscription (single use); queues the welcome mail',
    params: tokenParams,
    body: { mediaTypes: FORM, schema: z.object({}).strict() },
    responses: {
      200: { description: 'Confirmed', html: true, json: confirmedAnswer },
      ...confirmErrors,
      413: bodyErrors[413],
      415: bodyErrors[415],
    },
  },
  {
    method: 'get',
    path: '/unsubscribe/{token}',
    tag: TAG,
    summary: 'The unsubscribe page: shows a button, changes nothing',
    params: tokenParams,
    responses: {
      200: {
        description: 'The page',
        html: true,
        json: z.object({ unsubscribeUrl: z.string(), preferencesUrl: z.string(), method: z.literal('POST') }).strict(),
      },
      ...tokenErrors,
    },
  },
  {
    method: 'post',
    path: '/unsubscribe/{token}',
    tag: TAG,
    summary: 'Unsubscribe at once (RFC 8058 one-click); idempotent',
    description:
      'Accepts List-Unsubscribe=One-Click form-encoded, multipart or an empty body. 200, no redirect, no cookie. The link never expires.',
    params: tokenParams,
    body: { mediaTypes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'] },
    responses: {
      200: { description: 'Unsubscribed (or already)', html: true, json: unsubscribedAnswer },
      ...tokenErrors,
      413: bodyErrors[413],
      415: e('The body is not form-encoded, multipart or JSON.'),
    },
  },
  {
    method: 'get',
    path: '/preferences/{token}',
    tag: TAG,
    summary: "The subscriber's preferences",
    params: tokenParams,
    responses: {
      200: { description: 'Preferences', html: true, json: preferencesAnswer },
      ...tokenErrors,
      404: e('The subscriber deleted their data.'),
    },
  },
  {
    method: 'post',
    path: '/preferences/{token}',
    tag: TAG,
    summary: 'Change name or frequency, unsubscribe, download (JSON) or delete my data',
    params: tokenParams,
    body: { mediaTypes: FORM, schema: preferencesBody, required: true },
    responses: {
      200: {
        description: 'Done: the preferences, the unsubscribe or delete status, or the data as a JSON download',
        html: true,
        json: z.union([preferencesAnswer, unsubscribedAnswer, deletedAnswer, dataExportAnswer]),
      },
      ...bodyErrors,
      404: e('The subscriber deleted their data.'),
    },
  },
];
