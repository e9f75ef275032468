import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCodeOf } from '../../src/store/store-errors.ts';

describe('errorCodeOf', () => {
  const cases: [string, unknown, string][] = [
    ['a SQLite error', Object.assign(new Error('busy'), { code: 'SQLITE_BUSY_SNAPSHOT' }), 'SQLITE_BUSY_SNAPSHOT'],
    ['a PostgreSQL SQLSTATE', Object.assign(new Error('too many clients'), { code: '53300' }), '53300'],
    ['a numeric code', { code: 5 }, '5'],
    ['an object as code: none, not [object Object]', { code: { nested: true } }, ''],
    ['no code', new Error('plain'), ''],
    ['a thrown string', 'boom', ''],
    ['null', null, ''],
  ];
  for (const [name, error, expected] of cases) it(name, () => assert.equal(errorCodeOf(error), expected));
});
