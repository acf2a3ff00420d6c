// @ts-check

/**
 * What the scheduled refit stores beside the Dawid-Skene models and the
 * question-level agreement: per-label agreement, each annotator's agreement
 * with the items' consensus (so the metrics endpoint reads it instead of
 * joining every answer to its outcome per request), and the signature of
 * the data fitted, so an unchanged project is not fitted again.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('quality_fits', table => {
    table
      .text('label_agreement')
      .comment('JSON: per question id, [{ label, measures }] (one-vs-rest)');
    table
      .text('annotators')
      .comment(
        'JSON: per annotator, { compared, agreed } answers against the consensus',
      );
    table
      .string('signature', 255)
      .comment('what the fit read: config version, answers, last change');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('quality_fits', table => {
    table.dropColumn('label_agreement');
    table.dropColumn('annotators');
    table.dropColumn('signature');
  });
};
