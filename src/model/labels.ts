/**
 * Built-in label lists of the PP-DocLayout family, by class id, and the labels that sit outside
 * the reading flow. A label list stored in the model's metadata always wins over these.
 */

/** PP-DocLayoutV2 and V3 (25 classes). */
export const DOCLAYOUT_V3_LABELS = Object.freeze([
  'abstract', 'algorithm', 'aside_text', 'chart', 'content', 'display_formula', 'doc_title',
  'figure_title', 'footer', 'footer_image', 'footnote', 'formula_number', 'header', 'header_image',
  'image', 'inline_formula', 'number', 'paragraph_title', 'reference', 'reference_content', 'seal',
  'table', 'text', 'vertical_text', 'vision_footnote',
]);

/** PP-DocLayout-L / -M / -S (23 classes). */
export const DOCLAYOUT_L_LABELS = Object.freeze([
  'paragraph_title', 'image', 'text', 'number', 'abstract', 'content', 'figure_title', 'formula',
  'table', 'table_title', 'reference', 'doc_title', 'footnote', 'header', 'algorithm', 'footer',
  'seal', 'chart_title', 'chart', 'formula_number', 'header_image', 'footer_image', 'aside_text',
]);

/** PP-DocLayout_plus-L (20 classes). */
export const DOCLAYOUT_PLUS_L_LABELS = Object.freeze([
  'paragraph_title', 'image', 'text', 'number', 'abstract', 'content', 'figure_title', 'formula',
  'table', 'reference', 'doc_title', 'footnote', 'header', 'algorithm', 'footer', 'seal', 'chart',
  'formula_number', 'aside_text', 'reference_content',
]);

/** Regions that get `order: null`: they are not part of the running text. */
export const NON_FLOW_LABELS: ReadonlySet<string> = new Set([
  'figure_title', 'vision_footnote', 'image', 'chart', 'table', 'header', 'header_image', 'footer',
  'footer_image', 'footnote', 'aside_text',
]);

const LABEL_METADATA_KEYS = ['labels', 'label_list', 'character', 'names', 'classes'];

/**
 * Label list from ONNX metadata, if any. Accepts a JSON array, a JSON object {id: name}, a Python
 * list/dict repr, or one name per line — the forms exporters use in practice.
 */
export function labelsFromMetadata(metadata: Readonly<Record<string, string>>): string[] | undefined {
  for (const key of LABEL_METADATA_KEYS) {
    const raw = metadata[key];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = parseLabelList(raw);
    if (parsed && parsed.length > 0) return parsed;
  }
  return undefined;
}

function parseLabelList(raw: string): string[] | undefined {
  const trimmed = raw.trim();
  const jsonish = trimmed.startsWith('[') || trimmed.startsWith('{') ? trimmed.replace(/'/g, '"') : undefined;
  if (jsonish) {
    try {
      const value: unknown = JSON.parse(jsonish);
      if (Array.isArray(value)) return value.map(String);
      if (value && typeof value === 'object') {
        return Object.entries(value as Record<string, unknown>)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, name]) => String(name));
      }
    } catch {
      return undefined;
    }
  }
  return trimmed.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}
