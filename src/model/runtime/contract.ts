/**
 * Detects which PP-DocLayout export a graph is from its inputs, outputs and metadata — never
 * from the file name — and returns the facts the pre/post-processing needs (ModelInfo).
 */
import path from 'node:path';
import { ModelContractError } from '../../errors.js';
import type { OnnxFileFacts } from './onnx-file.js';
import { DOCLAYOUT_L_LABELS, DOCLAYOUT_V3_LABELS, labelsFromMetadata } from '../labels.js';
import type { ContractKind, ModelInfo, ModelVariant } from '../types.js';

/** What session.ts learns from onnxruntime about one input or output. */
interface ValueSignature {
  readonly name: string;
  readonly type: string;
  /** Dimensions; strings or -1 for dynamic ones. */
  readonly shape: ReadonlyArray<number | string>;
}

export interface GraphSignature {
  readonly inputs: readonly ValueSignature[];
  readonly outputs: readonly ValueSignature[];
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
const IDENTITY_MEAN = [0, 0, 0] as const;
const IDENTITY_STD = [1, 1, 1] as const;

const staticDim = (d: number | string | undefined): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

export function detectContract(modelPath: string, graph: GraphSignature, facts: OnnxFileFacts): ModelInfo {
  const inputNames = graph.inputs.map((v) => v.name);
  const outputNames = graph.outputs.map((v) => v.name);
  const fail = (reason: string): never => {
    throw ModelContractError(modelPath, `${reason} (inputs: ${inputNames.join(', ')}; outputs: ${outputNames.join(', ')})`);
  };
  const byName = (name: string) => graph.inputs.find((v) => v.name === name);

  let contract: ContractKind;
  let imageInput: ValueSignature | undefined;
  if (byName('image')) {
    contract = 'paddle';
    imageInput = byName('image');
  } else if (byName('pixel_values')) {
    contract = 'transformers';
    imageInput = byName('pixel_values');
  } else {
    return fail('no "image" or "pixel_values" input');
  }
  if (!imageInput || imageInput.shape.length !== 4) return fail('the image input is not rank 4 [B,3,H,W]');

  let variant: ModelVariant;
  let rowWidth: number;
  let hasMasks: boolean;
  let hasOrder: boolean;
  let boxesInOriginalPixels: boolean;
  if (contract === 'paddle') {
    const detections = graph.outputs[0];
    const width = staticDim(detections?.shape[1]);
    if (!detections || detections.shape.length !== 2 || width === undefined) return fail('first output is not [N, columns]');
    if (width < 6 || width > 8) return fail(`first output has ${width} columns, expected 6, 7 or 8`);
    rowWidth = width;
    hasMasks = graph.outputs.some((v, i) => i > 0 && v.shape.length === 3);
    hasOrder = width >= 7;
    variant = width === 7 ? 'pp-doclayoutv3' : width === 8 ? 'pp-doclayoutv2' : 'pp-doclayout';
    // Official exports divide by scale_factor inside the graph; some community exports keep the
    // input but never read it, which leaves boxes in model-input pixels.
    boxesInOriginalPixels = inputNames.includes('scale_factor') && (facts.consumedNames.size === 0 || facts.consumedNames.has('scale_factor'));
  } else {
    const logits = graph.outputs.find((v) => v.name === 'logits');
    const boxes = graph.outputs.find((v) => v.name === 'pred_boxes');
    if (!logits || !boxes) return fail('transformers-style export without logits/pred_boxes');
    rowWidth = 7;
    hasOrder = graph.outputs.some((v) => v.name === 'order_logits');
    hasMasks = graph.outputs.some((v) => v.name === 'out_masks' || v.name === 'pred_masks');
    variant = hasOrder ? 'pp-doclayoutv3' : 'pp-doclayout';
    boxesInOriginalPixels = true; // the session adapter scales normalised boxes itself
  }

  const defaultSize = variant === 'pp-doclayout' ? 640 : 800;
  const inputHeight = staticDim(imageInput.shape[2]) ?? defaultSize;
  const inputWidth = staticDim(imageInput.shape[3]) ?? defaultSize;
  // PicoDet-based PP-DocLayout-M/-S exports have no im_shape input and use ImageNet statistics;
  // RT-DETR-based models (L, plus-L, V2, V3) only scale by 1/255.
  const imagenet = contract === 'paddle' && variant === 'pp-doclayout' && !inputNames.includes('im_shape');
  const labels = labelsFromMetadata(facts.metadata) ?? (variant === 'pp-doclayout' ? [...DOCLAYOUT_L_LABELS] : [...DOCLAYOUT_V3_LABELS]);

  return Object.freeze({
    path: modelPath,
    name: facts.metadata.model_name ?? path.basename(modelPath, '.onnx'),
    variant,
    contract,
    inputHeight,
    inputWidth,
    mean: imagenet ? IMAGENET_MEAN : IDENTITY_MEAN,
    std: imagenet ? IMAGENET_STD : IDENTITY_STD,
    labels: Object.freeze(labels),
    rowWidth,
    hasMasks,
    hasOrder,
    boxesInOriginalPixels,
    dynamicBatch: staticDim(imageInput.shape[0]) === undefined,
    inputNames: Object.freeze(inputNames),
    outputNames: Object.freeze(outputNames),
    metadata: Object.freeze({ ...facts.metadata }),
  });
}
