// Online, consistent copy of the proxy's SQLite database (WAL mode) with SQLite's backup API.
// usage: node backup-db.mjs SOURCE DEST   (run as the service user; used by mfa-backup)
import { createRequire } from 'node:module';

const Database = createRequire('/usr/lib/mfa-radius-proxy/package.json')('better-sqlite3');
const [source, dest] = process.argv.slice(2);
const db = new Database(source, { readonly: true, fileMustExist: true });
await db.backup(dest);
db.close();
