// @ts-check

/**
 * Gold items mixed into annotators' queues (honeypots).
 *
 * A lease on a gold item takes no slot (any number of annotators may
 * answer a gold item), so releasing, skipping or expiring it must not give
 * one back: the lease says which kind it is. An answer to a gold item
 * records whether it was right, so an edit rescores it and a replay counts
 * nothing twice; null for every other answer.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('leases', table => {
    table
      .boolean('gold')
      .notNullable()
      .defaultTo(false)
      .comment('a honeypot lease: the item is gold, no slot is held');
  });
  await knex.schema.alterTable('annotations', table => {
    table
      .boolean('gold_correct')
      .comment('an answer to a gold item: whether it matched; else null');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('annotations', table => {
    table.dropColumn('gold_correct');
  });
  await knex.schema.alterTable('leases', table => {
    table.dropColumn('gold');
  });
};
