import {
  dryRunAnswer,
  editionListAnswer,
  editionParams,
  editionReportAnswer,
  listEditionsQuery,
  previewAnswer,
  previewQuery,
  resendFailedAnswer,
  restoreAnswer,
  restoreBody,
  resumeAnswer,
  sendEditionBody,
  sentEditionsAnswer,
} from './editions-admin.schemas.ts';
import { tooManyWrongTokens, type ApiOperation, type ApiResponse } from './openapi.ts';

/** The editions admin API (editions-admin.routes.ts), as documented in /api/openapi.json, from the schemas the routes validate with. */

const e = (description: string): ApiResponse => ({ description });
const auth = { 401: e('Missing or wrong bearer token.'), 429: tooManyWrongTokens };
const TAG = 'Admin: editions';
/** The refusals of a JSON body, the same for every POST with one. */
const jsonBodyErrors = {
  400: e('A field is missing, malformed or unknown (the message names it).'),
  413: e('The body is larger than the admin API accepts.'),
  415: e('The body is not JSON.'),
};
const op = (o: Omit<ApiOperation, 'tag' | 'admin'>): ApiOperation => ({
  ...o,
  tag: TAG,
  admin: true,
  responses: { ...o.responses, ...auth },
});

export const editionsAdminOperations: ApiOperation[] = [
  op({
    method: 'post',
    path: '/api/editions',
    summary: 'Make the next edition of a frequency now and send it (or, with dryRun, say what it would carry)',
    description:
      "The same operation as `gazette digest send`. The edition takes what no edition of the frequency carried yet; the running service's delivery worker sends it, and `GET /api/editions/{id}` follows it.",
    body: { mediaTypes: ['application/json'], schema: sendEditionBody, required: true },
    responses: {
      200: { description: 'Dry run: the articles and the audience', json: dryRunAnswer },
      201: {
        description: 'The editions made (one, or one per new article for instant), with their queued deliveries',
        json: sentEditionsAnswer,
      },
      ...jsonBodyErrors,
      404: e('The admin API is off (no admin.token configured).'),
      409: e('Nothing new: no edition was made.'),
    },
  }),
  op({
    method: 'get',
    path: '/api/editions',
    summary: 'The latest editions with their delivery counts',
    query: listEditionsQuery,
    responses: {
      200: { description: 'Editions, newest first', json: editionListAnswer },
      400: e('limit is not a whole number from 1 to 100, or an unknown query parameter was sent.'),
      404: e('The admin API is off (no admin.token configured).'),
    },
  }),
  op({
    method: 'get',
    path: '/api/editions/{id}',
    summary: 'One edition: counts, articles, failed and bounced recipients with their last SMTP reply',
    params: editionParams,
    responses: { 200: { description: 'The report', json: editionReportAnswer }, 404: e('No such edition, or the admin API is off.') },
  }),
  op({
    method: 'post',
    path: '/api/editions/{id}/resend-failed',
    summary: 'Queue the failed deliveries again (never those already sent)',
    params: editionParams,
    responses: {
      200: { description: 'How many were queued again', json: resendFailedAnswer },
      404: e('No such edition, or the admin API is off.'),
    },
  }),
  op({
    method: 'post',
    path: '/api/editions/{id}/resume',
    summary: 'Let an edition the bounce circuit breaker stopped send its queued deliveries again',
    params: editionParams,
    responses: {
      200: { description: 'Whether it was stopped (and now is not)', json: resumeAnswer },
      404: e('No such edition, or the admin API is off.'),
    },
  }),
  op({
    method: 'post',
    path: '/api/bounces/restore',
    summary:
      'Return subscribers bounced by one edition and/or one SMTP reply to confirmed, record who/when/why, and queue their bounced deliveries again',
    description:
      "For bounces that were the server's problem, not the address's. Each restored subscriber gets a `restored` event with the actor, the reason and the reply undone.",
    body: { mediaTypes: ['application/json'], schema: restoreBody, required: true },
    responses: {
      200: { description: 'What changed', json: restoreAnswer },
      ...jsonBodyErrors,
      404: e('No such edition, or the admin API is off.'),
    },
  }),
  op({
    method: 'get',
    path: '/api/digests/preview',
    summary: 'The next daily or weekly digest, as HTML and text',
    query: previewQuery,
    responses: {
      200: { description: 'The preview', json: previewAnswer },
      400: e('frequency is not daily or weekly, or an unknown query parameter was sent.'),
      404: e('The admin API is off (no admin.token configured).'),
      409: e('Nothing new: no edition would be sent.'),
    },
  }),
];
