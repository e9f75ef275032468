import { addressParams, suppressionAnswer } from './admin-suppressions.schemas.ts';
import { tooManyWrongTokens, type ApiOperation, type ApiResponse } from './openapi.ts';

/** The admin suppression API, as documented in /api/openapi.json. One address at a time: the list holds no addresses to list. */

const e = (description: string): ApiResponse => ({ description });
const auth = { 401: e('Missing or wrong bearer token.'), 429: tooManyWrongTokens };
const bad = { 400: e('The address is not a valid email address; the message says why.') };
const TAG = 'Admin: suppressions';

export const adminSuppressionOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/suppressions/{address}',
    summary: 'Whether an address is suppressed, and why',
    description:
      'Addresses deleted (by the person or an operator) or complained about are suppressed: a sign-up gets the usual answer and no mail, an import skips them. Only a keyed hash is stored, so the list cannot be listed.',
    tag: TAG,
    admin: true,
    params: addressParams,
    responses: {
      200: { description: 'The suppression state of the address', json: suppressionAnswer },
      ...bad,
      ...auth,
      404: e('The admin API is off (no admin.token configured).'),
    },
  },
  {
    method: 'delete',
    path: '/api/suppressions/{address}',
    summary: 'Lift the suppression of one address',
    description: 'The address may then sign up or be imported again. The row keeps who lifted it and when.',
    tag: TAG,
    admin: true,
    params: addressParams,
    responses: {
      204: e('Lifted'),
      ...bad,
      ...auth,
      404: e('The address is not suppressed (NotFound), or the admin API is off.'),
    },
  },
];
