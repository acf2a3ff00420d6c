import { InfoCard } from '@backstage/core-components';
import {
  answerJsonSchema,
  parseTemplate,
  readField,
  renderTemplate,
} from '@chorus/plugin-annotation-common';
import Typography from '@material-ui/core/Typography';
import { useMemo } from 'react';
import type { LlmEditorSectionProps } from './LlmAnnotatorEditor';
import { sampleItem } from './form';

const PRE = {
  whiteSpace: 'pre-wrap' as const,
  wordBreak: 'break-word' as const,
  fontFamily: 'monospace',
  fontSize: '0.85em',
  margin: 0,
  maxHeight: 360,
  overflow: 'auto',
};

function NoProjectConfig() {
  return (
    <Typography color="textSecondary">
      The project has no configuration yet: its questions make the preview.
    </Typography>
  );
}

/**
 * The prompts as one item would get them, rendered here with the shared
 * template code for a sample item whose question fields hold their names
 * (managers cannot read items; the dry run will use real ones).
 */
export function PromptPreview(props: LlmEditorSectionProps) {
  const { project, draft } = props;
  const rendered = useMemo(() => {
    if (!project) {
      return undefined;
    }
    const item = sampleItem(project);
    return (['systemPrompt', 'promptTemplate'] as const)
      .filter(key => key === 'promptTemplate' || draft[key].trim())
      .map(key => {
        const parsed = parseTemplate(draft[key], key);
        return {
          key,
          title: key === 'systemPrompt' ? 'System prompt' : 'Prompt',
          text: parsed.issues.length
            ? undefined
            : renderTemplate(parsed.template, item, project),
          // fields the items may have but the sample cannot show
          unknown: parsed.template.fields.filter(
            f => readField(item.data, f) === undefined,
          ),
        };
      });
  }, [project, draft]);
  return (
    <InfoCard title="Prompt preview">
      {!rendered ? (
        <NoProjectConfig />
      ) : (
        <>
          <Typography variant="body2" color="textSecondary" paragraph>
            For a sample item whose question fields hold their own names.
          </Typography>
          {rendered.map(r => (
            <section key={r.key} aria-label={`Rendered ${r.title}`}>
              <Typography variant="overline" component="h3">
                {r.title}
              </Typography>
              {r.text === undefined ? (
                <Typography color="error">
                  Fix the template to see it rendered.
                </Typography>
              ) : (
                <pre style={PRE}>{r.text}</pre>
              )}
              {r.unknown.length ? (
                <Typography variant="body2" color="textSecondary">
                  Not a question's field, empty here:{' '}
                  {r.unknown.map(f => `data.${f}`).join(', ')}. Saving checks
                  them against the project's items.
                </Typography>
              ) : null}
            </section>
          ))}
        </>
      )}
    </InfoCard>
  );
}

const OUTPUT_MODE_HELP: Record<string, string> = {
  json_schema: 'Sent as the structured output format (strict).',
  tools: "Sent as a tool's parameters; the model answers by calling it.",
  json_object:
    'The model is asked for a JSON object; the reply is checked against it.',
};

/** The structured output the model is asked for, from the questions. */
export function OutputSchemaPreview(props: LlmEditorSectionProps) {
  const { project, draft } = props;
  const schema = useMemo(
    () => (project ? JSON.stringify(answerJsonSchema(project), null, 2) : ''),
    [project],
  );
  return (
    <InfoCard title="Structured output">
      {!project ? (
        <NoProjectConfig />
      ) : (
        <>
          <Typography variant="body2" color="textSecondary" paragraph>
            From the project's questions. {OUTPUT_MODE_HELP[draft.output]} Every
            answer is checked like a human one.
          </Typography>
          <pre style={PRE} aria-label="Answer JSON schema">
            {schema}
          </pre>
        </>
      )}
    </InfoCard>
  );
}
