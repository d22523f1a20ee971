/**
 * The only module that imports onnxruntime-node. Creates a session on one device, builds the
 * three PaddleX inputs for a batch and normalises every supported export's outputs to the
 * paddle layout (RawOutputs), so post-processing has one code path.
 */
import fs from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { ModelLoadError, InferenceError, InvalidParamError } from '../../errors.js';
import { parseDeviceName, type DeviceName } from '../device-name.js';
import { detectContract, type GraphSignature } from './contract.js';
import { readOnnxFacts } from './onnx-file.js';
import type { ModelInfo, PageGeometry, RawOutputs } from '../types.js';

export interface SessionOptions {
  /** 'cpu' (default) | 'cuda:N' | 'webgpu:N' | 'tensorrt:N'. */
  readonly device?: string;
  /** Intra-op threads; 0 or undefined lets onnxruntime pick (all cores). */
  readonly intraOpNumThreads?: number;
}

export interface LayoutSession {
  readonly info: ModelInfo;
  readonly device: string;
  /** `pixels` holds `geometries.length` CHW pages back to back. */
  run(pixels: Float32Array, geometries: readonly PageGeometry[]): Promise<RawOutputs>;
  release(): Promise<void>;
}

type ParsedDevice = DeviceName;

function parseDevice(device: string): ParsedDevice {
  const parsed = parseDeviceName(device);
  if (!parsed) throw InvalidParamError('device', `"${device}" is not cpu, cuda:N, webgpu:N or tensorrt:N`);
  return parsed;
}

function executionProviders(device: ParsedDevice): ort.InferenceSession.SessionOptions['executionProviders'] {
  switch (device.kind) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return [{ name: 'cuda', deviceId: device.index }];
    case 'tensorrt':
      return [{ name: 'tensorrt', deviceId: device.index } as ort.InferenceSession.ExecutionProviderConfig, { name: 'cuda', deviceId: device.index }];
    case 'webgpu':
      // The WebGPU provider rejects a deviceId option; it picks the adapter itself.
      return ['webgpu'];
  }
}

function fixFor(device: ParsedDevice): string {
  if (device.kind === 'cuda' || device.kind === 'tensorrt') {
    return 'onnxruntime-node has no CPU fallback for CUDA: install the CUDA 12 and cuDNN 9 libraries and reinstall with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install`, or use --devices cpu';
  }
  if (device.kind === 'webgpu') return 'the WebGPU provider needs a Vulkan driver and loader (libvulkan.so.1) on this host';
  return 'check that the file is a complete ONNX model';
}

export async function createSession(modelPath: string, options: SessionOptions = {}): Promise<LayoutSession> {
  const deviceName = options.device ?? 'cpu';
  const device = parseDevice(deviceName);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(modelPath);
  } catch (err) {
    throw ModelLoadError(modelPath, deviceName, (err as Error).message);
  }
  let facts;
  try {
    facts = readOnnxFacts(bytes);
  } catch (err) {
    throw ModelLoadError(modelPath, deviceName, `not a valid ONNX file (${(err as Error).message}). Fix: ${fixFor({ kind: 'cpu', index: 0 })}`);
  }
  let session: ort.InferenceSession;
  try {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: executionProviders(device),
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      // Errors only: onnxruntime's warnings (e.g. unused initializers) are noise for users.
      logSeverityLevel: 3,
    };
    // onnxruntime rejects an explicit undefined here, so the key is set only when chosen.
    if (options.intraOpNumThreads && options.intraOpNumThreads > 0) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (err) {
    throw ModelLoadError(modelPath, deviceName, `${(err as Error).message.split('\n')[0]}. Fix: ${fixFor(device)}`);
  }
  const graph: GraphSignature = {
    inputs: session.inputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'non-tensor', shape: m.isTensor ? m.shape : [] })),
    outputs: session.outputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'non-tensor', shape: m.isTensor ? m.shape : [] })),
  };
  let info: ModelInfo;
  try {
    info = detectContract(modelPath, graph, facts);
  } catch (err) {
    await session.release();
    throw err;
  }
  const imageInput = graph.inputs.find((v) => v.name === (info.contract === 'paddle' ? 'image' : 'pixel_values'))!;
  const halfPrecision = imageInput.type === 'float16';
  let released = false;

  return {
    info,
    device: deviceName,
    async run(pixels, geometries) {
      if (released) throw InferenceError(deviceName, 'session already released');
      const batch = geometries.length;
      const { inputHeight: h, inputWidth: w } = info;
      const image = halfPrecision
        ? new ort.Tensor('float16', toFloat16(pixels), [batch, 3, h, w])
        : new ort.Tensor('float32', pixels, [batch, 3, h, w]);
      const feeds: Record<string, ort.Tensor> = {};
      if (info.contract === 'paddle') {
        feeds.image = image;
        const imShape = new Float32Array(batch * 2);
        const scaleFactor = new Float32Array(batch * 2);
        geometries.forEach((g, i) => {
          imShape[i * 2] = h;
          imShape[i * 2 + 1] = w;
          scaleFactor[i * 2] = g.scaleY;
          scaleFactor[i * 2 + 1] = g.scaleX;
        });
        if (info.inputNames.includes('im_shape')) feeds.im_shape = floatTensor(imShape, [batch, 2], halfPrecision);
        if (info.inputNames.includes('scale_factor')) feeds.scale_factor = floatTensor(scaleFactor, [batch, 2], halfPrecision);
      } else {
        feeds.pixel_values = image;
      }
      let outputs: ort.InferenceSession.ReturnType;
      try {
        outputs = await session.run(feeds);
      } catch (err) {
        throw InferenceError(deviceName, (err as Error).message.split('\n')[0]);
      }
      try {
        return info.contract === 'paddle' ? paddleOutputs(info, outputs, batch) : transformersOutputs(info, outputs, geometries);
      } finally {
        for (const tensor of Object.values(outputs)) tensor.dispose?.();
      }
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}

function floatTensor(data: Float32Array, dims: number[], half: boolean): ort.Tensor {
  return half ? new ort.Tensor('float16', toFloat16(data), dims) : new ort.Tensor('float32', data, dims);
}

function asFloat32(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float32') return Float32Array.from(tensor.data as Float32Array);
  if (tensor.type === 'float16') return fromFloat16(tensor.data as Uint16Array);
  return Float32Array.from(tensor.data as ArrayLike<number>);
}

function paddleOutputs(info: ModelInfo, outputs: ort.InferenceSession.ReturnType, batch: number): RawOutputs {
  const [detName, countName, maskName] = info.outputNames;
  const detections = asFloat32(outputs[detName!]!);
  const rowWidth = info.rowWidth;
  const totalRows = detections.length / rowWidth;
  const counts = countName ? outputs[countName] : undefined;
  const rowsPerImage = counts && counts.dims.length === 1 && counts.dims[0] === batch
    ? Array.from(counts.data as ArrayLike<number | bigint>, Number)
    : Array.from({ length: batch }, () => totalRows / batch);
  const maskTensor = info.hasMasks && maskName ? outputs[maskName] : undefined;
  return {
    detections,
    rowWidth,
    rowsPerImage,
    masks: maskTensor ? copyMasks(maskTensor) : undefined,
    maskHeight: maskTensor ? Number(maskTensor.dims[1]) : 0,
    maskWidth: maskTensor ? Number(maskTensor.dims[2]) : 0,
    boxesInOriginalPixels: info.boxesInOriginalPixels,
  };
}

/** Masks arrive as int32 0/1; keeping one byte per pixel quarters the IPC and memory cost. */
function copyMasks(tensor: ort.Tensor): Uint8Array {
  const src = tensor.data as ArrayLike<number>;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! > 0 ? 1 : 0;
  return out;
}

/**
 * transformers-style export: per query, sigmoid class scores, normalised cx,cy,w,h boxes and a
 * pairwise order matrix. The rank of query i is the number of queries predicted to precede it.
 */
function transformersOutputs(info: ModelInfo, outputs: ort.InferenceSession.ReturnType, geometries: readonly PageGeometry[]): RawOutputs {
  const logits = outputs.logits!;
  const boxes = asFloat32(outputs.pred_boxes!);
  const [batch, queries, classes] = logits.dims.map(Number) as [number, number, number];
  const scores = asFloat32(logits);
  const order = outputs.order_logits ? asFloat32(outputs.order_logits) : undefined;
  const maskTensor = outputs.out_masks ?? outputs.pred_masks;
  const detections = new Float32Array(batch * queries * 7);
  for (let b = 0; b < batch; b++) {
    const g = geometries[b]!;
    for (let q = 0; q < queries; q++) {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = scores[(b * queries + q) * classes + c]!;
        if (v > bestScore) { bestScore = v; best = c; }
      }
      const o = (b * queries + q) * 7;
      const bx = (b * queries + q) * 4;
      const [cx, cy, bw, bh] = [boxes[bx]!, boxes[bx + 1]!, boxes[bx + 2]!, boxes[bx + 3]!];
      detections[o] = best;
      detections[o + 1] = 1 / (1 + Math.exp(-bestScore));
      detections[o + 2] = (cx - bw / 2) * g.width;
      detections[o + 3] = (cy - bh / 2) * g.height;
      detections[o + 4] = (cx + bw / 2) * g.width;
      detections[o + 5] = (cy + bh / 2) * g.height;
      let precededBy = 0;
      if (order) {
        for (let j = 0; j < queries; j++) {
          if (j !== q && order[(b * queries + j) * queries + q]! > 0) precededBy++;
        }
      }
      detections[o + 6] = order ? precededBy : q;
    }
  }
  let masks: Uint8Array | undefined;
  if (maskTensor) {
    const src = asFloat32(maskTensor);
    masks = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) masks[i] = src[i]! > 0 ? 1 : 0;
  }
  return {
    detections,
    rowWidth: 7,
    rowsPerImage: Array.from({ length: batch }, () => queries),
    masks,
    maskHeight: maskTensor ? Number(maskTensor.dims[2]) : 0,
    maskWidth: maskTensor ? Number(maskTensor.dims[3]) : 0,
    boxesInOriginalPixels: true,
  };
}

// IEEE 754 half precision, for community fp16 exports.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function toFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    const mant = x & 0x7fffff;
    if (exp <= 0) out[i] = sign | (exp < -10 ? 0 : (mant | 0x800000) >> (1 - exp + 13));
    else if (exp >= 31) out[i] = sign | 0x7c00;
    else out[i] = sign | (exp << 10) | (mant >> 13);
  }
  return out;
}

function fromFloat16(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (mant / 1024) : exp === 31 ? (mant ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + mant / 1024);
  }
  return out;
}
