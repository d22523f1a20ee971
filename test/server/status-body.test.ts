/** `GET /v1/status`: the body and its one schema (server/status-body.ts) name the same fields. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { statusSchema, type StatusBody } from '../../src/server/index.js';
import { json, startServer, type TestServer } from './helpers.js';

describe('/v1/status body and schema', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('every field of the body is in the schema, and every schema field is in the body', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/status' });
    assert.equal(res.statusCode, 200);
    const body = json<StatusBody>(res.body);
    assert.deepEqual(Object.keys(body).sort(), Object.keys(statusSchema.properties).sort());
    const deviceFields = Object.keys(statusSchema.properties.devices.items.properties);
    assert.ok(body.devices.length > 0);
    for (const device of body.devices) {
      for (const key of Object.keys(device)) assert.ok(deviceFields.includes(key), `device field ${key} is missing from the schema`);
    }
  });

  it('the OpenAPI document describes /v1/status with that schema', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = json<{ paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> } }> }>(res.body);
    const schema = doc.paths['/v1/status']!.get.responses['200']!.content['application/json']!.schema;
    assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(statusSchema.properties).sort());
  });
});
