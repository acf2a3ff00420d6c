import { AnnotationProjectStatus } from '@chorus/plugin-annotation-common';
import Chip from '@material-ui/core/Chip';

const colors: Record<AnnotationProjectStatus, 'primary' | 'default'> = {
  draft: 'default',
  active: 'primary',
  paused: 'default',
  completed: 'default',
  archived: 'default',
};

/** A project's work status as a chip. */
export function StatusChip(props: { status: AnnotationProjectStatus }) {
  return (
    <Chip
      size="small"
      label={props.status}
      color={colors[props.status] ?? 'default'}
    />
  );
}
