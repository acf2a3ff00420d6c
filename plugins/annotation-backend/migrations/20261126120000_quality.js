// @ts-check

/**
 * The quality engine: each item's outcome (consensus or escalation),
 * escalations with their QA claims, annotators' gold scores and the
 * scheduled project fits.
 *
 * The outcome lives in its own table, not in columns of `items`: the claim
 * scans and locks item rows on every request, and the outcome (answer,
 * agreement and reasons as JSON) is written once or twice per item and read
 * by QA and metrics only, so `items` stays narrow. The one number the claim
 * and submit need, the extra annotators granted, is on `items`
 * (`extra_slots`) where they already read the overlap.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('items', table => {
    table
      .integer('extra_slots')
      .notNullable()
      .defaultTo(0)
      .comment(
        'annotators granted beyond the overlap (low agreement, sent back by QA)',
      );
  });
  // gold items of a project, for mixing them into queues (imported gold
  // and QA resolutions both set items.gold)
  await knex.schema.raw(
    'CREATE INDEX items_gold_idx ON items (project_id, id) WHERE gold IS NOT NULL',
  );

  await knex.schema.createTable('item_outcomes', table => {
    table.comment('Quality outcome per item; no row = not evaluated yet');
    table
      .bigInteger('item_id')
      .unsigned()
      .primary()
      .references('id')
      .inTable('items')
      .onDelete('CASCADE');
    table.string('project_id', 36).notNullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('pending|resolved|escalated|qa-resolved');
    table.text('answer').comment('JSON: consensus answer per question id');
    table.string('method', 16).comment('majority|dawid-skene|qa|llm');
    table.float('confidence').comment('consensus confidence, 0..1');
    table
      .text('agreement')
      .comment('JSON: per question id, { value } or { undefined: reason }');
    table.text('reasons').comment('JSON: why it is pending or escalated');
    table.text('guidance').comment('what QA asked for when sending it back');
    table.integer('config_version').notNullable();
    table.bigInteger('updated_at').notNullable();
    // metrics: items by status; resolutions over time
    table.index(['project_id', 'status', 'updated_at'], 'outcomes_status_idx');
  });

  await knex.schema.createTable('escalations', table => {
    table.comment(
      'Items sent to quality analysts; the QA claim is on the row (one claimant at a time)',
    );
    table.bigIncrements('id').primary();
    table.string('project_id', 36).notNullable();
    table
      .bigInteger('item_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('items')
      .onDelete('CASCADE');
    table
      .text('reasons')
      .notNullable()
      .comment('JSON: [{ code, question?, value?, threshold?, ... }]');
    table.bigInteger('created_at').notNullable();
    table.string('claimed_by', 255).comment('analyst user entity ref');
    table.string('claim_token', 36);
    table.bigInteger('claim_expires_at');
    table.bigInteger('resolved_at');
    table.string('resolved_by', 255);
    table.string('resolution', 16).comment('resolved|sent-back');
    table.text('answer').comment('JSON: the final answer when resolved');
    table.text('note').comment('resolution note or guidance');
    table.unique(['claim_token'], { indexName: 'escalations_token_uniq' });
    // time to resolution, escalation counts over time
    table.index(['project_id', 'created_at'], 'escalations_project_idx');
    table.index(['item_id'], 'escalations_item_idx');
  });
  // the QA queue, oldest first: only open escalations are indexed
  await knex.schema.raw(
    'CREATE INDEX escalations_queue_idx ON escalations (project_id, created_at, id) WHERE resolved_at IS NULL',
  );
  // at most one open escalation per item
  await knex.schema.raw(
    'CREATE UNIQUE INDEX escalations_open_uniq ON escalations (item_id) WHERE resolved_at IS NULL',
  );

  await knex.schema.createTable('annotator_gold_stats', table => {
    table.comment('Per project and annotator: gold items answered and right');
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.string('annotator', 255).notNullable();
    table.integer('answered').notNullable().defaultTo(0);
    table.integer('correct').notNullable().defaultTo(0);
    table.bigInteger('updated_at').notNullable();
    table.primary(['project_id', 'annotator']);
  });

  await knex.schema.createTable('quality_fits', table => {
    table.comment(
      'Latest scheduled fit per project and config version: Dawid-Skene models and agreement per question',
    );
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.integer('config_version').notNullable();
    table
      .text('models')
      .notNullable()
      .comment('JSON: per question id, a DawidSkeneModel');
    table
      .text('agreement')
      .notNullable()
      .comment('JSON: per question id, project-level measures');
    table.integer('items_used').notNullable();
    table.integer('answers_used').notNullable();
    table.bigInteger('fitted_at').notNullable();
    table.primary(['project_id', 'config_version']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('quality_fits');
  await knex.schema.dropTable('annotator_gold_stats');
  await knex.schema.dropTable('escalations');
  await knex.schema.dropTable('item_outcomes');
  await knex.schema.raw('DROP INDEX items_gold_idx');
  await knex.schema.alterTable('items', table => {
    table.dropColumn('extra_slots');
  });
};
