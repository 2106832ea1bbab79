import type Database from 'better-sqlite3';

/**
 * Runs a read in one read transaction, so it sees one snapshot of the partitions catalogue and of the
 * per-day tables: retention dropping a day while a search walks the days cannot make a table vanish
 * under it (a WAL reader keeps its snapshot until the transaction ends).
 */
export function inSnapshot<T>(db: Database.Database, read: () => T): T {
  return db.transaction(read).deferred();
}
