import { ResponseErrorPanel, WarningPanel } from '@backstage/core-components';
import { reasonOf, statusOf } from '../errors';

/**
 * A failed Chorus call, said plainly: 404 is a project the caller cannot
 * see (Chorus answers outsiders 404 for everything about a project), 403 an
 * action their tier does not allow.
 */
export function ChorusErrorPanel(props: {
  error: Error;
  /** What a 403 means here, e.g. "Progress is for project managers…". */
  forbidden?: string;
  title?: string;
}) {
  const { error } = props;
  const status = statusOf(error);
  if (status === 404) {
    return (
      <WarningPanel
        severity="warning"
        title="Project not found"
        message="This project does not exist, or you are not in its workforce."
      />
    );
  }
  if (status === 403) {
    return (
      <WarningPanel
        severity="warning"
        title={props.title ?? 'Not allowed'}
        message={`${
          props.forbidden ?? 'Your workforce tier does not allow this.'
        } (${reasonOf(error)})`}
      />
    );
  }
  return <ResponseErrorPanel error={error} title={props.title} />;
}
