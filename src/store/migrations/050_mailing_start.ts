import { sql, type Kysely } from 'kysely';

/**
 * The start of mailing now bounds digests as well as instant mail (src/editions/mailing-start.ts):
 * the key instant mail used keeps its value under the shared name, so a site that has been
 * running keeps its back catalogue out of every frequency.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update site_state set key = 'mailing_since' where key = 'instant_editions_since'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update site_state set key = 'instant_editions_since' where key = 'mailing_since'`.execute(db);
}
