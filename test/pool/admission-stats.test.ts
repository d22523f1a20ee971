/**
 * Admission figures per tenant stay bounded whatever a proxy names: past 256 tenants the least
 * recently seen one is forgotten, and a tenant seen again keeps its figures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionStats } from '../../src/pool/admission-stats.js';

const none = new Map<string, { queued: number; oldestAt: number | undefined }>();

describe('admission figures per tenant', () => {
  it('forget the least recently seen tenant past 256, never one seen lately', () => {
    const stats = new AdmissionStats();
    const page = (tenant: string) => ({ priority: 'batch' as const, tenant, enqueuedAt: 0 });
    stats.dispatched(page('first'), 1);
    stats.rejected('batch', 'kept');
    for (let i = 0; i < 254; i++) stats.dispatched(page(`t${i}`), 1);
    // Seen again: now the most recent, so `first` is the least recently seen.
    stats.dispatched(page('kept'), 1);
    stats.dispatched(page('newcomer'), 1);
    const tenants = stats.tenants(none, 2);
    assert.equal(Object.keys(tenants).length, 256);
    assert.equal(tenants.first, undefined, 'the least recently seen tenant went');
    assert.deepEqual({ dispatched: tenants.kept!.dispatched, rejected: tenants.kept!.rejected }, { dispatched: 1, rejected: 1 });
    assert.equal(tenants.newcomer!.dispatched, 1);
  });
});
