// @ts-check

/**
 * The LLM annotator: its configs with immutable versions, its jobs (claimed
 * by items, so several replicas share a job and a killed replica's items
 * return), and its answers, which record the version, the raw output, the
 * parsed answer, confidence, tokens, cost and latency. An answer is unique
 * per (annotator, version, item); the cache that keeps anything from being
 * paid for twice looks answers up by (annotator, version, content hash).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('llm_annotators', table => {
    table.comment('LLM annotator configs of a project; versions apart');
    table.string('id', 36).primary();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table.string('name', 63).notNullable();
    table.integer('current_version').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['project_id', 'name'], { indexName: 'llm_annotators_name' });
  });

  await knex.schema.createTable('llm_annotator_versions', table => {
    table.comment('Immutable versions of an LLM annotator config');
    table
      .string('annotator_id', 36)
      .notNullable()
      .references('id')
      .inTable('llm_annotators')
      .onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('config').notNullable().comment('JSON: LlmAnnotatorConfig');
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['annotator_id', 'version']);
  });

  await knex.schema.createTable('llm_jobs', table => {
    table.comment('An LLM annotator version run over a scope of items');
    table.string('id', 36).primary();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('projects')
      .onDelete('CASCADE');
    table
      .string('annotator_id', 36)
      .notNullable()
      .references('id')
      .inTable('llm_annotators')
      .onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('scope').notNullable().comment('JSON: what was asked for');
    table
      .string('status', 16)
      .notNullable()
      .comment('running|paused|cancelled|completed');
    table.string('mode', 8).notNullable().comment('online|batch');
    table
      .double('budget_cost')
      .comment('never exceeded by more than one request');
    table.bigInteger('budget_tokens');
    table.integer('items_total').notNullable().defaultTo(0);
    table.integer('items_done').notNullable().defaultTo(0);
    table.integer('items_failed').notNullable().defaultTo(0);
    table.integer('items_cached').notNullable().defaultTo(0);
    table.bigInteger('tokens_in').notNullable().defaultTo(0);
    table.bigInteger('tokens_out').notNullable().defaultTo(0);
    table.double('cost').notNullable().defaultTo(0);
    table
      .string('provider_batch_id', 255)
      .comment('batch mode: the provider batch');
    table.text('error');
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.bigInteger('finished_at');
    table.index(['project_id', 'created_at'], 'llm_jobs_project_idx');
    table.index(['status'], 'llm_jobs_status_idx');
  });

  await knex.schema.createTable('llm_job_items', table => {
    table.comment('Items of a job; runners claim them in batches');
    table
      .string('job_id', 36)
      .notNullable()
      .references('id')
      .inTable('llm_jobs')
      .onDelete('CASCADE');
    table
      .bigInteger('item_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('items')
      .onDelete('CASCADE');
    table
      .string('status', 12)
      .notNullable()
      .comment('pending|claimed|done|failed');
    table.string('claimed_by', 64).comment('runner instance');
    table.bigInteger('claim_expires_at');
    table.integer('attempts').notNullable().defaultTo(0);
    table
      .text('error')
      .comment('why it failed: refusal, invalid output, provider error');
    table.bigInteger('updated_at').notNullable();
    table.primary(['job_id', 'item_id']);
    table.index(['job_id', 'status', 'item_id'], 'llm_job_items_claim_idx');
  });

  await knex.schema.createTable('llm_answers', table => {
    table.comment('What an LLM annotator version answered for an item');
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
      .string('annotator_id', 36)
      .notNullable()
      .references('id')
      .inTable('llm_annotators')
      .onDelete('CASCADE');
    table.integer('version').notNullable();
    table.string('content_hash', 64).notNullable();
    table
      .string('status', 12)
      .notNullable()
      .comment('answered|refused|invalid');
    table.text('answer').comment('JSON: the parsed answer');
    table.text('raw_output').comment('the model output as received');
    table.double('confidence');
    table.integer('samples').notNullable().defaultTo(1);
    table.integer('tokens_in').notNullable().defaultTo(0);
    table.integer('tokens_out').notNullable().defaultTo(0);
    table.double('cost').notNullable().defaultTo(0);
    table.integer('latency_ms').notNullable().defaultTo(0);
    table.string('job_id', 36);
    table.bigInteger('created_at').notNullable();
    table.unique(['annotator_id', 'version', 'item_id'], {
      indexName: 'llm_answers_item_uniq',
    });
    // the cache: the same content under the same version is never paid twice
    table.index(
      ['annotator_id', 'version', 'content_hash'],
      'llm_answers_cache_idx',
    );
    table.index(['item_id'], 'llm_answers_item_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('llm_answers');
  await knex.schema.dropTable('llm_job_items');
  await knex.schema.dropTable('llm_jobs');
  await knex.schema.dropTable('llm_annotator_versions');
  await knex.schema.dropTable('llm_annotators');
};
