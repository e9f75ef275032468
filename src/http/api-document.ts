import type { Config } from '../config/config.schema.ts';
import { adminSubscriberOperations, openApiOperation } from './admin-subscribers.openapi.ts';
import { adminSuppressionOperations } from './admin-suppressions.openapi.ts';
import { editionsAdminOperations } from './editions-admin.openapi.ts';
import { buildOpenApiDocument, type ApiOperation } from './openapi.ts';
import { subscriptionOperations } from './subscriptions.openapi.ts';
import { manageOperations } from './manage.openapi.ts';

/**
 * Every documented operation. A capability that adds API routes (public or under /api) adds its
 * table here; test/http/openapi.test.ts fails while Express and this list disagree.
 */
export const apiOperations: readonly ApiOperation[] = [
  ...subscriptionOperations,
  ...manageOperations,
  ...adminSubscriberOperations,
  ...editionsAdminOperations,
  ...adminSuppressionOperations,
  openApiOperation,
];

export function buildApiDocument(config: Config): Record<string, unknown> {
  return buildOpenApiDocument(config, apiOperations);
}
