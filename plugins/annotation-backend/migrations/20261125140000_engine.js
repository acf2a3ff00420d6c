// @ts-check

/**
 * The annotation engine: immutable config versions, items, leases,
 * annotations, skips, imports, counters and the audit log.
 *
 * Times in these tables are epoch milliseconds (bigint): the same on SQLite
 * and PostgreSQL, and cheap to bucket by hour or day.
 *
 * Item state: `open` (a slot is free: answers + live leases < overlap),
 * `full` (every slot answered or leased), `complete` (answers >= overlap).
 * The claim query only scans `open` items, through the ordering indexes.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('projects', table => {
    table
      .integer('config_version')
      .notNullable()
      .defaultTo(0)
      .comment('current version in project_config_versions; 0 = none yet');
  });

  await knex.schema.createTable('project_config_versions', table => {
    table.comment('Every saved project config; never updated');
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('config').notNullable().comment('JSON, validated');
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['project_id', 'version']);
  });

  await knex.schema.createTable('items', table => {
    table.comment('Items to annotate, one row per external id per project');
    table.bigIncrements('id').primary();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.string('external_id', 255).notNullable();
    table.text('data').notNullable().comment('JSON');
    table.text('predictions').comment('JSON: per question label and score');
    table.text('gold').comment('JSON: the known answer, if any');
    table.integer('priority').notNullable().defaultTo(0);
    table
      .float('uncertainty')
      .notNullable()
      .defaultTo(0)
      .comment('1 - top prediction score; ordering "uncertainty"');
    table
      .integer('random_key')
      .notNullable()
      .comment('uniform random; ordering "random"');
    table.string('content_hash', 64).notNullable();
    table.string('state', 16).notNullable().defaultTo('open');
    table
      .integer('slots_taken')
      .notNullable()
      .defaultTo(0)
      .comment('answers + live leases');
    table.integer('answer_count').notNullable().defaultTo(0);
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['project_id', 'external_id'], {
      indexName: 'items_project_external_uniq',
    });
  });
  // next item, per ordering rule
  await knex.schema.raw(
    'CREATE INDEX items_next_priority ON items (project_id, state, priority DESC, id)',
  );
  await knex.schema.raw(
    'CREATE INDEX items_next_random ON items (project_id, state, random_key, id)',
  );
  await knex.schema.raw(
    'CREATE INDEX items_next_uncertainty ON items (project_id, state, uncertainty DESC, id)',
  );

  await knex.schema.createTable('leases', table => {
    table.comment('Live claims of an item by an annotator');
    table
      .bigInteger('item_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('items')
      .onDelete('CASCADE');
    table.string('annotator', 255).notNullable().comment('user entity ref');
    table.string('project_id', 36).notNullable();
    table.string('token', 36).notNullable().comment('lease id given out');
    table.bigInteger('expires_at').notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['item_id', 'annotator']);
    table.unique(['token'], { indexName: 'leases_token_uniq' });
    table.index(['project_id', 'expires_at'], 'leases_project_expiry_idx');
    table.index(['project_id', 'annotator'], 'leases_project_annotator_idx');
  });

  await knex.schema.createTable('annotations', table => {
    table.comment('One answer per annotator per item');
    table.bigIncrements('id').primary();
    table.string('project_id', 36).notNullable();
    table
      .bigInteger('item_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('items')
      .onDelete('CASCADE');
    table.string('annotator', 255).notNullable();
    table.integer('config_version').notNullable();
    table.text('answer').notNullable().comment('JSON, per question id');
    table.string('idempotency_key', 128);
    table.integer('time_spent_ms').notNullable().defaultTo(0);
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['item_id', 'annotator'], {
      indexName: 'annotations_item_annotator_uniq',
    });
    table.unique(['project_id', 'annotator', 'idempotency_key'], {
      indexName: 'annotations_idempotency_uniq',
    });
    table.index(
      ['project_id', 'annotator', 'created_at'],
      'annotations_history_idx',
    );
    table.index(['project_id', 'created_at'], 'annotations_volume_idx');
  });

  await knex.schema.createTable('skips', table => {
    table.comment('Items an annotator chose not to answer, with the reason');
    table
      .bigInteger('item_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('items')
      .onDelete('CASCADE');
    table.string('annotator', 255).notNullable();
    table.string('project_id', 36).notNullable();
    table.string('reason', 1000).notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['item_id', 'annotator']);
    table.index(['project_id', 'annotator'], 'skips_project_annotator_idx');
  });

  await knex.schema.createTable('imports', table => {
    table.comment('One row per import request, with its outcome');
    table.string('id', 36).primary();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.string('created_by', 255).notNullable();
    table.string('status', 16).notNullable().comment('running|done|failed');
    table.text('summary').comment('JSON: inserted/updated/unchanged/rejected');
    table.bigInteger('started_at').notNullable();
    table.bigInteger('finished_at');
    table.index(['project_id', 'started_at'], 'imports_project_idx');
  });

  await knex.schema.createTable('project_counters', table => {
    table.comment(
      'Counts kept in step with writes; sharded so hot counters do not serialise writers',
    );
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.string('name', 64).notNullable();
    table.integer('shard').notNullable();
    table.bigInteger('value').notNullable().defaultTo(0);
    table.primary(['project_id', 'name', 'shard']);
  });

  await knex.schema.createTable('annotator_stats', table => {
    table.comment('Per project and annotator: answers and time spent');
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.string('annotator', 255).notNullable();
    table.integer('annotations').notNullable().defaultTo(0);
    table.integer('skips').notNullable().defaultTo(0);
    table.bigInteger('time_spent_ms').notNullable().defaultTo(0);
    table.bigInteger('last_at');
    table.primary(['project_id', 'annotator']);
  });

  await knex.schema.createTable('audit_log', table => {
    table.comment('Who did what to which project, append-only');
    table.bigIncrements('id').primary();
    table.string('project_id', 36);
    table.string('actor', 255).notNullable();
    table.string('action', 64).notNullable();
    table.text('details').comment('JSON');
    table.bigInteger('created_at').notNullable();
    table.index(['project_id', 'created_at'], 'audit_project_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('annotator_stats');
  await knex.schema.dropTable('project_counters');
  await knex.schema.dropTable('imports');
  await knex.schema.dropTable('skips');
  await knex.schema.dropTable('annotations');
  await knex.schema.dropTable('leases');
  await knex.schema.dropTable('items');
  await knex.schema.dropTable('project_config_versions');
  await knex.schema.alterTable('projects', table => {
    table.dropColumn('config_version');
  });
};
