/**
 * One job lifecycle for both stores (issue 27): the final states and the failed-page rule
 * (rules.ts), what a run's end means (lifecycle.ts), and the view a client reads (view.ts).
 */
export { finalOutcome, isFinalState, type FinalState } from './rules.js';
export { Lifecycle, type LifecycleStore, type OutboxWaker, type RunDecision, type RunTries } from './lifecycle.js';
export { jobView, type JobRecord } from './view.js';
