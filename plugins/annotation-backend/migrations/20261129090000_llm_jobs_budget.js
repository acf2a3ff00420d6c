// @ts-check

/**
 * What the LLM job runner needs beyond the first LLM tables:
 *
 * - the budget reservation: before each request a runner reserves that
 *   request's maximum cost on the job row (`reserved_cost`,
 *   `reserved_tokens`) and on the claimed item, in one atomic step that
 *   refuses a reservation the budget cannot cover; the item's share is
 *   given back when its result is recorded, or when another runner takes
 *   over the item of a runner that died (its claim expired);
 * - why a job stopped (`stop_reason`: `budget`, `done`, `cancelled`) and,
 *   in batch mode, when the current provider batch was submitted;
 * - why an item failed, as a short code to group by (`reason`);
 * - an answer records the model that gave it (a config without one uses
 *   the provider's default, which may change) and whether a simulator
 *   gave it; answers reused from the cache name the answer they copy
 *   (`cached_from`); a job's own answers are found by job, latency
 *   ordered (percentiles by a bounded index read).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('llm_jobs', table => {
    table.double('reserved_cost').notNullable().defaultTo(0);
    table.bigInteger('reserved_tokens').notNullable().defaultTo(0);
    table.string('stop_reason', 16);
    table.bigInteger('batch_submitted_at');
  });
  await knex.schema.alterTable('llm_job_items', table => {
    table.double('reserved_cost').notNullable().defaultTo(0);
    table.bigInteger('reserved_tokens').notNullable().defaultTo(0);
    table
      .string('reason', 32)
      .comment('failure code: refusal, invalid-output, provider-error, ...');
  });
  await knex.schema.alterTable('llm_answers', table => {
    table.string('model', 200);
    table.boolean('simulated').notNullable().defaultTo(false);
    table.bigInteger('cached_from').comment('the answer this one copies');
    table.index(
      ['job_id', 'cached_from', 'latency_ms'],
      'llm_answers_job_latency_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('llm_answers', table => {
    table.dropIndex(
      ['job_id', 'cached_from', 'latency_ms'],
      'llm_answers_job_latency_idx',
    );
    table.dropColumn('cached_from');
    table.dropColumn('simulated');
    table.dropColumn('model');
  });
  await knex.schema.alterTable('llm_job_items', table => {
    table.dropColumn('reason');
    table.dropColumn('reserved_tokens');
    table.dropColumn('reserved_cost');
  });
  await knex.schema.alterTable('llm_jobs', table => {
    table.dropColumn('batch_submitted_at');
    table.dropColumn('stop_reason');
    table.dropColumn('reserved_tokens');
    table.dropColumn('reserved_cost');
  });
};
