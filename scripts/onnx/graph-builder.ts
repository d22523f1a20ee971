/**
 * A minimal ONNX graph builder over onnx-proto, used to generate the test fixture model and the
 * benchmark stand-in. Nothing in src/ depends on it: the runtime only reads models.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT32: 6,
  INT64: 7,
} as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

type Dim = number | string;
type AttrValue = number | string | readonly number[] | { ints: readonly number[] } | { floats: readonly number[] };

export class GraphBuilder {
  readonly #nodes: OnnxTypes.INodeProto[] = [];
  readonly #initializers: OnnxTypes.ITensorProto[] = [];
  readonly #inputs: OnnxTypes.IValueInfoProto[] = [];
  readonly #outputs: OnnxTypes.IValueInfoProto[] = [];
  #counter = 0;

  input(name: string, type: DataTypeId, dims: readonly Dim[]): string {
    this.#inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: DataTypeId, dims: readonly Dim[]): string {
    this.#outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Adds a constant tensor and returns its name. */
  constant(dims: readonly number[], type: DataTypeId, values: ArrayLike<number>, name = this.#fresh('const')): string {
    const tensor: OnnxTypes.ITensorProto = { name, dims: [...dims], dataType: type };
    if (type === DataType.FLOAT) tensor.rawData = new Uint8Array(Float32Array.from(values).buffer);
    else if (type === DataType.INT32) tensor.rawData = new Uint8Array(Int32Array.from(values).buffer);
    else if (type === DataType.INT64) tensor.rawData = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
    else tensor.rawData = Uint8Array.from(values);
    this.#initializers.push(tensor);
    return name;
  }

  /** Adds a node and returns the name of its first output. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}, outputs: readonly string[] = [this.#fresh(opType)]): string {
    this.#nodes.push({
      opType,
      input: [...inputs],
      output: [...outputs],
      name: this.#fresh(`${opType}_node`),
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs[0]!;
  }

  /** Serialises to ONNX bytes (IR 8, opset 17, as paddle2onnx exports PP-DocLayoutV3). */
  build(options: { metadata?: Record<string, string>; producer?: string; opset?: number } = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      producerName: options.producer ?? 'doclayout-graph-builder',
      graph: {
        name: 'graph',
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }

  #fresh(prefix: string): string {
    this.#counter += 1;
    return `${prefix}_${this.#counter}`;
  }
}

function valueInfo(name: string, elemType: DataTypeId, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  return { name, type: AttributeType.INTS, ints: [...(value as readonly number[])] };
}
