import { GazetteError } from '../shared/errors.ts';
import type { Db } from '../store/database.ts';
import { findEdition, type Edition } from './edition.repository.ts';

/** The edition, or the one EditionNotFound every operation on an edition answers (404 over HTTP). */
export async function requireEdition(db: Db, editionId: string): Promise<Edition> {
  const edition = await findEdition(db, editionId);
  if (!edition) throw new GazetteError('EditionNotFound', `No edition has the id "${editionId}". \`gazette digest status\` lists them.`);
  return edition;
}
