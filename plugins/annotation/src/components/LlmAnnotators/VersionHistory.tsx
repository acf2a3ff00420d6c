import { InfoCard } from '@backstage/core-components';
import { LlmAnnotatorVersion } from '@chorus/plugin-annotation-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { shortRef } from '../ProjectOverviewPage';
import { ConfigChange, diffConfigs, lineDiff } from './configDiff';
import { fieldLabel } from './form';
import type { LlmAnnotatorSectionProps } from './LlmAnnotatorsPage';

const PRE = {
  whiteSpace: 'pre-wrap' as const,
  wordBreak: 'break-word' as const,
  fontFamily: 'monospace',
  fontSize: '0.85em',
  margin: 0,
};

function formatValue(value: unknown): string {
  if (value === undefined) {
    return 'not set';
  }
  if (typeof value === 'string') {
    return value === '' ? 'empty' : value;
  }
  return JSON.stringify(value, null, 2);
}

const isText = (v: unknown): v is string => typeof v === 'string';

/** A change of a multi-line text (a prompt): its lines, marked. */
function TextChange(props: { before: string; after: string }) {
  return (
    <pre style={PRE}>
      {lineDiff(props.before, props.after).map((line, i) => {
        const mark = { same: ' ', added: '+', removed: '-' }[line.op];
        const background = {
          same: undefined,
          added: 'rgba(46, 160, 67, 0.15)',
          removed: 'rgba(248, 81, 73, 0.15)',
        }[line.op];
        return (
          <div key={i} style={{ background }} data-op={line.op}>
            {`${mark} ${line.text}`}
          </div>
        );
      })}
    </pre>
  );
}

function ChangeRow(props: { change: ConfigChange }) {
  const { path, before, after } = props.change;
  const multiline =
    isText(before) &&
    isText(after) &&
    (before.includes('\n') || after.includes('\n'));
  return (
    <TableRow>
      <TableCell component="th" scope="row">
        {fieldLabel(path)}
      </TableCell>
      {multiline ? (
        <TableCell colSpan={2}>
          <TextChange before={before} after={after} />
        </TableCell>
      ) : (
        <>
          <TableCell>
            <pre style={PRE}>{formatValue(before)}</pre>
          </TableCell>
          <TableCell>
            <pre style={PRE}>{formatValue(after)}</pre>
          </TableCell>
        </>
      )}
    </TableRow>
  );
}

function VersionSelect(props: {
  label: string;
  value: number;
  versions: LlmAnnotatorVersion[];
  onChange(version: number): void;
}) {
  const id = `chorus-llm-compare-${props.label.replace(/\W+/g, '-')}`;
  return (
    <TextField
      id={id}
      select
      SelectProps={{ native: true }}
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(Number(e.target.value))}
      variant="outlined"
      size="small"
    >
      {props.versions.map(v => (
        <option key={v.version} value={v.version}>
          Version {v.version}
        </option>
      ))}
    </TextField>
  );
}

function noChangesText(versions: number, same: boolean): string {
  if (versions < 2) {
    return 'One version so far: each save that changes the config adds one.';
  }
  return same
    ? 'Choose two different versions to compare.'
    : 'The two versions have the same config.';
}

/**
 * An annotator's versions, newest first, with who saved each and when,
 * and any two compared field by field (prompts line by line).
 */
export function VersionHistory(props: LlmAnnotatorSectionProps) {
  const { annotator, versions } = props;
  const newest = versions[0]?.version ?? annotator.version;
  const [compare, setCompare] = useState({
    from: versions[1]?.version ?? newest,
    to: newest,
  });
  const from = versions.find(v => v.version === compare.from);
  const to = versions.find(v => v.version === compare.to);
  const changes = from && to ? diffConfigs(from.config, to.config) : [];

  return (
    <InfoCard title="Versions">
      <Grid container spacing={3}>
        <Grid item xs={12} md={4}>
          <Table size="small" aria-label="Versions">
            <TableHead>
              <TableRow>
                <TableCell>Version</TableCell>
                <TableCell>Saved by</TableCell>
                <TableCell>When</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {versions.map(v => (
                <TableRow key={v.version}>
                  <TableCell>
                    {v.version}
                    {v.version === annotator.version ? (
                      <>
                        {' '}
                        <Chip size="small" label="current" />
                      </>
                    ) : null}
                  </TableCell>
                  <TableCell title={v.createdBy}>
                    {shortRef(v.createdBy)}
                  </TableCell>
                  <TableCell>
                    {new Date(v.createdAt).toLocaleString()}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Grid>
        <Grid item xs={12} md={8}>
          <Box display="flex" gridGap={16} mb={2} alignItems="center">
            <Typography variant="subtitle2" component="h3">
              Compare
            </Typography>
            <VersionSelect
              label="From version"
              value={compare.from}
              versions={versions}
              onChange={v => setCompare(c => ({ ...c, from: v }))}
            />
            <VersionSelect
              label="To version"
              value={compare.to}
              versions={versions}
              onChange={v => setCompare(c => ({ ...c, to: v }))}
            />
          </Box>
          {changes.length === 0 ? (
            <Typography color="textSecondary">
              {noChangesText(versions.length, compare.from === compare.to)}
            </Typography>
          ) : (
            <Table
              size="small"
              aria-label={`Changes from version ${compare.from} to version ${compare.to}`}
            >
              <TableHead>
                <TableRow>
                  <TableCell>Field</TableCell>
                  <TableCell>Version {compare.from}</TableCell>
                  <TableCell>Version {compare.to}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {changes.map(change => (
                  <ChangeRow key={change.path} change={change} />
                ))}
              </TableBody>
            </Table>
          )}
        </Grid>
      </Grid>
    </InfoCard>
  );
}
