import { InfoCard, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  ConfigIssue,
  LLM_CONFIDENCE_METHODS,
  LLM_OUTPUT_MODES,
  LLM_ROLES,
  LlmAnnotatorConfig,
  LlmAnnotatorRecord,
  LlmProviderInfo,
  ProjectConfig,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { ComponentType, useMemo, useState } from 'react';
import { annotationApiRef } from '../../api';
import { reasonOf, statusOf } from '../../errors';
import { fieldOfIssue, inputId, placeIssues } from '../NewProjectPage/form';
import {
  checkLlmDraft,
  draftFromConfig,
  exampleOfExamples,
  LLM_FIELDS,
  LlmDraft,
  newLlmDraft,
  questionFields,
  serverIssues,
} from './form';
import { DryRunSection } from './DryRunSection';
import { OutputSchemaPreview, PromptPreview } from './previews';

/** What a section beside the editor gets: the project and the edited config. */
export interface LlmEditorSectionProps {
  projectId: string;
  /** The project's current config (undefined: it has none yet). */
  project?: ProjectConfig;
  /** The saved annotator; none while creating one. */
  annotator?: LlmAnnotatorRecord;
  /** The editor's config when it passes the checks, else undefined. */
  config?: LlmAnnotatorConfig;
  draft: LlmDraft;
}

/**
 * The sections beside the form, in order: the prompt as a sample item gets
 * it, the structured output, and the dry run (a few real items through the
 * saved or the edited config).
 */
export const LLM_EDITOR_SECTIONS: Array<{
  id: string;
  Section: ComponentType<LlmEditorSectionProps>;
}> = [
  { id: 'prompt-preview', Section: PromptPreview },
  { id: 'output-schema', Section: OutputSchemaPreview },
  { id: 'dry-run', Section: DryRunSection },
];

const FIELD_PATHS = [
  ...Object.values(LLM_FIELDS).map(f => f.path),
  // the auto-accept settings as a whole (missing for that role)
  'autoAccept',
];

const issueText = (i: ConfigIssue) =>
  i.path ? `${i.path}: ${i.message}` : i.message;

const MONOSPACE = { style: { fontFamily: 'monospace' } };

const ROLE_HELP: Record<LlmDraft['role'], string> = {
  vote: 'Its answer counts as one annotator',
  prelabel: 'Its answer is shown to annotators as a suggestion',
  'auto-accept':
    'Above the threshold its answer resolves the item; humans see the rest',
};

/**
 * Creating or changing an LLM annotator: every field of its config,
 * checked as the manager types with the backend's own parser (each issue
 * at its field), then saved; the server's issues are placed the same way.
 */
export function LlmAnnotatorEditor(props: {
  projectId: string;
  project?: ProjectConfig;
  providers: LlmProviderInfo[];
  /** The annotator being changed; none when creating one. */
  annotator?: LlmAnnotatorRecord;
  /** Shown by the save button (e.g. "Saved version 2"), until an edit. */
  notice?: string;
  onSaved(annotator: LlmAnnotatorRecord, created: boolean): void;
  onEdited(): void;
}) {
  const { projectId, project, providers, annotator } = props;
  const api = useApi(annotationApiRef);
  const creating = !annotator;
  const [draft, setDraft] = useState<LlmDraft>(() =>
    annotator
      ? draftFromConfig(annotator.name, annotator.config)
      : newLlmDraft(providers[0]?.id),
  );
  /** Fields edited so far: their issues show as the manager types. */
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const [server, setServer] = useState<{
    status?: number;
    message: string;
    issues: ConfigIssue[];
  }>();
  const [saving, setSaving] = useState(false);
  // a version saved elsewhere on the page (a threshold) shows here
  const [shownVersion, setShownVersion] = useState(annotator?.version);
  if (annotator && annotator.version !== shownVersion) {
    setShownVersion(annotator.version);
    setDraft(draftFromConfig(annotator.name, annotator.config));
  }

  const check = useMemo(
    () => checkLlmDraft(draft, { creating, project }),
    [draft, creating, project],
  );
  const shownClientIssues = check.ok
    ? []
    : check.issues.filter(i => {
        if (attempted) {
          return true;
        }
        const field = fieldOfIssue(i.path, FIELD_PATHS);
        return field !== undefined && touched.has(field);
      });
  const { byField, unplaced } = placeIssues(
    [...shownClientIssues, ...(server?.issues ?? [])],
    FIELD_PATHS,
  );
  const errorOf = (path: string) => byField.get(path)?.join('; ');

  const edit = (key: keyof LlmDraft, value: LlmDraft[keyof LlmDraft]) => {
    setServer(undefined);
    props.onEdited();
    setTouched(t => new Set(t).add(LLM_FIELDS[key].path));
    setDraft(d => ({ ...d, [key]: value }));
  };

  const save = async () => {
    setAttempted(true);
    if (!check.ok) {
      return;
    }
    setSaving(true);
    try {
      if (annotator) {
        const saved = await api.updateLlmAnnotator(
          projectId,
          annotator.id,
          check.config,
        );
        props.onSaved(saved.annotator, saved.created);
      } else {
        props.onSaved(
          await api.createLlmAnnotator(projectId, draft.name, check.config),
          true,
        );
      }
    } catch (error) {
      const message = reasonOf(error);
      setServer({
        status: statusOf(error),
        message,
        issues: serverIssues(message),
      });
    } finally {
      setSaving(false);
    }
  };

  const provider = providers.find(p => p.id === draft.provider);
  const field = (
    key: keyof LlmDraft,
    extra: {
      helperText?: string;
      type?: string;
      multiline?: boolean;
      minRows?: number;
      monospace?: boolean;
      options?: ReadonlyArray<string | [string, string]>;
      placeholder?: string;
      list?: string;
      sm?: 12 | 6 | 4 | 3;
      errorPath?: string;
    } = {},
  ) => {
    const { path, label } = LLM_FIELDS[key];
    const error =
      errorOf(path) ?? (extra.errorPath ? errorOf(extra.errorPath) : undefined);
    return (
      <Grid item xs={12} sm={extra.sm ?? 6}>
        <TextField
          id={inputId(path, 'llm')}
          label={label}
          value={draft[key]}
          onChange={e => edit(key, e.target.value)}
          error={!!error}
          helperText={error ?? extra.helperText}
          type={extra.type}
          multiline={extra.multiline}
          minRows={extra.minRows}
          placeholder={extra.placeholder}
          select={!!extra.options}
          SelectProps={extra.options ? { native: true } : undefined}
          inputProps={{
            ...(extra.monospace ? MONOSPACE : {}),
            ...(extra.list ? { list: extra.list } : {}),
          }}
          fullWidth
          variant="outlined"
          size="small"
        >
          {extra.options?.map(o => {
            const [value, text] = typeof o === 'string' ? [o, o] : o;
            return (
              <option key={value} value={value}>
                {text}
              </option>
            );
          })}
        </TextField>
      </Grid>
    );
  };

  const providerOptions: Array<[string, string]> = providers.map(p => [
    p.id,
    `${p.title} (${p.id})${p.simulated ? ' · simulated' : ''}`,
  ]);
  if (!provider) {
    // a provider no longer configured stays visible (the save names it)
    providerOptions.unshift([draft.provider, draft.provider || '—']);
  }
  const placeholders = [
    ...(project ? questionFields(project).map(f => `data.${f}`) : []),
    'data',
    'externalId',
    'instructions',
    'questions',
  ];
  const checkedConfig = check.ok ? check.config : undefined;

  return (
    <Grid container spacing={3}>
      <Grid item xs={12} lg={7}>
        <InfoCard
          title={
            annotator
              ? `${annotator.name}: version ${annotator.version}`
              : 'New LLM annotator'
          }
        >
          <form
            noValidate
            aria-label={
              annotator ? `Edit ${annotator.name}` : 'New LLM annotator'
            }
            onSubmit={e => {
              e.preventDefault();
              save();
            }}
          >
            <Grid container spacing={2}>
              {server ? (
                <Grid item xs={12}>
                  <WarningPanel
                    severity="error"
                    title={
                      server.status === 403
                        ? "Chorus did not allow saving: only the project's managers change its LLM annotators"
                        : 'Chorus did not save the LLM annotator'
                    }
                    message={server.message}
                  />
                </Grid>
              ) : null}
              {unplaced.length ? (
                <Grid item xs={12}>
                  <WarningPanel
                    severity="error"
                    title="Fix these fields"
                    message={unplaced.map(issueText).join('; ')}
                  />
                </Grid>
              ) : null}
              {creating
                ? field('name', {
                    helperText: 'Unique in the project, e.g. first-pass',
                    sm: 12,
                  })
                : null}
              {field('provider', {
                options: providerOptions,
                helperText: provider?.simulated
                  ? 'A simulator: its answers are shown as simulated'
                  : undefined,
              })}
              {field('model', {
                list: 'chorus-llm-models',
                helperText: provider
                  ? `Empty: the provider's default (${provider.defaultModel})`
                  : undefined,
              })}
              <datalist id="chorus-llm-models">
                {provider?.models.map(m => (
                  <option key={m} value={m} />
                ))}
              </datalist>
              {field('systemPrompt', {
                multiline: true,
                minRows: 3,
                monospace: true,
                sm: 12,
              })}
              {field('promptTemplate', {
                multiline: true,
                minRows: 8,
                monospace: true,
                sm: 12,
              })}
              <Grid item xs={12}>
                <Typography
                  variant="body2"
                  color="textSecondary"
                  component="div"
                  aria-label="Placeholders"
                >
                  Placeholders:{' '}
                  {placeholders.map(p => (
                    <code key={p} style={{ marginRight: 8 }}>
                      {`{{ ${p} }}`}
                    </code>
                  ))}
                </Typography>
              </Grid>
              {field('fewShotSource', {
                options: [
                  ['none', 'None'],
                  ['fixed', 'Fixed (given here)'],
                  ['gold', "Drawn from the project's gold and QA resolutions"],
                ],
                sm: 12,
              })}
              {draft.fewShotSource === 'fixed'
                ? field('fewShotExamples', {
                    multiline: true,
                    minRows: 4,
                    monospace: true,
                    sm: 12,
                    placeholder: project
                      ? exampleOfExamples(project)
                      : undefined,
                    helperText:
                      'JSON: a list of { "data": the item\'s data, "answer": { questionId: value } }',
                  })
                : null}
              {draft.fewShotSource === 'gold' ? (
                <>
                  {field('fewShotCount', { type: 'number' })}
                  {field('fewShotSelection', {
                    options: [
                      ['random', 'At random'],
                      ['similar', 'The most similar by text'],
                    ],
                  })}
                </>
              ) : null}
              {field('output', {
                options: LLM_OUTPUT_MODES,
                sm: 6,
                helperText: 'How the structured answer is asked for',
              })}
              {field('confidence', {
                options: LLM_CONFIDENCE_METHODS,
                sm: 6,
              })}
              {field('temperature', { type: 'number', sm: 4 })}
              {field('samples', {
                type: 'number',
                sm: 4,
                helperText: 'Completions per item',
              })}
              {field('maxRepairs', {
                type: 'number',
                sm: 4,
                helperText: 'Retries telling the model what was invalid',
              })}
              {field('maxOutputTokens', { type: 'number', sm: 4 })}
              {field('role', {
                options: LLM_ROLES,
                sm: 12,
                helperText: ROLE_HELP[draft.role],
                errorPath: 'autoAccept',
              })}
              {draft.role === 'auto-accept' ? (
                <>
                  {field('autoAcceptThreshold', {
                    type: 'number',
                    helperText: 'Confidence at or above which it is accepted',
                  })}
                  {field('autoAcceptAuditRate', {
                    type: 'number',
                    helperText: 'Share still sent to humans, as an audit',
                  })}
                </>
              ) : null}
              {draft.role === 'prelabel' ? (
                <Grid item xs={12}>
                  <FormControlLabel
                    control={
                      <Checkbox
                        checked={draft.prelabelInBlind}
                        onChange={e =>
                          edit('prelabelInBlind', e.target.checked)
                        }
                        color="primary"
                      />
                    }
                    label="Show the suggestion in blind projects too"
                  />
                </Grid>
              ) : null}
              <Grid item xs={12}>
                <Box display="flex" alignItems="center" gridGap={16}>
                  <Button
                    type="submit"
                    variant="contained"
                    color="primary"
                    disabled={saving}
                  >
                    {creating ? 'Create' : 'Save'}
                  </Button>
                  {attempted && !check.ok ? (
                    <Typography color="error" role="status">
                      {check.issues.length === 1
                        ? '1 problem to fix'
                        : `${check.issues.length} problems to fix`}
                    </Typography>
                  ) : null}
                  {props.notice ? (
                    <Typography role="status">{props.notice}</Typography>
                  ) : null}
                </Box>
              </Grid>
            </Grid>
          </form>
        </InfoCard>
      </Grid>
      <Grid item xs={12} lg={5}>
        {LLM_EDITOR_SECTIONS.map(({ id, Section }) => (
          <Box key={id} mb={3}>
            <Section
              projectId={projectId}
              project={project}
              annotator={annotator}
              config={checkedConfig}
              draft={draft}
            />
          </Box>
        ))}
      </Grid>
    </Grid>
  );
}
