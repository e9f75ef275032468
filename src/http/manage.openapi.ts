import type { ApiOperation, ApiResponse } from './openapi.ts';
import { manageBody, manageFormAnswer } from './manage.schemas.ts';
import { acceptedAnswer } from './subscriptions.schemas.ts';

/** /manage as documented in /api/openapi.json. Each answers HTML to browsers, JSON otherwise. */

const e = (description: string): ApiResponse => ({ description, html: true });
const TAG = 'Subscriptions';

export const manageOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/manage',
    tag: TAG,
    summary: 'The form that mails a subscriber a fresh link to their preferences (HTML), or what it needs (JSON)',
    responses: { 200: { description: 'The form', html: true, json: manageFormAnswer } },
  },
  {
    method: 'post',
    path: '/manage',
    tag: TAG,
    summary: 'Mail a link to the preferences page to a confirmed subscriber',
    description:
      'Always the same 202 for a well-formed address, whatever its state, so nobody can learn who is subscribed. Only a confirmed subscriber gets the mail, at most maxManageRequestsPerAddressPerDay a day (silently).',
    body: { mediaTypes: ['application/x-www-form-urlencoded', 'application/json'], schema: manageBody, required: true },
    responses: {
      202: { description: 'Accepted; the mail is queued if the address is subscribed.', html: true, json: acceptedAnswer },
      400: e('The address is missing or malformed, or a field is unknown; the message says which.'),
      413: e('The body is larger than 4 KB.'),
      415: e('The body is not form-encoded or JSON.'),
      429: {
        description: 'Too many requests from this client address this hour.',
        html: true,
        headers: { 'Retry-After': 'Seconds until requests are accepted again.' },
      },
    },
  },
];
