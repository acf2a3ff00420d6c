import { ConfigIssue, describeConfigIssues, ProjectConfig } from '../config';
import { validateAnswer } from '../items';

export type ParsedOutput =
  | { ok: true; answer: Record<string, unknown> }
  | {
      ok: false;
      /** `invalid-json`: not a JSON object; `invalid-answer`: a JSON object
       * that is not a valid answer to the questions. */
      reason: 'invalid-json' | 'invalid-answer';
      issues: ConfigIssue[];
    };

/**
 * The JSON object in a model's text: the whole text, else the part inside
 * a ```json fence, else from the first `{` to the last `}` (models in JSON
 * mode without a schema like to wrap or comment their answer).
 */
function extractJson(text: string): unknown {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  if (fenced) {
    candidates.push(fenced[1].trim());
  }
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) {
    candidates.push(text.slice(first, last + 1));
  }
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch {
      // the next candidate
    }
  }
  return undefined;
}

/**
 * Reads a model's output as an answer to the project's questions: JSON,
 * nulls of optional questions dropped, checked with the same
 * `validateAnswer` as a human's answer (choices exist, ratings in range,
 * spans inside the item's text).
 */
export function parseLlmOutput(
  project: ProjectConfig,
  text: string | null | undefined,
  itemData: unknown,
): ParsedOutput {
  const json = text ? extractJson(text) : undefined;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      reason: 'invalid-json',
      issues: [{ path: '', message: 'a JSON object expected' }],
    };
  }
  const answer = Object.fromEntries(
    Object.entries(json).filter(([, v]) => v !== null),
  );
  const issues = validateAnswer(project, itemData, answer, 'answer');
  return issues.length
    ? { ok: false, reason: 'invalid-answer', issues }
    : { ok: true, answer };
}

/** The follow-up message asking the model to repair its output. */
export function repairMessage(failure: { issues: ConfigIssue[] }): string {
  return `Your answer could not be used: ${describeConfigIssues(
    failure.issues,
  )}. Reply again with only the corrected JSON object.`;
}
