import { z } from 'zod';
import {
  changeBody,
  idParams,
  importAnswer,
  importQuery,
  listQuery,
  statsAnswer,
  subscriberPageAnswer,
} from './admin-subscribers.schemas.ts';
import { tooManyWrongTokens, type ApiOperation, type ApiResponse } from './openapi.ts';
import { subscriberDetailView, subscriberView } from './subscriptions.schemas.ts';

/** The admin subscriber API, as documented in /api/openapi.json. JSON only, behind the bearer token. */

const e = (description: string): ApiResponse => ({ description });
const auth = {
  401: e('Missing or wrong bearer token.'),
  429: tooManyWrongTokens,
  404: e('The admin API is off (no admin.token configured), or no such subscriber.'),
};
const bad = { 400: e('A parameter or field is malformed or unknown; the message says which.') };
const TAG = 'Admin: subscribers';
const op = (o: Omit<ApiOperation, 'tag' | 'admin'>): ApiOperation => ({
  ...o,
  tag: TAG,
  admin: true,
  responses: { ...o.responses, ...auth },
});

export const adminSubscriberOperations: ApiOperation[] = [
  op({
    method: 'get',
    path: '/api/subscribers',
    summary: 'List and search subscribers, newest first, paginated',
    query: listQuery,
    responses: { 200: { description: 'A page', json: subscriberPageAnswer }, ...bad },
  }),
  op({
    method: 'get',
    path: '/api/subscribers/stats',
    summary: 'Counts by status and by frequency, and sign-ups refused as automated by reason',
    responses: { 200: { description: 'Counts', json: statsAnswer } },
  }),
  op({
    method: 'get',
    path: '/api/subscribers/export',
    summary: 'Every subscriber as CSV (streamed)',
    responses: { 200: { description: 'CSV with a header line', csv: true } },
  }),
  op({
    method: 'post',
    path: '/api/subscribers/import',
    summary: 'Import a CSV (email[,name][,frequency]); idempotent',
    description:
      'Existing addresses are left unchanged. Invalid rows are reported by line number; rows whose address is on the suppression list are counted as suppressed and not imported; valid rows are imported. Rows are pending unless consentSource is given.',
    query: importQuery,
    body: { mediaTypes: ['text/csv'], required: true },
    responses: {
      200: { description: 'What was imported and what was not', json: importAnswer },
      ...bad,
      413: e('The file is larger than 20 MB.'),
      415: e('The body is not text/csv.'),
      507: e(
        'The disk holding the database is full (StorageFull). Rows are stored in whole batches: details.storedThroughLine is the last line stored, nothing after it is; run the same import again once there is space and it finishes the job.',
      ),
    },
  }),
  op({
    method: 'get',
    path: '/api/subscribers/{id}',
    summary: 'One subscriber',
    params: idParams,
    responses: {
      200: { description: 'The subscriber, with each bounce and restore (events, oldest first)', json: subscriberDetailView },
      ...bad,
    },
  }),
  op({
    method: 'patch',
    path: '/api/subscribers/{id}',
    summary: 'Change status, frequency or name',
    params: idParams,
    body: { mediaTypes: ['application/json'], schema: changeBody, required: true },
    responses: {
      200: { description: 'The subscriber after the change', json: subscriberView },
      ...bad,
      413: e('The body is larger than 16 KB.'),
      415: e('The body is not JSON.'),
    },
  }),
  op({
    method: 'delete',
    path: '/api/subscribers/{id}',
    summary: 'Delete a subscriber and their data',
    params: idParams,
    responses: { 204: { description: 'Deleted' }, ...bad },
  }),
];

export const openApiOperation: ApiOperation = {
  method: 'get',
  path: '/api/openapi.json',
  tag: 'Meta',
  summary: 'This document',
  responses: { 200: { description: 'OpenAPI 3.1', json: z.object({ openapi: z.string() }).loose() } },
};
