export { LlmAnnotatorsPage } from './LlmAnnotatorsPage';
