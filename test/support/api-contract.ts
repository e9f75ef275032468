import assert from 'node:assert/strict';
import { apiOperations } from '../../src/http/api-document.ts';
import type { ApiOperation } from '../../src/http/openapi.ts';

interface ResponseLike {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
  req?: { method?: string; path?: string };
}

function findOperation(method: string, path: string): ApiOperation | undefined {
  const bare = path.split('?')[0]!;
  return apiOperations.find(
    (op) => op.method === method.toLowerCase() && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare),
  );
}

/**
 * Asserts that a response is what /api/openapi.json promises: the operation exists, the status is
 * documented, and a JSON body validates against the documented schema (the zod schema the
 * document was generated from). Returns the response for chaining.
 */
export function assertDocumented<R extends ResponseLike>(method: string, path: string, res: R): R {
  const op = findOperation(method, path);
  assert.ok(op, `${method.toUpperCase()} ${path} is in the OpenAPI document`);
  const documented = op.responses[res.status];
  assert.ok(
    documented,
    `${method.toUpperCase()} ${op.path} documents status ${res.status} (documented: ${Object.keys(op.responses).join(', ')})`,
  );
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('application/json') && documented.json) {
    const parsed = documented.json.safeParse(res.body);
    assert.ok(
      parsed.success,
      `${method.toUpperCase()} ${op.path} ${res.status} body matches the documented schema: ${parsed.error?.message ?? ''}`,
    );
  }
  if (type.startsWith('text/html')) assert.ok(documented.html, `${op.path} ${res.status} documents an HTML answer`);
  if (type.startsWith('text/csv')) assert.ok(documented.csv, `${op.path} ${res.status} documents a CSV answer`);
  if (res.status >= 400 && type.startsWith('application/json')) {
    const error = (res.body as { error?: { code?: unknown; message?: unknown } }).error;
    assert.equal(typeof error?.code, 'string', 'an error body has a code');
    assert.equal(typeof error?.message, 'string', 'an error body has a message');
  }
  return res;
}
