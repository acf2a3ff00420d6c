// @ts-check

/**
 * `imports.updated_at`: touched by every stored batch, so a sweep can tell a
 * running import from one whose backend died (status `interrupted`).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('imports', table => {
    table
      .bigInteger('updated_at')
      .notNullable()
      .defaultTo(0)
      .comment('last stored batch (epoch ms); stale running rows are swept');
  });
  await knex('imports').update({
    updated_at: knex.raw('coalesce(finished_at, started_at)'),
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex('imports')
    .where({ status: 'interrupted' })
    .update({ status: 'failed' });
  await knex.schema.alterTable('imports', table => {
    table.dropColumn('updated_at');
  });
};
