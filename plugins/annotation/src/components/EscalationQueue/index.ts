export { EscalationQueuePage } from './EscalationQueuePage';
