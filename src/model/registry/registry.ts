/**
 * Known models: where to fetch them and how to check them. Sizes and sums come from the
 * publishers' pages (see shared/docs/MODEL.md); `sizeBytes` is undefined where none is published.
 */

export interface KnownModel {
  readonly name: string;
  readonly description: string;
  /** File name inside the model dir. */
  readonly file: string;
  readonly sizeBytes: number | undefined;
  readonly sha256: string;
  /** Tried in order; the first that answers with the right checksum wins. */
  readonly urls: readonly string[];
  readonly license: string;
}

export const DEFAULT_MODEL_NAME = 'pp-doclayoutv3';

export const knownModels: readonly KnownModel[] = Object.freeze([
  {
    name: 'pp-doclayoutv3',
    description: 'PP-DocLayoutV3, official ONNX export (25 classes, masks → polygons, reading order)',
    file: 'PP-DocLayoutV3.onnx',
    sizeBytes: 130_502_049,
    sha256: '45bf71750b00739a41fc209f132eb104a4d6b5bb29483c9078164d8b87cf28ba',
    urls: [
      'https://huggingface.co/PaddlePaddle/PP-DocLayoutV3_onnx/resolve/main/inference.onnx',
      'https://modelscope.cn/models/PaddlePaddle/PP-DocLayoutV3_onnx/resolve/master/inference.onnx',
    ],
    license: 'Apache-2.0',
  },
  {
    name: 'pp-doclayoutv3-rapidlayout',
    description: 'PP-DocLayoutV3 as exported by RapidLayout (labels in metadata)',
    file: 'pp_doc_layoutv3.onnx',
    sizeBytes: undefined,
    sha256: '250dbad1dfb9e4983fab75e1bf5085cd56ec3f41d5c7d0f8623ec74856e7aa67',
    urls: ['https://modelscope.cn/models/RapidAI/RapidLayout/resolve/master/onnx/pp_doc_layout/pp_doc_layoutv3.onnx'],
    license: 'Apache-2.0',
  },
  {
    name: 'pp-doclayoutv2',
    description: 'PP-DocLayoutV2 as exported by RapidLayout (25 classes, order pair, batch 1 only)',
    file: 'pp_doc_layoutv2.onnx',
    sizeBytes: undefined,
    sha256: '0bd2ea0997fe0789f0300292291f8bbf897d890b44a9a3bd5be72afd6198aa90',
    urls: ['https://modelscope.cn/models/RapidAI/RapidLayout/resolve/master/onnx/pp_doc_layout/pp_doc_layoutv2.onnx'],
    license: 'Apache-2.0',
  },
]);

export function findKnownModel(name: string): KnownModel | undefined {
  const wanted = name.trim().toLowerCase();
  return knownModels.find((m) => m.name === wanted);
}
