// Fails loudly when the PostgreSQL test server cannot be reached, so database
// tests never silently run on SQLite alone.
const { Client } = require('pg');

const connectionString =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;

async function main() {
  if (!connectionString) {
    throw new Error(
      'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set',
    );
  }
  const client = new Client({ connectionString });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  console.log(`PostgreSQL ${rows[0].server_version} reachable for tests`);
}

main().catch(error => {
  console.error(`PostgreSQL is required for the tests: ${error.message}`);
  process.exit(1);
});
