// @ts-check

/**
 * The request key of an LLM annotator version: a hash of the config fields
 * that shape its requests (everything but role, auto-accept and prelabel
 * display). Versions with the same key send the same requests, so the cache
 * and the evaluation look answers up across them: moving the auto-accept
 * threshold never pays for an item twice. Versions saved before this key
 * existed get one of their own, so they share nothing. Every version
 * written since has one (kept nullable: SQLite cannot add NOT NULL in place).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('llm_annotator_versions', table => {
    table.string('request_key', 64);
  });
  await knex('llm_annotator_versions').update({
    request_key: knex.raw(
      "'v:' || annotator_id || ':' || CAST(version AS varchar(12))",
    ),
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('llm_annotator_versions', table => {
    table.dropColumn('request_key');
  });
};
