/**
 * The engine's only door: between the transports (server routes, jobs, cluster worker, CLI) and
 * the pool and document layers. It owns the model's identity, the reload, and the page chain
 * (cache → admission → pool).
 */
export { createEngine, createPoolAnalyzer, Engine, type EngineEvents, type EngineLoad, type EngineOptions, type PageChain } from './engine.js';
export { identifyModelFile, type ModelIdentity } from './model-identity.js';
export { interactiveActivity } from './interactive-activity.js';
export type { CachingAnalyzer, EngineResult, PageKey } from './page-chain.js';
