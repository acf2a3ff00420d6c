export { QualityDashboardPage } from './QualityDashboardPage';
