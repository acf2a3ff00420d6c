import { QuestionConfig } from '@chorus/plugin-annotation-common';
import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { DraftValue, isKeyboardChoice, orderedLike } from './answers';

const useStyles = makeStyles(theme => ({
  question: {
    display: 'block',
    marginBottom: theme.spacing(3),
    padding: theme.spacing(1, 2),
    borderLeft: `3px solid transparent`,
  },
  active: {
    borderLeftColor: theme.palette.primary.main,
  },
  key: {
    display: 'inline-block',
    minWidth: '1.6em',
    marginRight: theme.spacing(1),
    padding: '0 4px',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    textAlign: 'center',
    fontFamily: 'monospace',
    fontSize: '0.8em',
  },
}));

export interface QuestionInputProps {
  question: QuestionConfig;
  value: DraftValue;
  onChange(value: DraftValue): void;
  /** Number keys answer this question. */
  active: boolean;
  onActivate(): void;
  error?: string;
  disabled?: boolean;
}

/** The key hint shown before the n-th option (number keys 1–9). */
function KeyHint(props: { n: number; show: boolean }) {
  const classes = useStyles();
  return props.show && props.n <= 9 ? (
    <span className={classes.key} aria-hidden>
      {props.n}
    </span>
  ) : null;
}

/** One input per question: choice, multiple choice, rating or free text. */
export function QuestionInput(props: QuestionInputProps) {
  const { question: q, value, onChange, active, error, disabled } = props;
  const classes = useStyles();
  const keys = isKeyboardChoice(q);
  const labelId = `chorus-question-${q.id}`;
  const title = (
    <FormLabel id={labelId} component="legend" required={q.required}>
      {q.title}
    </FormLabel>
  );
  const help = (
    <>
      {q.description ? <FormHelperText>{q.description}</FormHelperText> : null}
      {error ? <FormHelperText error>{error}</FormHelperText> : null}
    </>
  );

  let input;
  switch (q.type) {
    case 'single-choice':
      input = (
        <RadioGroup
          aria-labelledby={labelId}
          value={typeof value === 'string' ? value : ''}
          onChange={e => onChange(e.target.value)}
        >
          {q.labels.map((l, i) => (
            <FormControlLabel
              key={l.value}
              value={l.value}
              disabled={disabled}
              control={<Radio color="primary" />}
              label={
                <>
                  <KeyHint n={i + 1} show={keys} />
                  {l.title ?? l.value}
                </>
              }
            />
          ))}
        </RadioGroup>
      );
      break;
    case 'multiple-choice': {
      const chosen = Array.isArray(value) ? value : [];
      input = (
        <FormGroup aria-labelledby={labelId}>
          {q.labels.map((l, i) => (
            <FormControlLabel
              key={l.value}
              disabled={disabled}
              control={
                <Checkbox
                  color="primary"
                  checked={chosen.includes(l.value)}
                  onChange={e =>
                    onChange(
                      e.target.checked
                        ? orderedLike(q, [...chosen, l.value])
                        : chosen.filter(v => v !== l.value),
                    )
                  }
                />
              }
              label={
                <>
                  <KeyHint n={i + 1} show={keys} />
                  {l.title ?? l.value}
                </>
              }
            />
          ))}
        </FormGroup>
      );
      break;
    }
    case 'ordinal-rating': {
      const points = Array.from(
        { length: q.max - q.min + 1 },
        (_, i) => q.min + i,
      );
      input = (
        <>
          <RadioGroup
            row
            aria-labelledby={labelId}
            value={typeof value === 'number' ? String(value) : ''}
            onChange={e => onChange(Number(e.target.value))}
          >
            {points.map((p, i) => (
              <FormControlLabel
                key={p}
                value={String(p)}
                disabled={disabled}
                labelPlacement="bottom"
                control={<Radio color="primary" />}
                label={
                  <>
                    <KeyHint n={i + 1} show={keys} />
                    {p}
                  </>
                }
              />
            ))}
          </RadioGroup>
          {q.minLabel || q.maxLabel ? (
            <Typography variant="caption" color="textSecondary">
              {q.min} = {q.minLabel ?? 'lowest'}, {q.max} ={' '}
              {q.maxLabel ?? 'highest'}
            </Typography>
          ) : null}
        </>
      );
      break;
    }
    case 'free-text':
      input = (
        <TextField
          multiline
          minRows={3}
          fullWidth
          variant="outlined"
          disabled={disabled}
          value={typeof value === 'string' ? value : ''}
          onChange={e => onChange(e.target.value)}
          inputProps={{
            'aria-labelledby': labelId,
            maxLength: q.maxLength,
          }}
          helperText={`Enter adds a line; Ctrl+Enter submits.${
            q.minLength ? ` At least ${q.minLength} characters.` : ''
          }`}
        />
      );
      break;
    default:
      input = (
        <Typography color="textSecondary" role="note">
          {q.type} questions are not supported in this page yet
          {q.required
            ? ': this project cannot be labeled here.'
            : '; it is optional and is left unanswered.'}
        </Typography>
      );
  }

  return (
    <FormControl
      component="fieldset"
      className={`${classes.question} ${active ? classes.active : ''}`}
      onFocus={props.onActivate}
      onMouseDown={props.onActivate}
      data-question={q.id}
    >
      {title}
      {input}
      {help}
    </FormControl>
  );
}
