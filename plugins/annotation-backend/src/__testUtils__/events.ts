import { createBackendModule } from '@backstage/backend-plugin-api';
import { EventParams, eventsServiceRef } from '@backstage/plugin-events-node';
import { ANNOTATION_EVENT_TOPICS } from '@chorus/plugin-annotation-common';

/**
 * A module collecting what Chorus publishes on the events service (signals
 * included) into `seen`.
 */
export function eventListener(seen: EventParams[]) {
  return createBackendModule({
    pluginId: 'annotation',
    moduleId: 'test-listener',
    register(reg) {
      reg.registerInit({
        deps: { events: eventsServiceRef },
        async init({ events }) {
          await events.subscribe({
            id: 'test-listener',
            topics: [...Object.values(ANNOTATION_EVENT_TOPICS), 'signals'],
            onEvent: async event => {
              seen.push(event);
            },
          });
        },
      });
    },
  });
}
