#!/usr/bin/env node
// Introspection vs committed SDL: sends graphql-js's standard introspection query to a
// running server, builds a schema from the answer (`buildClientSchema`) and compares it
// with the committed SDL (`buildSchema`).
//
//   node introspection.mjs http://127.0.0.1:PORT/graphql ../../schema.graphql
//   node introspection.mjs --print-query     (the query text, exactly as it is sent)
//
// Checks, one line each (PASS/FAIL), then `N passed, M failed`; exits 1 on any failure,
// 2 on bad usage. See README.md for what each check means and why.

import fs from 'node:fs';
import {
  BreakingChangeType,
  buildClientSchema,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  getIntrospectionQuery,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  GraphQLSchema,
  Kind,
  lexicographicSortSchema,
  parse,
  print,
  printSchema,
  validateSchema,
} from 'graphql';

// Every option graphql@16.15 offers except `experimentalDirectiveDeprecation`
// (asks `__Directive.isDeprecated`, which is not in the spec nor in async-graphql) and
// `typeDepth` (left at its default, 9).
export const INTROSPECTION_OPTIONS = Object.freeze({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

// graphql-js's text, reprinted by graphql-js's printer: the same operation, with
// stable two-space formatting (this is the text sent and the one --print-query prints).
export const INTROSPECTION_QUERY = print(parse(getIntrospectionQuery(INTROSPECTION_OPTIONS)));

const USAGE = [
  'usage: node introspection.mjs http://127.0.0.1:PORT/graphql path/to/schema.graphql',
  '       node introspection.mjs --print-query',
].join('\n');
const REQUEST_TIMEOUT_MS = Number(process.env.INTROSPECTION_REQUEST_TIMEOUT_MS || 30000);
const MAX_LISTED = 50; // changes or differences listed per check
const MAX_DIFF_LINES = 120;

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.includes('--print-query')) {
  if (args.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  process.stdout.write(`${INTROSPECTION_QUERY}\n`);
  process.exit(0);
}
if (args.length !== 2) {
  console.error(USAGE);
  process.exit(2);
}
const [urlArg, sdlPath] = args;
let url;
try {
  url = new URL(urlArg).toString();
} catch {
  console.error(`not a URL: ${urlArg}\n${USAGE}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------

let passed = 0;
let failed = 0;
function pass(name, note) {
  passed += 1;
  console.log(`PASS  ${name}${note ? ` (${note})` : ''}`);
}
function fail(name, lines) {
  failed += 1;
  console.log(`FAIL  ${name}`);
  for (const line of [].concat(lines)) console.log(`        ${line}`);
}
function listed(items) {
  const shown = items.slice(0, MAX_LISTED);
  if (items.length > shown.length) shown.push(`... and ${items.length - shown.length} more`);
  return shown;
}
function oneLine(text, limit = 800) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit)}... (${flat.length} chars)` : flat;
}
function errorText(err) {
  let text = err && err.message ? err.message : String(err);
  if (err && err.cause) text += ` (${err.cause.code || err.cause.message || err.cause})`;
  return text;
}

// ---------------------------------------------------------------------------
// 1. The committed SDL
// ---------------------------------------------------------------------------

let sdlSchema = null;
let sdlDefinedDirectives = new Set();
try {
  const sdlText = fs.readFileSync(sdlPath, 'utf8');
  sdlSchema = buildSchema(sdlText);
  sdlDefinedDirectives = new Set(
    parse(sdlText)
      .definitions.filter((d) => d.kind === Kind.DIRECTIVE_DEFINITION)
      .map((d) => d.name.value),
  );
  const errors = validateSchema(sdlSchema);
  if (errors.length) {
    fail(`the committed SDL ${sdlPath} is a valid schema`, listed(errors.map((e) => e.message)));
    sdlSchema = null;
  } else {
    pass(`the committed SDL ${sdlPath} is a valid schema`);
  }
} catch (err) {
  fail(`the committed SDL ${sdlPath} is a valid schema`, errorText(err));
}

// ---------------------------------------------------------------------------
// 2. The server's answer to the introspection query
// ---------------------------------------------------------------------------

let introspection = null;
{
  const name = 'the server answers the introspection query with data and no errors';
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json;q=0.9',
      },
      body: JSON.stringify({ query: INTROSPECTION_QUERY, operationName: 'IntrospectionQuery' }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    const where = `POST ${url} -> ${res.status}, content-type: ${res.headers.get('content-type') ?? '(none)'}`;
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (body === undefined) {
      fail(name, [where, `the body is not JSON: ${oneLine(text)}`]);
    } else if (res.status !== 200 || body.errors || !body.data || !body.data.__schema) {
      const lines = [where];
      if (body.errors) lines.push(`errors: ${oneLine(JSON.stringify(body.errors))}`);
      if (!body.data || !body.data.__schema) lines.push('no data.__schema in the answer');
      if (!body.errors && (!body.data || !body.data.__schema)) lines.push(`body: ${oneLine(text)}`);
      fail(name, lines);
    } else {
      introspection = body.data;
      pass(name, `${body.data.__schema.types.length} types`);
    }
  } catch (err) {
    fail(name, `POST ${url}: ${errorText(err)}`);
  }
}

// ---------------------------------------------------------------------------
// 3. A schema built from that answer
// ---------------------------------------------------------------------------

let serverSchema = null;
if (introspection) {
  const name = 'the introspection answer builds a valid schema';
  try {
    const schema = buildClientSchema(introspection);
    const errors = validateSchema(schema);
    if (errors.length) {
      fail(name, listed(errors.map((e) => e.message)));
    } else {
      serverSchema = schema;
      pass(name);
    }
  } catch (err) {
    fail(name, errorText(err));
  }
}

// ---------------------------------------------------------------------------
// 4. Comparisons
// ---------------------------------------------------------------------------

const comparisons = [
  'no breaking changes from the committed SDL to the server',
  'no dangerous changes from the committed SDL to the server',
  'no breaking changes from the server to the committed SDL',
  'no dangerous changes from the server to the committed SDL',
  'same type names',
  'same field names in every object, interface and input type',
  'same printed schema (printSchema of lexicographicSortSchema)',
];

if (!sdlSchema || !serverSchema) {
  const why = [
    !sdlSchema && 'the committed SDL could not be built',
    !introspection && 'the server gave no introspection answer',
    introspection && !serverSchema && 'no schema could be built from the introspection answer',
  ]
    .filter(Boolean)
    .join('; ');
  for (const name of comparisons) fail(name, `not run: ${why}`);
} else {
  const notes = [];

  // The standard directives (@include, @skip, @deprecated, @specifiedBy, @oneOf) that the
  // committed SDL does not define are added by buildSchema as graphql-js defines them,
  // and graphql-js's definitions move on (16.x added DIRECTIVE_DEFINITION to the
  // locations of @deprecated, which async-graphql's @deprecated lacks). The SDL says
  // nothing about those, so they are compared as the server defines them; a standard
  // directive the SDL defines itself is compared as written, and one the server lacks
  // keeps graphql-js's definition (and so shows up as removed).
  {
    const adopted = [];
    const directives = sdlSchema.getDirectives().map((d) => {
      if (!isSpecifiedDirective(d) || sdlDefinedDirectives.has(d.name)) return d;
      const theirs = serverSchema.getDirective(d.name);
      if (!theirs) return d;
      adopted.push(`@${d.name}`);
      return theirs;
    });
    if (adopted.length) {
      sdlSchema = new GraphQLSchema({ ...sdlSchema.toConfig(), directives });
      notes.push(
        `the committed SDL does not define ${adopted.join(', ')}: compared as the server defines them`,
      );
    }
  }

  // A server built by async-graphql lists all five standard scalars even when no field
  // uses one; a schema built from SDL holds only those it references. A standard scalar
  // that one side lacks is not a difference in the API.
  const ignoredRemovedScalar = (change) =>
    change.type === BreakingChangeType.TYPE_REMOVED && change.description.startsWith('Standard scalar ');
  const changeCheck = (name, changes) => {
    const ignored = changes.filter(ignoredRemovedScalar);
    const real = changes.filter((c) => !ignoredRemovedScalar(c));
    for (const c of ignored) notes.push(`ignored in "${name}": ${c.description}`);
    if (real.length) fail(name, listed(real.map((c) => `${c.type}: ${c.description}`)));
    else pass(name);
  };
  changeCheck(comparisons[0], findBreakingChanges(sdlSchema, serverSchema));
  changeCheck(comparisons[1], findDangerousChanges(sdlSchema, serverSchema));
  changeCheck(comparisons[2], findBreakingChanges(serverSchema, sdlSchema));
  changeCheck(comparisons[3], findDangerousChanges(serverSchema, sdlSchema));

  // Names: types other than introspection types and standard scalars.
  const typeNames = (schema) =>
    new Set(
      Object.values(schema.getTypeMap())
        .filter((t) => !isIntrospectionType(t) && !isSpecifiedScalarType(t))
        .map((t) => t.name),
    );
  const sdlTypes = typeNames(sdlSchema);
  const serverTypes = typeNames(serverSchema);
  {
    const onlySdl = [...sdlTypes].filter((n) => !serverTypes.has(n)).sort();
    const onlyServer = [...serverTypes].filter((n) => !sdlTypes.has(n)).sort();
    if (onlySdl.length || onlyServer.length) {
      const lines = [];
      if (onlySdl.length) lines.push(`only in the committed SDL: ${onlySdl.join(', ')}`);
      if (onlyServer.length) lines.push(`only on the server: ${onlyServer.join(', ')}`);
      fail(comparisons[4], lines);
    } else {
      pass(comparisons[4], `${sdlTypes.size} types`);
    }
  }
  {
    const lines = [];
    let count = 0;
    for (const typeName of [...sdlTypes].filter((n) => serverTypes.has(n)).sort()) {
      const a = sdlSchema.getType(typeName);
      const b = serverSchema.getType(typeName);
      const hasFields = (t) => isObjectType(t) || isInterfaceType(t) || isInputObjectType(t);
      if (!hasFields(a) && !hasFields(b)) continue;
      if (!hasFields(a) || !hasFields(b)) {
        lines.push(`${typeName}: a different kind of type on each side`);
        continue;
      }
      count += 1;
      const fa = new Set(Object.keys(a.getFields()));
      const fb = new Set(Object.keys(b.getFields()));
      const onlySdl = [...fa].filter((n) => !fb.has(n)).sort();
      const onlyServer = [...fb].filter((n) => !fa.has(n)).sort();
      if (onlySdl.length) lines.push(`${typeName}: only in the committed SDL: ${onlySdl.join(', ')}`);
      if (onlyServer.length) lines.push(`${typeName}: only on the server: ${onlyServer.join(', ')}`);
    }
    if (lines.length) fail(comparisons[5], listed(lines));
    else pass(comparisons[5], `${count} types with fields`);
  }

  // Printed schemas. Both sides go through graphql-js's printer, so the formatting of
  // the committed file (async-graphql's tabs, block descriptions, explicit definitions of
  // the standard directives) does not matter; what async-graphql's SDL export cannot carry
  // is normalised away on the server side, each time with a NOTE:
  //  - the schema description: async-graphql answers `__Schema.description` with a fixed
  //    text (the description of the `__Schema` type itself) and its SDL export never
  //    writes one. Ignored when the committed SDL has no schema description.
  //  - `specifiedByURL` of scalars: async-graphql's SDL export leaves `@specifiedBy` out
  //    unless built with `SDLExportOptions::include_specified_by()`. Ignored when the
  //    committed SDL uses `@specifiedBy` on no scalar; compared when it uses it anywhere.
  {
    const normalised = structuredClone(introspection);
    if (!sdlSchema.description && normalised.__schema.description != null) {
      notes.push(
        `ignored the server's schema description (the committed SDL has none): ${oneLine(normalised.__schema.description, 120)}`,
      );
      normalised.__schema.description = null;
    }
    const sdlUsesSpecifiedBy = Object.values(sdlSchema.getTypeMap()).some(
      (t) => isScalarType(t) && t.specifiedByURL != null,
    );
    if (!sdlUsesSpecifiedBy) {
      for (const t of normalised.__schema.types) {
        if (t.kind === 'SCALAR' && t.specifiedByURL != null) {
          notes.push(
            `ignored the server's specifiedByURL of ${t.name} (the committed SDL uses @specifiedBy nowhere): ${t.specifiedByURL}`,
          );
          t.specifiedByURL = null;
        }
      }
    }
    const printedSdl = printSchema(lexicographicSortSchema(sdlSchema));
    const printedServer = printSchema(lexicographicSortSchema(buildClientSchema(normalised)));
    if (printedSdl === printedServer) {
      pass(comparisons[6], `${printedSdl.split('\n').length} lines`);
    } else {
      fail(comparisons[6], ['--- committed SDL', '+++ server', ...lineDiff(printedSdl, printedServer)]);
    }
  }

  for (const note of notes) console.log(`NOTE  ${note}`);
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;

// ---------------------------------------------------------------------------

// A unified-style diff of two texts (3 lines of context), at most MAX_DIFF_LINES lines.
function lineDiff(aText, bText) {
  const a = aText.split('\n');
  const b = bText.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  // Longest common subsequence of the differing middle parts.
  const n = x.length;
  const m = y.length;
  const ops = [];
  if (n * m > 25_000_000) {
    for (const l of x) ops.push(['-', l]);
    for (const l of y) ops.push(['+', l]);
  } else {
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) {
        ops.push([' ', x[i]]);
        i += 1;
        j += 1;
      } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.push(['-', x[i]]);
        i += 1;
      } else {
        ops.push(['+', y[j]]);
        j += 1;
      }
    }
  }
  const context = 3;
  const all = [
    ...a.slice(Math.max(0, start - context), start).map((l) => [' ', l]),
    ...ops,
    ...a.slice(endA, endA + context).map((l) => [' ', l]),
  ];
  const firstLine = Math.max(0, start - context) + 1;
  // Drop long runs of unchanged lines inside the middle part.
  const out = [`@@ committed SDL from line ${firstLine} @@`];
  let run = [];
  const flush = (last) => {
    if (run.length > 2 * context + 1) {
      out.push(...(out.length > 1 ? run.slice(0, context) : []), '...', ...(last ? [] : run.slice(-context)));
    } else {
      out.push(...run);
    }
    run = [];
  };
  for (const [op, line] of all) {
    if (op === ' ') {
      run.push(`  ${line}`);
    } else {
      flush(false);
      out.push(`${op} ${line}`);
    }
  }
  flush(true);
  if (out.length > MAX_DIFF_LINES) {
    return [...out.slice(0, MAX_DIFF_LINES), `... (${out.length - MAX_DIFF_LINES} more diff lines)`];
  }
  return out;
}
