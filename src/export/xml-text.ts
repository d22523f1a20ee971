/**
 * XML building shared by the PAGE and ALTO writers, on fast-xml-parser's builder (it escapes
 * text and attributes). Element order is kept (`preserveOrder`): ALTO's implicit reading order is
 * the order of its blocks. Strings from outside (labels, file names) can hold characters XML 1.0
 * cannot carry at all (control characters, lone surrogates); those are dropped here, since no
 * escape exists for them.
 */
import { XMLBuilder } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
});

const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The string with every character XML 1.0 forbids removed. */
export function xmlSafe(value: string): string {
  return value.replace(NOT_XML_CHAR, '');
}

/** An element: attributes whose value is undefined are left out; strings are made XML-safe. */
export function el(name: string, attributes: Record<string, string | number | undefined>, children: XmlNode[] = []): XmlNode {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) attrs[`@_${key}`] = typeof value === 'string' ? xmlSafe(value) : String(value);
  }
  return Object.keys(attrs).length > 0 ? { [name]: children, ':@': attrs } : { [name]: children };
}

/** An element holding text. */
export function textEl(name: string, text: string): XmlNode {
  return { [name]: [{ '#text': xmlSafe(text) }] };
}

export function xmlDocument(root: XmlNode): string {
  const declaration = { '?xml': [{ '#text': '' }], ':@': { '@_version': '1.0', '@_encoding': 'UTF-8' } };
  return builder.build([declaration, root]) as string;
}
