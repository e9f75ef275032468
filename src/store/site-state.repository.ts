import type { Db } from './database.ts';

/** Small named values the whole site shares (versions, generated secrets), kept in the store so every instance sees them. */
export async function readSiteState(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('site_state').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function writeSiteState(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('site_state')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Writes `value` only if the key is absent, and returns whichever value is stored (first writer wins). */
export async function readOrInitSiteState(db: Db, key: string, value: string): Promise<string> {
  await db
    .insertInto('site_state')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await readSiteState(db, key)) ?? value;
}
