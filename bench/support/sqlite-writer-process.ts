import Database from 'better-sqlite3';

/**
 * A second process writing the same SQLite file in a loop, as a CLI command beside the server
 * does: each transaction takes the write lock, holds it 5 ms, and commits; the next begins
 * 10 ms later (a busy importer, not a process that never lets go).
 * Usage: sqlite-writer-process.ts FILE   (runs until killed)
 */
const db = new Database(process.argv[2]!, { timeout: 10_000 });
db.pragma('journal_mode = WAL');
db.exec('create table if not exists chaos_writer (n integer not null)');
const insert = db.prepare('insert into chaos_writer (n) values (?)');
const write = db.transaction((n: number) => {
  insert.run(n);
  const until = performance.now() + 5;
  while (performance.now() < until) insert.run(n);
});
for (let n = 0; ; n++) {
  write.immediate(n);
  await new Promise((r) => setTimeout(r, 10));
}
