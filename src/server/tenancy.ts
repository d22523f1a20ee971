/**
 * Who a request comes from and how it is admitted. With API keys (`--api-keys`) every work route
 * and the job routes need one (`Authorization: Bearer <key>` or `x-api-key`): none or an unknown
 * one is a 401. Without keys, a trusted proxy may name the tenant in `--tenant-header`; otherwise
 * everybody is "anonymous", as before tenants existed. The tenant's pages take turns with other
 * tenants' in the pool's queue, within its limits; its jobs are its own (others get 404).
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { ApiKeyError, InvalidParamError } from '../errors.js';
import type { PoolTaskOptions, PriorityClass, TenantLimits } from '../pool/index.js';
import { ApiKeys, type TenantEntry } from './api-keys.js';

export const ANONYMOUS = 'anonymous';

interface RequestTenant {
  readonly name: string;
  readonly limits: TenantLimits | undefined;
  readonly maxPriority: PriorityClass;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads or writes a tenant's own things (jobs): it needs the tenant even though it does no work. */
    tenant?: boolean;
  }
  interface FastifyRequest {
    /** Set on work and job routes (undefined elsewhere). */
    tenant?: RequestTenant;
  }
}

const TENANT_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

function limitsFor(config: Config, entry?: TenantEntry): TenantLimits | undefined {
  const maxPages = entry?.maxPages ?? config.tenantMaxPages;
  const maxQueued = entry?.maxQueued ?? config.tenantMaxQueued;
  return maxPages > 0 || maxQueued > 0 ? { maxPages, maxQueued } : undefined;
}

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim() || undefined;
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header ? header : undefined;
}

/** The onRequest hook that sets `request.tenant` on routes that do work (config.shed) or touch a tenant's jobs (config.tenant). */
export function tenancyHook(config: Config): (request: FastifyRequest) => Promise<void> {
  const keys = config.apiKeys ? ApiKeys.load(config.apiKeys) : undefined;
  const header = config.tenantHeader?.toLowerCase();
  return async (request) => {
    const routeConfig = request.routeOptions.config;
    if (!routeConfig.shed && !routeConfig.tenant) return;
    if (keys) {
      const key = presentedKey(request);
      if (!key) throw ApiKeyError('none was sent');
      const entry = keys.lookup(key);
      if (!entry) throw ApiKeyError('the key is not known');
      request.tenant = { name: entry.tenant, limits: limitsFor(config, entry), maxPriority: entry.maxPriority };
      return;
    }
    const named = header ? request.headers[header] : undefined;
    const name = typeof named === 'string' && named ? named : ANONYMOUS;
    if (!TENANT_NAME.test(name)) throw InvalidParamError(header ?? 'tenant', 'a tenant name is 1-64 letters, digits or . _ @ -');
    request.tenant = { name, limits: limitsFor(config), maxPriority: 'interactive' };
  };
}

/**
 * The admission of a request's pages: `priority` as asked (`interactive` | `batch`), else the
 * route's default, never above what the route or the tenant may use.
 */
export function admissionFor(request: FastifyRequest, asked: unknown, route: { default: PriorityClass; max: PriorityClass }): Pick<PoolTaskOptions, 'priority' | 'tenant' | 'tenantLimits'> {
  if (asked !== undefined && asked !== '' && asked !== 'interactive' && asked !== 'batch') throw InvalidParamError('priority', `expected interactive or batch, got "${String(asked)}"`);
  const tenant = request.tenant;
  const wanted = (asked || route.default) as PriorityClass;
  const priority = wanted === 'batch' || route.max === 'batch' || tenant?.maxPriority === 'batch' ? 'batch' : 'interactive';
  return { priority, ...(tenant ? { tenant: tenant.name } : {}), ...(tenant?.limits ? { tenantLimits: tenant.limits } : {}) };
}
