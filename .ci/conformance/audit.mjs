#!/usr/bin/env node
// GraphQL-over-HTTP conformance: runs the server audits of `graphql-http` (the
// reference implementation of the spec, pinned in package.json) against a running
// server.
//
//   node audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints one line per audit, MUST and SHOULD audits first, then the MAY ones:
//   PASS  <id>  <name>    the audit is satisfied
//   FAIL  <id>  <name>    a MUST or SHOULD audit is not satisfied (followed by the
//                         reason, the request sent and the response received)
//   WARN  <id>  <name>    a MAY audit is not satisfied (reported, never fatal)
// and closes with `N passed, M failed`, counting MUST and SHOULD audits only.
// Exits 1 when any MUST or SHOULD audit is not satisfied, 2 on bad usage.

import { serverAudits } from 'graphql-http';

const USAGE = 'usage: node audit.mjs http://127.0.0.1:PORT/graphql';
// A hung server must not hang CI: every request the audits send gets this long.
const REQUEST_TIMEOUT_MS = Number(process.env.AUDIT_REQUEST_TIMEOUT_MS || 15000);
// How much of a response body to show for a failed audit.
const BODY_LIMIT = 600;

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length !== 1) {
  console.error(USAGE);
  process.exit(2);
}
let url;
try {
  url = new URL(args[0]).toString();
} catch {
  console.error(`not a URL: ${args[0]}\n${USAGE}`);
  process.exit(2);
}

// The audits run one after another, so the last request sent belongs to the audit
// being run: keep it to show what was sent when the audit fails.
let lastRequest = null;
async function fetchFn(input, init = {}) {
  lastRequest = { url: String(input), init };
  return fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

function levelOf(name) {
  const level = name.split(' ', 1)[0];
  return level === 'MUST' || level === 'SHOULD' ? level : 'MAY';
}

function oneLine(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > BODY_LIMIT ? `${flat.slice(0, BODY_LIMIT)}... (${flat.length} chars)` : flat;
}

function describeRequest(req) {
  if (!req) return 'none';
  const { init } = req;
  const method = init.method || 'GET';
  const headers = Object.entries(init.headers || {})
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  let text = `${method} ${req.url}`;
  text += headers ? ` [${headers}]` : ' [no headers]';
  if (init.body !== undefined) text += ` body=${oneLine(init.body)}`;
  return text;
}

async function describeResponse(res) {
  if (!res || typeof res.status !== 'number') return null;
  let text = `${res.status}`;
  if (res.statusText) text += ` ${res.statusText}`;
  text += `, content-type: ${res.headers.get('content-type') ?? '(none)'}`;
  if (res.bodyUsed) {
    text += ', body already read by the audit';
  } else {
    try {
      const body = await res.text();
      text += body ? `, body: ${oneLine(body)}` : ', empty body';
    } catch (err) {
      text += `, body unreadable (${err.message})`;
    }
  }
  return text;
}

function errorText(err) {
  let text = err && err.message ? err.message : String(err);
  // fetch() hides the real cause (ECONNREFUSED, timeout...) in err.cause.
  if (err && err.cause) text += ` (${err.cause.code || err.cause.message || err.cause})`;
  return text;
}

const audits = serverAudits({ url, fetchFn });
console.log(`graphql-http server audits against ${url}: ${audits.length} audits`);

const results = [];
for (const { id, name, fn } of audits) {
  lastRequest = null;
  let result;
  try {
    result = await fn();
  } catch (err) {
    // graphql-http throws only for fatal problems: the request could not be made,
    // or the response could not be read at all.
    result = { id, name, status: 'fatal', reason: `could not run: ${errorText(err)}` };
  }
  const request = lastRequest;
  const ok = result.status === 'ok';
  const details = ok
    ? null
    : {
        reason: result.reason,
        request: describeRequest(request),
        response: await describeResponse(result.response),
      };
  results.push({ id, name, level: levelOf(name), ok, details });
}

function print(r, failWord) {
  console.log(`${r.ok ? 'PASS' : failWord}  ${r.id}  ${r.name}`);
  if (!r.ok) {
    console.log(`        reason:   ${r.details.reason}`);
    console.log(`        request:  ${r.details.request}`);
    if (r.details.response) console.log(`        response: ${r.details.response}`);
  }
}

const counted = results.filter((r) => r.level !== 'MAY');
const optional = results.filter((r) => r.level === 'MAY');

console.log('\nMUST and SHOULD audits (any failure fails the check):');
for (const r of counted) print(r, 'FAIL');
console.log('\nMAY audits (reported only, not counted):');
for (const r of optional) print(r, 'WARN');

const passed = counted.filter((r) => r.ok).length;
const failed = counted.length - passed;
const mayPassed = optional.filter((r) => r.ok).length;
const byLevel = (level) => {
  const all = counted.filter((r) => r.level === level);
  return `${level} ${all.filter((r) => r.ok).length}/${all.length}`;
};
console.log(
  `\nSummary: ${byLevel('MUST')}, ${byLevel('SHOULD')} passed; MAY ${mayPassed}/${optional.length} (not counted)`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
