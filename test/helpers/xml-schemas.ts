/**
 * Validation of exported XML with libxml2's xmllint (Debian's libxml2-utils) against the official
 * PAGE 2019-07-15 and ALTO v4 schemas. The schemas are not typed in here: they are read from
 * DOCLAYOUT_XSD_DIR, default ../shared/schemas (the team's shared folder, which CI gets a copy
 * of), as the files PRImA and the Library of Congress publish:
 *   pagecontent.xsd   PRImA-Research-Lab/PAGE-XML pagecontent/schema/pagecontent.xsd (2019-07-15)
 *   alto-4-*.xsd      altoxml/schema v4/alto-4-2.xsd (or any 4.x)
 *   xlink.xsd         http://www.loc.gov/standards/xlink/xlink.xsd (ALTO imports it)
 * Each file is checked to declare the namespace it should, so a stand-in cannot pass for one.
 * xmllint runs with --nonet: the ALTO schema's xlink import resolves through an XML catalog to
 * the local copy, never the network.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedDir } from '../fixtures/paths.js';

export const schemaDir = process.env.DOCLAYOUT_XSD_DIR ?? path.join(sharedDir, 'schemas');

export interface OfficialSchemas {
  readonly page: string;
  readonly alto: string;
  readonly xlink: string;
}

const XLINK_URL = 'http://www.loc.gov/standards/xlink/xlink.xsd';

/** Why xmllint cannot be used, or undefined. */
export function xmllintProblem(): string | undefined {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return probe.status === 0 ? undefined : 'xmllint is not installed (apt-get install libxml2-utils)';
}

function declares(file: string, targetNamespace: string): boolean {
  const head = fs.readFileSync(file, 'utf8').slice(0, 20_000);
  return head.includes(`targetNamespace="${targetNamespace}"`);
}

/** The three schema files, or the reason they cannot be used. */
export function findOfficialSchemas(): { schemas?: OfficialSchemas; problem?: string } {
  if (!fs.existsSync(schemaDir)) return { problem: `no schema folder ${schemaDir} (see test/helpers/xml-schemas.ts for the files it needs)` };
  const files = fs.readdirSync(schemaDir);
  const page = path.join(schemaDir, 'pagecontent.xsd');
  const alto = files.filter((f) => /^alto-4-\d+\.xsd$/.test(f)).sort().map((f) => path.join(schemaDir, f)).at(-1);
  const xlink = path.join(schemaDir, 'xlink.xsd');
  if (!fs.existsSync(page) || !declares(page, 'http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15')) {
    return { problem: `${page} is missing or is not the PAGE 2019-07-15 schema` };
  }
  if (!alto || !declares(alto, 'http://www.loc.gov/standards/alto/ns-v4#')) return { problem: `no ALTO v4 schema (alto-4-N.xsd) in ${schemaDir}` };
  if (!fs.existsSync(xlink) || !declares(xlink, 'http://www.w3.org/1999/xlink')) return { problem: `${xlink} is missing or is not the XLink schema ALTO imports` };
  return { schemas: { page, alto, xlink } };
}

export interface XmllintOutcome {
  readonly ok: boolean;
  readonly output: string;
}

/** xmllint on one document: well-formedness alone, or validity against `schema`. */
export function xmllint(xml: string, schema?: string, xlink?: string): XmllintOutcome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-xml-'));
  try {
    const file = path.join(dir, 'document.xml');
    fs.writeFileSync(file, xml);
    const env = { ...process.env };
    if (xlink) {
      const catalog = path.join(dir, 'catalog.xml');
      fs.writeFileSync(catalog, `<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="${XLINK_URL}" uri="file://${xlink}"/>
  <uri name="${XLINK_URL}" uri="file://${xlink}"/>
</catalog>
`);
      env.XML_CATALOG_FILES = catalog;
    }
    const args = ['--noout', '--nonet', ...(schema ? ['--schema', schema] : []), file];
    const run = spawnSync('xmllint', args, { encoding: 'utf8', env, timeout: 60_000 });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fails unless `xml` is valid PAGE 2019-07-15 or ALTO v4 by the official schemas — for tests
 * whose subject is another route or command but whose output is a PAGE or ALTO file, so every
 * export the suite makes is validated. Without xmllint or the schemas it checks nothing, unless
 * DOCLAYOUT_REQUIRE names xsd (CI): then it fails with the reason.
 */
export function assertOfficialXml(xml: string, kind: 'page' | 'alto'): void {
  const problem = xmllintProblem() ?? findOfficialSchemas().problem;
  if (problem !== undefined) {
    const required = (process.env.DOCLAYOUT_REQUIRE ?? '').split(',').map((s) => s.trim());
    if (required.includes('xsd') || required.includes('all')) throw new Error(`xsd is required but missing: ${problem}`);
    return;
  }
  const schemas = findOfficialSchemas().schemas!;
  const result = kind === 'page' ? xmllint(xml, schemas.page) : xmllint(xml, schemas.alto, schemas.xlink);
  if (!result.ok) throw new Error(`not valid ${kind === 'page' ? 'PAGE 2019-07-15' : 'ALTO v4'}: ${result.output}`);
}
