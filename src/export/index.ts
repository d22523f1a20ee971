/**
 * The export layer's door: layout results → the formats the field exchanges (PAGE-XML, ALTO,
 * COCO) and zip archives. Pure functions of the results; no HTTP, files or pool here.
 */
export { EXPORT_FORMATS, isExportFormat } from './types.js';
export type { ExportDocument, ExportFile, ExportFormat, ExportOptions } from './types.js';
export { toPageXml, pageRegionKind } from './page-xml.js';
export { toAltoXml } from './alto-xml.js';
export { cocoDatasetEntries, toCoco } from './coco.js';
export type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage } from './coco.js';
export { exportDocument, exportDocuments, pageImagesFile, pageXmlFiles } from './export-document.js';
export { zipFiles, type ZipEntry } from './zip.js';
export { COCO_ANNOTATIONS, EXTENSIONS, PAGE_DIGITS, cocoImagePath, cropName, fileStem, outputName, pageImageName, pageStem, readingNumbers, readingOrder, relativeFolders, safeFileName, selectionName, type OutputKind } from './names.js';
export { xmlSafe } from './xml-text.js';
export { cropFileName, cropsArchive, type CropBytes } from './crop-files.js';
export { pdfResultBody, type FailedPageBody, type PdfBody } from './json-body.js';
