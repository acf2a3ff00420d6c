import { Knex } from 'knex';

/** One answer to store: item by index, its annotator, answer, time. */
export interface SeedAnswer {
  item: number;
  annotator: string;
  answer: Record<string, unknown>;
  createdAt: number;
  timeSpentMs?: number;
}

/**
 * Stores `itemCount` items and the given answers straight into the tables
 * (for tests of readers of many answers, where going through leases would
 * only be slow); returns the item ids by index.
 */
export async function seedAnswers(
  knex: Knex,
  projectId: string,
  itemCount: number,
  answers: SeedAnswer[],
): Promise<number[]> {
  const itemIds: number[] = [];
  for (let i = 0; i < itemCount; i++) {
    const [row] = await knex('items')
      .insert({
        project_id: projectId,
        external_id: `seeded-${i}`,
        data: JSON.stringify({ track_title: `Track ${i}` }),
        random_key: i,
        content_hash: `hash-${i}`,
        state: 'complete',
        answer_count: answers.filter(a => a.item === i).length,
        slots_taken: answers.filter(a => a.item === i).length,
        created_at: 0,
        updated_at: 0,
      })
      .returning('id');
    itemIds.push(Number(typeof row === 'object' ? row.id : row));
  }
  const rows = answers.map(a => ({
    project_id: projectId,
    item_id: itemIds[a.item],
    annotator: a.annotator,
    config_version: 1,
    answer: JSON.stringify(a.answer),
    time_spent_ms: a.timeSpentMs ?? 1000,
    created_at: a.createdAt,
    updated_at: a.createdAt,
  }));
  for (let at = 0; at < rows.length; at += 200) {
    await knex('annotations').insert(rows.slice(at, at + 200));
  }
  return itemIds;
}

/** One LLM answer to store: item id, annotator version, answer, time. */
export interface SeedLlmAnswer {
  itemId: number;
  version: number;
  answer: Record<string, unknown>;
  /** `answered` unless given. */
  status?: 'answered' | 'refused' | 'invalid';
  createdAt?: number;
}

/**
 * Stores answers of an LLM annotator straight into `llm_answers`, as a job
 * would have recorded them (for readers of many LLM answers).
 */
export async function seedLlmAnswers(
  knex: Knex,
  projectId: string,
  annotatorId: string,
  answers: SeedLlmAnswer[],
): Promise<void> {
  const rows = answers.map(a => ({
    project_id: projectId,
    item_id: a.itemId,
    annotator_id: annotatorId,
    version: a.version,
    content_hash: `hash-${a.itemId}`,
    status: a.status ?? 'answered',
    answer:
      a.status && a.status !== 'answered' ? null : JSON.stringify(a.answer),
    created_at: a.createdAt ?? Date.now(),
  }));
  for (let at = 0; at < rows.length; at += 200) {
    await knex('llm_answers').insert(rows.slice(at, at + 200));
  }
}
