// @ts-check

/**
 * Consensus confidences in double precision. knex's `float` is PostgreSQL's
 * 4-byte `real` (7 digits), too coarse for confidences the dashboard
 * compares with the reference math to 1e-9; SQLite's REAL is 8 bytes
 * already.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  if (knex.client.config.client === 'pg') {
    await knex.schema.alterTable('item_outcomes', table => {
      table.double('confidence').alter();
    });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (knex.client.config.client === 'pg') {
    await knex.schema.alterTable('item_outcomes', table => {
      table.float('confidence').alter();
    });
  }
};
