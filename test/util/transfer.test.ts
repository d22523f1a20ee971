/**
 * Buffers handed between threads. From Node 22 on, memory a native addon owns (sharp's output) is
 * marked untransferable, and naming it in a transfer list fails the whole message: on Node 24 every
 * page asking for an overlay, crops or its page image answered 500 "prep thread failed: ". These
 * tests fail on that code under Node 24 and pass on every Node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import sharp from 'sharp';
import { describeError, toLayoutError } from '../../src/errors.js';
import { openSession, type LayoutSession } from '../../src/model/index.js';
import { PrepPool } from '../../src/pipeline/index.js';
import { movableBuffers } from '../../src/util/transfer.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';

const png = (size: number) => sharp({ create: { width: size, height: size, channels: 3, background: '#808080' } }).png().toBuffer();

describe('movableBuffers', () => {
  it('names only buffers a postMessage can move, so the message always goes through', async () => {
    const addonOwned = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } }).raw().toBuffer();
    const jsOwned = new Float32Array(1024);
    const sliceOfSlab = Buffer.from('small'); // shares Node's pool slab
    const list = movableBuffers(addonOwned, jsOwned, sliceOfSlab, undefined);
    assert.deepEqual(list, [jsOwned.buffer]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage({ addonOwned, jsOwned }, list);
    const received = receiveMessageOnPort(port2)?.message as { addonOwned: Uint8Array; jsOwned: Float32Array };
    assert.equal(received.addonOwned.byteLength, 64 * 64 * 3, 'addon memory arrives as a copy');
    assert.equal(received.jsOwned.length, 1024);
    assert.equal(jsOwned.byteLength, 0, 'JS memory was moved, not copied');
    port1.close();
  });
});

describe('PrepPool on real threads: pages that keep their decoded pixels', () => {
  let session: LayoutSession;
  let prep: PrepPool;
  before(async () => {
    session = await openSession(writeFixtureModel({ variant: 'v3' }));
    prep = new PrepPool(1);
  });
  after(async () => {
    await prep.close();
    await session.release();
  });

  it('prepares a page asking for an overlay and its page image (sharp output crosses back)', async () => {
    const page = await prep.prepare({
      source: { kind: 'image', bytes: await png(300) },
      name: 'grey.png',
      outputs: { overlay: 'png', pageImage: true },
      maxPixels: 100_000_000,
      info: session.info,
    });
    assert.equal(page.image?.width, 300);
    assert.equal(page.image?.data.byteLength, 300 * 300 * 3);
    assert.equal((await sharp(page.pageJpeg!).metadata()).format, 'jpeg');
    assert.equal(page.pixels.length, 3 * session.info.inputWidth * session.info.inputHeight);
  });
});

describe('describeError: never an empty message', () => {
  it('keeps a message that is there', () => {
    assert.equal(describeError(new Error('disk full')), 'disk full');
  });

  it('names an error thrown without a message by its name, code and origin', () => {
    const bare = new DOMException('', 'DataCloneError');
    const text = describeError(bare);
    assert.match(text, /^DataCloneError without a message \(code 25\) at /);
    const coded = Object.assign(new Error(''), { code: 'ERR_X' });
    assert.match(describeError(coded), /^Error without a message \(code ERR_X\) at .*transfer\.test/);
    assert.match(toLayoutError(bare).message, /^Internal error: DataCloneError without a message/);
  });

  it('describes thrown non-errors', () => {
    assert.equal(describeError('plain'), 'plain');
    assert.equal(describeError(undefined), 'a non-error value was thrown (undefined)');
    assert.equal(describeError({ a: 1 }), '{"a":1}');
  });
});
