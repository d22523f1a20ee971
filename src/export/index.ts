/**
 * The export layer's door: layout results → the formats the field exchanges (PAGE-XML, ALTO,
 * COCO) and zip archives. Pure functions of the results; no HTTP, files or pool here.
 */
export { EXPORT_FORMATS, isExportFormat } from './types.js';
export type { ExportDocument, ExportFile, ExportFormat, ExportOptions } from './types.js';
export { toPageXml, pageRegionKind } from './page-xml.js';
export { toAltoXml } from './alto-xml.js';
export { toCoco } from './coco.js';
export type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage } from './coco.js';
export { exportDocument, exportDocuments, pageXmlFiles } from './export-document.js';
export { zipFiles, type ZipEntry } from './zip.js';
export { fileStem, pageImageName, safeFileName } from './names.js';
export { xmlSafe } from './xml-text.js';
export { cropFileName, cropsArchive, type CropBytes } from './crop-files.js';
