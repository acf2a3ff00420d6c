import { QUESTION_TYPES, QuestionType } from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { questionTypeName } from '../questionTypes';
import { defaultAllowOverlap, inputId, QuestionDraft } from './form';

/** The form path of a question's field, as the config parser names it. */
export function questionPath(index: number, field: string): string {
  return `config.questions[${index}].${field}`;
}

/** Every path a question's inputs can show an issue for. */
export function questionFieldPaths(index: number): string[] {
  return [
    'type',
    'id',
    'title',
    'field',
    'required',
    'labels',
    'minSelected',
    'maxSelected',
    'allowOverlap',
    'durationField',
    'minLength',
    'maxLength',
    'min',
    'max',
    'minLabel',
    'maxLabel',
  ].map(f => questionPath(index, f));
}

const hasLabels = (type: QuestionType) =>
  type !== 'free-text' && type !== 'ordinal-rating';

/** One question of the new project: type, id, title, field, settings. */
export function QuestionEditor(props: {
  index: number;
  question: QuestionDraft;
  /** Issue messages by form path. */
  errorOf: (path: string) => string | undefined;
  onChange: (change: Partial<QuestionDraft>) => void;
  onRemove?: () => void;
}) {
  const { index, question: q, errorOf, onChange } = props;
  const name = `Question ${index + 1}`;

  const text = (
    field: keyof QuestionDraft,
    label: string,
    extra: {
      type?: string;
      helperText?: string;
      multiline?: boolean;
      required?: boolean;
      xs?: 12 | 6 | 4 | 3;
    } = {},
  ) => {
    const error = errorOf(questionPath(index, field));
    return (
      <Grid item xs={12} sm={extra.xs ?? 6}>
        <TextField
          id={inputId(questionPath(index, field))}
          label={label}
          value={q[field] as string}
          onChange={e => onChange({ [field]: e.target.value })}
          error={!!error}
          helperText={error ?? extra.helperText}
          type={extra.type}
          multiline={extra.multiline}
          minRows={extra.multiline ? 3 : undefined}
          required={extra.required}
          fullWidth
          variant="outlined"
          size="small"
        />
      </Grid>
    );
  };

  const overlapBox = (
    <Grid item xs={12} sm={6}>
      <FormControlLabel
        control={
          <Checkbox
            checked={q.allowOverlap}
            onChange={e => onChange({ allowOverlap: e.target.checked })}
          />
        }
        label="Marks may overlap"
      />
    </Grid>
  );

  return (
    <Paper variant="outlined" role="group" aria-label={name}>
      <Box p={2}>
        <Box display="flex" alignItems="center" mb={1}>
          <Typography variant="subtitle1" style={{ flexGrow: 1 }}>
            {name}
          </Typography>
          {props.onRemove ? (
            <Button
              size="small"
              onClick={props.onRemove}
              aria-label={`Remove question ${index + 1}`}
            >
              Remove
            </Button>
          ) : null}
        </Box>
        <Grid container spacing={2}>
          <Grid item xs={12} sm={6}>
            <TextField
              id={inputId(questionPath(index, 'type'))}
              select
              label="Type"
              value={q.type}
              onChange={e => {
                const type = e.target.value as QuestionType;
                onChange({ type, allowOverlap: defaultAllowOverlap(type) });
              }}
              error={!!errorOf(questionPath(index, 'type'))}
              helperText={errorOf(questionPath(index, 'type'))}
              fullWidth
              variant="outlined"
              size="small"
            >
              {QUESTION_TYPES.map(t => (
                <MenuItem key={t} value={t}>
                  {questionTypeName(t)}
                </MenuItem>
              ))}
            </TextField>
          </Grid>
          {text('id', 'Id', {
            required: true,
            helperText: 'The answer key, e.g. belongs',
          })}
          {text('title', 'Question title', {
            required: true,
            xs: 12,
            helperText: 'What annotators are asked',
          })}
          {text('field', 'Data field', {
            required: true,
            helperText: 'The item data field it is about, e.g. transcript',
          })}
          <Grid item xs={12} sm={6}>
            <FormControlLabel
              control={
                <Checkbox
                  checked={q.required}
                  onChange={e => onChange({ required: e.target.checked })}
                />
              }
              label="An answer is required"
            />
          </Grid>
          {hasLabels(q.type)
            ? text('labels', 'Labels', {
                multiline: true,
                xs: 12,
                required: true,
                helperText:
                  'One per line: a value, or value = title (yes = Yes, it belongs)',
              })
            : null}
          {q.type === 'multiple-choice' ? (
            <>
              {text('minSelected', 'At least (labels)', { type: 'number' })}
              {text('maxSelected', 'At most (labels)', { type: 'number' })}
            </>
          ) : null}
          {q.type === 'text-spans' ? overlapBox : null}
          {q.type === 'audio-segments' || q.type === 'video-segments' ? (
            <>
              {text('durationField', 'Duration field', {
                helperText: 'Optional: the data field with the length in s',
              })}
              {overlapBox}
            </>
          ) : null}
          {q.type === 'free-text' ? (
            <>
              {text('minLength', 'Min length', {
                type: 'number',
                helperText: 'Default 0',
              })}
              {text('maxLength', 'Max length', {
                type: 'number',
                helperText: 'Default 10000',
              })}
            </>
          ) : null}
          {q.type === 'ordinal-rating' ? (
            <>
              {text('min', 'Lowest rating', { type: 'number', xs: 3 })}
              {text('max', 'Highest rating', { type: 'number', xs: 3 })}
              {text('minLabel', 'Word for the lowest', { xs: 3 })}
              {text('maxLabel', 'Word for the highest', { xs: 3 })}
            </>
          ) : null}
        </Grid>
      </Box>
    </Paper>
  );
}
