import type { Migration } from 'kysely';
import * as initial from './001_initial.ts';
import * as feeds from './005_feeds.ts';

/** Every migration, by name; names sort in the order they run. Add new ones at the end. */
export const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '005_feeds': feeds,
};
