import {
  Content,
  Header,
  InfoCard,
  MarkdownContent,
  Page,
  WarningPanel,
} from '@backstage/core-components';
import {
  identityApiRef,
  useApi,
  useApiHolder,
} from '@backstage/core-plugin-api';
import {
  ASSIGNMENT_ORDERS,
  ConfigIssue,
} from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { annotationApiRef } from '../../api';
import { reasonOf, statusOf } from '../../errors';
import { useChorusLinks } from '../../hooks/useChorusLinks';
import {
  checkDraft,
  emptyDraft,
  inputId,
  issuesFromMessage,
  nameFromTitle,
  newQuestion,
  placeIssues,
  ProjectDraft,
  QuestionDraft,
} from './form';
import { QuestionEditor, questionFieldPaths } from './QuestionEditor';

type TextKey = Exclude<
  keyof ProjectDraft,
  'questions' | 'ordering' | 'blind' | 'qaSeesAnnotators'
>;

/** The form path of each top-level input, as `parseNewProject` names it. */
const PATHS: Record<TextKey | 'ordering' | 'blind', string> = {
  name: 'name',
  title: 'title',
  description: 'description',
  owner: 'owner',
  lifecycle: 'lifecycle',
  model: 'model',
  dataset: 'dataset',
  annotators: 'config.workforce.annotators',
  qualityAnalysts: 'config.workforce.qualityAnalysts',
  managers: 'config.workforce.managers',
  overlap: 'config.overlap',
  ordering: 'config.ordering',
  blind: 'config.blind',
  leaseTtlSeconds: 'config.leaseTtlSeconds',
  agreementThreshold: 'config.quality.agreementThreshold',
  minConfidence: 'config.quality.minConfidence',
  extraAnnotatorCap: 'config.quality.extraAnnotatorCap',
  goldRate: 'config.quality.goldRate',
  minGoldAccuracy: 'config.quality.minGoldAccuracy',
  instructions: 'config.instructions',
};

const issueText = (i: ConfigIssue) =>
  i.path ? `${i.path}: ${i.message}` : i.message;

/**
 * Creating a project: its catalogue fields, workforce, work rules,
 * instructions and questions, checked with the backend's own parser as
 * the manager types, then sent; on success, the project's overview.
 */
export function NewProjectPage() {
  const api = useApi(annotationApiRef);
  const apis = useApiHolder();
  const links = useChorusLinks();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<ProjectDraft>(emptyDraft);
  const [nameTouched, setNameTouched] = useState(false);
  /** Shown after the first submit attempt (not while the form is blank). */
  const [showIssues, setShowIssues] = useState(false);
  const [serverIssues, setServerIssues] = useState<ConfigIssue[]>([]);
  const [serverError, setServerError] = useState<
    { status?: number; message: string } | undefined
  >();
  const [saving, setSaving] = useState(false);

  // a sensible owner and managers: the signed-in user's first group
  useEffect(() => {
    let cancelled = false;
    apis
      .get(identityApiRef)
      ?.getBackstageIdentity()
      .then(identity => {
        const group = identity.ownershipEntityRefs.find(r =>
          r.startsWith('group:'),
        );
        if (!cancelled && group) {
          setDraft(d => ({
            ...d,
            owner: d.owner || group,
            managers: d.managers || group,
          }));
        }
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [apis]);

  const check = useMemo(() => checkDraft(draft), [draft]);
  const fieldPaths = useMemo(
    () => [
      ...Object.values(PATHS),
      'config.questions',
      ...draft.questions.flatMap((_, i) => questionFieldPaths(i)),
    ],
    [draft.questions],
  );
  // client issues while editing; the server's until the form changes
  const issues = [
    ...(showIssues && !check.ok ? check.issues : []),
    ...serverIssues,
  ];
  const { byField, unplaced } = placeIssues(issues, fieldPaths);
  const errorOf = (path: string) => byField.get(path)?.join('; ');

  const edit = (change: Partial<ProjectDraft>) => {
    setServerIssues([]);
    setServerError(undefined);
    setDraft(d => ({ ...d, ...change }));
  };
  const editQuestion = (index: number, change: Partial<QuestionDraft>) =>
    edit({
      questions: draft.questions.map((q, i) =>
        i === index ? { ...q, ...change } : q,
      ),
    });

  const submit = async () => {
    setShowIssues(true);
    if (!check.ok) {
      return;
    }
    setSaving(true);
    try {
      const created = await api.createProject(check.project);
      navigate(links.project(created.id));
    } catch (error) {
      const message = reasonOf(error);
      setServerError({ status: statusOf(error), message });
      setServerIssues(issuesFromMessage(message));
      setSaving(false);
    }
  };

  const text = (
    key: TextKey,
    label: string,
    extra: {
      helperText?: string;
      required?: boolean;
      type?: string;
      multiline?: boolean;
      sm?: 12 | 6 | 4;
    } = {},
  ) => {
    const error = errorOf(PATHS[key]);
    return (
      <Grid item xs={12} sm={extra.sm ?? 6}>
        <TextField
          id={inputId(PATHS[key])}
          label={label}
          value={draft[key]}
          onChange={e => {
            const value = e.target.value;
            if (key === 'name') {
              setNameTouched(true);
            }
            edit(
              key === 'title' && !nameTouched
                ? { title: value, name: nameFromTitle(value) }
                : { [key]: value },
            );
          }}
          error={!!error}
          helperText={error ?? extra.helperText}
          required={extra.required}
          type={extra.type}
          multiline={extra.multiline}
          minRows={extra.multiline ? 4 : undefined}
          fullWidth
          variant="outlined"
          size="small"
        />
      </Grid>
    );
  };

  const questionsError = errorOf('config.questions');
  return (
    <Page themeId="tool">
      <Header title="New project" type="Chorus" typeLink={links.home()} />
      <Content>
        <form
          noValidate
          aria-label="New project"
          onSubmit={e => {
            e.preventDefault();
            submit();
          }}
        >
          <Grid container spacing={3}>
            {serverError ? (
              <Grid item xs={12}>
                <WarningPanel
                  severity="error"
                  title={
                    serverError.status === 403
                      ? 'Chorus did not allow creating this project'
                      : 'Chorus did not create the project'
                  }
                  message={serverError.message}
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
            <Grid item xs={12} md={6}>
              <InfoCard title="Project">
                <Grid container spacing={2}>
                  {text('title', 'Title', { required: true, sm: 12 })}
                  {text('name', 'Name', {
                    required: true,
                    helperText: 'The catalogue entity name',
                  })}
                  {text('lifecycle', 'Lifecycle', {
                    required: true,
                    helperText: 'e.g. experimental, production',
                  })}
                  {text('description', 'Description', { sm: 12 })}
                  {text('owner', 'Owner', {
                    required: true,
                    helperText: 'A group or user ref, e.g. group:default/team',
                    sm: 12,
                  })}
                  {text('model', 'Model', {
                    required: true,
                    helperText: 'The ML model it serves (resource ref)',
                  })}
                  {text('dataset', 'Dataset', {
                    required: true,
                    helperText: 'The dataset it produces (resource ref)',
                  })}
                </Grid>
              </InfoCard>
            </Grid>
            <Grid item xs={12} md={6}>
              <InfoCard title="Workforce and work rules">
                <Grid container spacing={2}>
                  {text('annotators', 'Annotators', {
                    required: true,
                    helperText: 'Group refs, separated by commas',
                    sm: 12,
                  })}
                  {text('qualityAnalysts', 'Quality analysts', {
                    required: true,
                    helperText: 'Group refs, separated by commas',
                    sm: 12,
                  })}
                  {text('managers', 'Managers', {
                    required: true,
                    helperText: 'Group refs, separated by commas',
                    sm: 12,
                  })}
                  {text('overlap', 'Overlap', {
                    type: 'number',
                    helperText: 'Answers wanted per item',
                  })}
                  {text('leaseTtlSeconds', 'Lease TTL (seconds)', {
                    type: 'number',
                    helperText: 'How long an annotator holds an item',
                  })}
                  <Grid item xs={12} sm={6}>
                    <TextField
                      id={inputId(PATHS.ordering)}
                      select
                      label="Ordering"
                      value={draft.ordering}
                      onChange={e =>
                        edit({
                          ordering: e.target.value as ProjectDraft['ordering'],
                        })
                      }
                      error={!!errorOf(PATHS.ordering)}
                      helperText={errorOf(PATHS.ordering)}
                      fullWidth
                      variant="outlined"
                      size="small"
                    >
                      {ASSIGNMENT_ORDERS.map(o => (
                        <MenuItem key={o} value={o}>
                          {o === 'uncertainty' ? 'model uncertainty' : o}
                        </MenuItem>
                      ))}
                    </TextField>
                  </Grid>
                  <Grid item xs={12} sm={6}>
                    <TextField
                      id={inputId(PATHS.blind)}
                      select
                      label="Blind mode"
                      value={draft.blind}
                      onChange={e =>
                        edit({
                          blind: e.target.value as ProjectDraft['blind'],
                        })
                      }
                      error={!!errorOf(PATHS.blind)}
                      helperText={
                        errorOf(PATHS.blind) ??
                        'Annotators never see other answers'
                      }
                      fullWidth
                      variant="outlined"
                      size="small"
                    >
                      <MenuItem value="default">
                        Default (on when overlap &gt; 1)
                      </MenuItem>
                      <MenuItem value="on">On</MenuItem>
                      <MenuItem value="off">Off</MenuItem>
                    </TextField>
                  </Grid>
                </Grid>
              </InfoCard>
            </Grid>
            <Grid item xs={12}>
              <InfoCard title="Quality policy">
                <Grid container spacing={2}>
                  {text('agreementThreshold', 'Agreement threshold', {
                    type: 'number',
                    helperText:
                      'Per item, 0–1: below it the item gets more annotators',
                    sm: 4,
                  })}
                  {text('minConfidence', 'Minimum consensus confidence', {
                    type: 'number',
                    helperText:
                      'Per item, 0–1: below it the item is not resolved',
                    sm: 4,
                  })}
                  {text('extraAnnotatorCap', 'Extra annotators (cap)', {
                    type: 'number',
                    helperText: 'Then the item goes to the quality analysts',
                    sm: 4,
                  })}
                  {text('goldRate', 'Gold rate', {
                    type: 'number',
                    helperText: 'Share of gold items mixed into queues (0–0.5)',
                    sm: 4,
                  })}
                  {text('minGoldAccuracy', 'Minimum gold accuracy', {
                    type: 'number',
                    helperText:
                      "Below it an annotator's answers stop counting (0: off)",
                    sm: 4,
                  })}
                  <Grid item xs={12} sm={4}>
                    <FormControlLabel
                      control={
                        <Checkbox
                          checked={draft.qaSeesAnnotators}
                          onChange={e =>
                            edit({ qaSeesAnnotators: e.target.checked })
                          }
                          color="primary"
                        />
                      }
                      label="Quality analysts see who answered"
                    />
                  </Grid>
                </Grid>
              </InfoCard>
            </Grid>
            <Grid item xs={12}>
              <InfoCard title="Instructions">
                <Grid container spacing={2}>
                  {text('instructions', 'Instructions (markdown)', {
                    multiline: true,
                  })}
                  <Grid item xs={12} sm={6}>
                    <Typography variant="overline" color="textSecondary">
                      Preview
                    </Typography>
                    <MarkdownContent content={draft.instructions} />
                  </Grid>
                </Grid>
              </InfoCard>
            </Grid>
            <Grid item xs={12}>
              <InfoCard title="Questions">
                {questionsError ? (
                  <Typography color="error" role="alert">
                    {questionsError}
                  </Typography>
                ) : null}
                {draft.questions.map((q, i) => (
                  <Box key={q.key} mb={2}>
                    <QuestionEditor
                      index={i}
                      question={q}
                      errorOf={errorOf}
                      onChange={change => editQuestion(i, change)}
                      onRemove={() =>
                        edit({
                          questions: draft.questions.filter((_, j) => j !== i),
                        })
                      }
                    />
                  </Box>
                ))}
                <Button
                  variant="outlined"
                  onClick={() =>
                    edit({
                      questions: [
                        ...draft.questions,
                        newQuestion(draft.questions.length),
                      ],
                    })
                  }
                >
                  Add question
                </Button>
              </InfoCard>
            </Grid>
            <Grid item xs={12}>
              <Box display="flex" alignItems="center">
                <Button
                  type="submit"
                  variant="contained"
                  color="primary"
                  disabled={saving}
                >
                  Create project
                </Button>
                {showIssues && !check.ok ? (
                  <Box ml={2}>
                    <Typography color="error" role="status">
                      {check.issues.length === 1
                        ? '1 problem to fix'
                        : `${check.issues.length} problems to fix`}
                    </Typography>
                  </Box>
                ) : null}
              </Box>
            </Grid>
          </Grid>
        </form>
      </Content>
    </Page>
  );
}
