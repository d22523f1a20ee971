/**
 * Reads the few facts onnxruntime's JS API does not expose: the model's metadata_props and
 * which graph inputs are actually consumed by a node (community exports keep `scale_factor`
 * as an input but ignore it, leaving boxes in model-input pixels). A tiny protobuf walker that
 * skips initializers by length, so it costs microseconds even on a 130 MB model.
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

// ModelProto / GraphProto / NodeProto field numbers (onnx.proto).
const MODEL_GRAPH = 7;
const MODEL_METADATA_PROPS = 14;
const MODEL_PRODUCER_NAME = 2;
const GRAPH_NODE = 1;
const NODE_INPUT = 1;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

export interface OnnxFileFacts {
  readonly metadata: Record<string, string>;
  readonly producerName: string;
  /** Names consumed by at least one top-level node. */
  readonly consumedNames: ReadonlySet<string>;
}

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** For length-delimited fields: [start, end) within the buffer. */
  readonly start: number;
  readonly end: number;
}

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const byte = buf[pos++]!;
    // Values past 2^53 only occur in fields we skip; precision there does not matter.
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = readVarint(buf, pos);
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    pos = afterTag;
    if (wireType === WIRE_VARINT) {
      const [, next] = readVarint(buf, pos);
      yield { number, wireType, start: pos, end: next };
      pos = next;
    } else if (wireType === WIRE_LEN) {
      const [length, next] = readVarint(buf, pos);
      if (next + length > end) throw new Error('truncated field');
      yield { number, wireType, start: next, end: next + length };
      pos = next + length;
    } else if (wireType === WIRE_I64) {
      yield { number, wireType, start: pos, end: pos + 8 };
      pos += 8;
    } else if (wireType === WIRE_I32) {
      yield { number, wireType, start: pos, end: pos + 4 };
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

const decoder = new TextDecoder();
const text = (buf: Uint8Array, f: Field): string => decoder.decode(buf.subarray(f.start, f.end));

export function readOnnxFacts(buf: Uint8Array): OnnxFileFacts {
  const metadata: Record<string, string> = {};
  const consumedNames = new Set<string>();
  let producerName = '';
  for (const field of fields(buf, 0, buf.length)) {
    if (field.wireType !== WIRE_LEN) continue;
    if (field.number === MODEL_PRODUCER_NAME) producerName = text(buf, field);
    else if (field.number === MODEL_METADATA_PROPS) {
      let key = '';
      let value = '';
      for (const entry of fields(buf, field.start, field.end)) {
        if (entry.number === ENTRY_KEY) key = text(buf, entry);
        else if (entry.number === ENTRY_VALUE) value = text(buf, entry);
      }
      metadata[key] = value;
    } else if (field.number === MODEL_GRAPH) {
      for (const graphField of fields(buf, field.start, field.end)) {
        if (graphField.number !== GRAPH_NODE || graphField.wireType !== WIRE_LEN) continue;
        for (const nodeField of fields(buf, graphField.start, graphField.end)) {
          if (nodeField.number === NODE_INPUT && nodeField.wireType === WIRE_LEN) consumedNames.add(text(buf, nodeField));
        }
      }
    }
  }
  return { metadata, producerName, consumedNames };
}
