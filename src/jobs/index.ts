/**
 * Jobs on a cluster (issue #9): documents and results in Redis, BullMQ queues of document
 * and page jobs, workers that run pages on their device pool, and the client that submits and
 * reads submissions (a cluster's sets of documents; `batch` in Redis and on the wire: names.ts).
 * The server's /v1/jobs and the CLI's worker/submit/jobs commands import this door.
 */
export { Cluster, jobSettings, type JobSettings } from './cluster.js';
export { ClusterWorker, type ClusterWorkerOptions, type WorkerCounters } from './cluster-worker.js';
export { JobClient, submissionState, type QueueCounts, type SubmittedDocument } from './job-client.js';
export { notifyCallback, callbackSettings, CALLBACK_DEFAULTS, type CallbackAttempt, type CallbackOptions, type CallbackOutcome } from './callback.js';
export { CallbackGuard } from './callback-guard.js';
export { listWorkers, HEARTBEAT_MS, type WorkerInfo } from './worker-registry.js';
export { BULL_PREFIX, checkSubmissionId, newSubmissionId, documentId, documentJson, submissionJson, pageJobId, queueNames, DEFAULT_QUEUE } from './names.js';
export { createRedis, redisOptions } from './connection.js';
export { openDocumentKey, pageCacheKey, planPages, runPage, type DocumentBytes, type PagePlan, type PageRunnerContext } from './page-runner.js';
export { OpenDocuments, OPEN_DOCUMENTS_IDLE_MS, OPEN_DOCUMENTS_MAX, OPEN_DOCUMENTS_MAX_BYTES, type OpenDocumentsOptions } from './open-documents.js';
export { sha256Hex } from './document-store.js';
export type * from './types.js';
export { FINISHED_STATES } from './types.js';
export type { JobMetrics, JobProgress, JobService, JobState, JobView, StoredPage } from './job-service.js';
export { RedisJobService } from './redis-job-service.js';
export { storedPagesAfter } from './stored-pages.js';
export { EmbeddedJobService, MAX_JOBS } from './embedded-job-service.js';
export { SqliteJobStore } from './durable/sqlite-store.js';
export type { JobStore, StoredJob } from './durable/job-store.js';
export { finalOutcome, isFinalState, jobView, Lifecycle, type FinalState, type JobRecord, type LifecycleStore, type RunDecision } from './lifecycle/index.js';
export { RETRY_POLICY, isInputError, retryKind, shouldRetry, retryDelayMs, classifyError, type RetryKind } from './retry-policy.js';
