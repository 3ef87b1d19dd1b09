// Types of the pg parts src/db/pg-pool.ts imports directly (pg-pool ships none; @types/pg covers pg's main module):
// the same classes @types/pg describes.
declare module 'pg-pool' {
  import type { Pool } from 'pg';

  const PgPool: typeof Pool;
  export default PgPool;
}

declare module 'pg/lib/client' {
  import type { Client } from 'pg';

  const PgClient: typeof Client;
  export default PgClient;
}
