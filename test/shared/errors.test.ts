import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageOf } from '../../src/shared/errors.ts';

describe('messageOf', () => {
  const cases: [string, unknown, string][] = [
    ['an Error: its message', new Error('disk full'), 'disk full'],
    ['an Error with an empty message: empty', new Error(''), ''],
    ['a string: itself', 'boom', 'boom'],
    ['an object: inspected, not [object Object]', { code: 'E1', detail: 'x' }, "{ code: 'E1', detail: 'x' }"],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
  ];
  for (const [name, thrown, expected] of cases) it(name, () => assert.equal(messageOf(thrown), expected));
});
