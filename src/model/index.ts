/**
 * The model layer's only door. Everything above (document, pool, server, cli) imports from here:
 * image input (sniff → decode → exact resize), the ONNX runtime, post-processing and the model
 * registry stay internal, grouped in their folders.
 */
export type * from './types.js';
export { defaultLayoutParams } from './types.js';
export { openSession } from './open-session.js';
export type { LayoutSession, SessionOptions } from './runtime/session.js';
export { parseBoolean, parseLayoutParams } from './params.js';
export type { ParseLayoutParamsOptions } from './params.js';
export { DEVICE_KINDS, parseDeviceName, type DeviceKind, type DeviceName } from './device-name.js';
export { DOCLAYOUT_L_LABELS, DOCLAYOUT_PLUS_L_LABELS, DOCLAYOUT_V3_LABELS } from './labels.js';
export { decodeImage, toBuffer } from './image/decode.js';
export type { DecodedImage, DecodeOptions } from './image/decode.js';
export { preprocess, preprocessDecoded } from './image/preprocess.js';
export { sniffMediaType, pdfHeaderOffset } from './image/sniff.js';
export type { MediaType } from './image/sniff.js';
export { postprocess } from './postprocess/postprocess.js';
export { selectPageOutputs } from './postprocess/select-page.js';
export { DEFAULT_MODEL_NAME, findKnownModel, knownModels } from './registry/registry.js';
export type { KnownModel } from './registry/registry.js';
export { pullModel, sha256File } from './registry/download.js';
export { resolveModelPath } from './registry/resolve.js';
