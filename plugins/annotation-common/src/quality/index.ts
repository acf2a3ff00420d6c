/**
 * Quality math shared by the backend (live per-item state, scheduled
 * project refits) and the UI (dashboards): agreement coefficients,
 * consensus, span matching and scoring against gold. Pure functions, no I/O.
 */
export * from './types';
export * from './codedAnswers';
export * from './agreement';
export * from './krippendorff';
export * from './consensus';
export * from './dawidSkene';
export * from './spans';
export * from './multipleChoice';
export * from './itemOutcome';
export * from './gold';
export * from './projectAgreement';
