// @ts-check

/**
 * The minimal project table the catalogue entity provider publishes from.
 * Config versions, items, leases and annotations come in later migrations.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('projects', table => {
    table.comment('Annotation projects owned by Chorus');
    table.string('id', 36).primary().comment('UUID');
    table.string('namespace', 63).notNullable();
    table.string('name', 63).notNullable().comment('catalogue entity name');
    table.string('title', 255).notNullable();
    table.text('description');
    table.string('owner', 255).notNullable();
    table.string('lifecycle', 63).notNullable();
    table.string('model_ref', 255).notNullable();
    table.string('dataset_ref', 255).notNullable();
    table.text('workforce').notNullable().comment('JSON: group refs per tier');
    table.string('task_type', 31).notNullable();
    table.text('questions').notNullable().comment('JSON: questions summary');
    table.string('status', 15).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.unique(['namespace', 'name'], {
      indexName: 'projects_namespace_name_uniq',
    });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('projects');
};
