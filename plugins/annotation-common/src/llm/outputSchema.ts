import { ProjectConfig, QuestionConfig } from '../config';

/** A JSON schema, as the OpenAI API takes it in `response_format` and tools. */
export type JsonSchema = Record<string, unknown>;

function unitSchema(q: QuestionConfig, labels: string[]): JsonSchema {
  const position = q.type === 'text-spans' ? 'integer' : 'number';
  return {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        start: {
          type: position,
          description:
            q.type === 'text-spans'
              ? 'first character (0-based)'
              : 'start, seconds',
        },
        end: {
          type: position,
          description:
            q.type === 'text-spans'
              ? 'one past the last character'
              : 'end, seconds',
        },
        label: { type: 'string', enum: labels },
      },
      required: ['start', 'end', 'label'],
      additionalProperties: false,
    },
  };
}

/** The schema of one question's answer value. */
export function questionSchema(q: QuestionConfig): JsonSchema {
  const base = (() => {
    switch (q.type) {
      case 'single-choice':
        return { type: 'string', enum: q.labels.map(l => l.value) };
      case 'multiple-choice':
        return {
          type: 'array',
          items: { type: 'string', enum: q.labels.map(l => l.value) },
        };
      case 'ordinal-rating':
        return { type: 'integer', minimum: q.min, maximum: q.max };
      case 'free-text':
        return { type: 'string' };
      default:
        return unitSchema(
          q,
          q.labels.map(l => l.value),
        );
    }
  })();
  return { ...base, description: q.title };
}

/**
 * The structured output of an LLM answer: one property per question, all
 * required (OpenAI's strict mode needs that), optional questions nullable.
 * What the model returns is checked again with `validateAnswer`: strict
 * mode is not available everywhere, and ranges (minimum, maximum) and
 * offsets inside the text are not enforced by every server.
 */
export function answerJsonSchema(project: ProjectConfig): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const q of project.questions) {
    const schema = questionSchema(q);
    properties[q.id] = q.required
      ? schema
      : { anyOf: [schema, { type: 'null' }], description: q.title };
  }
  return {
    type: 'object',
    properties,
    required: project.questions.map(q => q.id),
    additionalProperties: false,
  };
}
