// docs/openapi.yaml as a client meets it: parsed by a real YAML parser, validated against the
// OpenAPI 3.1 schema (@seriousme/openapi-schema-validator), and, given the responses the HTTP
// tests received, each response's body validated against the schema of its route and status
// (JSON Schema 2020-12, as OpenAPI 3.1 has it, by Ajv).
//
//   node openapi_check.mjs DOC                 the document alone
//   node openapi_check.mjs DOC RESPONSES       and every response in RESPONSES (JSON lines of
//                                              {method, target, status, content_type, body},
//                                              written by tests/http/support.cpp)
//   node openapi_check.mjs --broken DOC        the check refuses a copy of DOC with an unquoted
//                                              colon in a summary (so a broken document fails)
//
// Exits 0 when all is well, 1 with a line per fault otherwise.
import { readFileSync, existsSync } from "node:fs";
import { parseDocument } from "yaml";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// The document's text as an object, or the parser's complaint (a YAML error names its line).
function load(text) {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("\n"));
  return doc.toJS({ maxAliasCount: 100 });
}

async function checkDocument(text) {
  const spec = load(text);
  if (!String(spec.openapi).startsWith("3.1.")) throw new Error(`openapi is ${spec.openapi}, not 3.1.x`);
  const result = await new Validator().validate(spec);
  if (!result.valid) throw new Error("not valid OpenAPI 3.1:\n" + JSON.stringify(result.errors, null, 1));
  return spec;
}

// "/v1/customers/{id}" against a request's path: the path template that matches it with the
// fewest parameters (a literal segment beats a parameter), or none.
function templateOf(spec, path) {
  const segments = path.split("/");
  let best = null;
  let bestParams = Infinity;
  for (const template of Object.keys(spec.paths)) {
    const parts = template.split("/");
    if (parts.length !== segments.length) continue;
    let params = 0;
    const fits = parts.every((part, k) => {
      if (part.startsWith("{") && part.endsWith("}")) return ++params && segments[k] !== "";
      return part === segments[k];
    });
    if (fits && params < bestParams) [best, bestParams] = [template, params];
  }
  return best;
}

const escape = (token) => token.replaceAll("~", "~0").replaceAll("/", "~1");

// Follows an OpenAPI "$ref" (within the document) to the object and its JSON pointer.
function follow(spec, node, pointer) {
  while (node && typeof node.$ref === "string" && node.$ref.startsWith("#/")) {
    pointer = node.$ref.slice(1);
    node = pointer
      .split("/")
      .slice(1)
      .reduce((at, token) => at?.[token.replaceAll("~1", "/").replaceAll("~0", "~")], spec);
  }
  return [node, pointer];
}

function checkResponses(spec, lines) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, "openapi");
  const validators = new Map();
  const faults = new Map();  // one line per distinct fault, with how often it came
  const fault = (text) => faults.set(text, (faults.get(text) ?? 0) + 1);
  let checked = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line);
    const path = r.target.split("?")[0];
    const template = templateOf(spec, path);
    if (!template) continue;  // a path the service does not serve either: its 404 is the router's
    const method = r.method.toLowerCase();
    const operation = spec.paths[template][method];
    if (!operation) continue;  // a 405: the router's, for every path alike
    const where = `${r.method} ${template} ${r.status}`;
    const responses = operation.responses ?? {};
    const status = String(r.status);
    const key = status in responses ? status : "default" in responses ? "default" : null;
    if (!key) {
      fault(`${where}: the status is not described`);
      continue;
    }
    const base = `/paths/${escape(template)}/${method}/responses/${key}`;
    const [response, pointer] = follow(spec, responses[key], base);
    const type = (r.content_type ?? "").split(";")[0].trim();
    const content = response?.content ?? {};
    if (!(type in content)) {
      if (r.body !== "" || Object.keys(content).length > 0) fault(`${where}: ${type || "no content type"} is not described`);
      continue;
    }
    if (!type.endsWith("json")) continue;  // CSV, HTML, scripts: a text, nothing to validate
    const [media, mediaPointer] = follow(spec, content[type], `${pointer}/content/${escape(type)}`);
    if (!media?.schema) continue;
    const schemaRef = `openapi#${mediaPointer}/schema`;
    if (!validators.has(schemaRef)) validators.set(schemaRef, ajv.getSchema(schemaRef));
    const validate = validators.get(schemaRef);
    let body;
    try {
      body = JSON.parse(r.body);
    } catch {
      fault(`${where}: the body is not JSON`);
      continue;
    }
    ++checked;
    if (!validate(body))
      for (const e of validate.errors) {
        const what = e.params?.unevaluatedProperty ?? e.params?.missingProperty ?? "";
        fault(`${where}: ${e.instancePath || "/"} ${e.message}${what ? ` (${what})` : ""}`);
      }
  }
  return { checked, faults };
}

async function main(args) {
  if (args[0] === "--broken") {
    const text = readFileSync(args[1], "utf8");
    const broken = text.replace(/^(\s+summary: )([^\n:"']+)$/m, "$1An unquoted: colon in $2");
    if (broken === text) throw new Error("found no summary to break");
    try {
      await checkDocument(broken);
    } catch (e) {
      console.log(`refused, as it must be: ${e.message.split("\n")[0]}`);
      return 0;
    }
    console.log("a document with an unquoted colon in a summary was taken as valid");
    return 1;
  }
  const spec = await checkDocument(readFileSync(args[0], "utf8"));
  console.log(`${args[0]}: valid OpenAPI ${spec.openapi}, ${Object.keys(spec.paths).length} paths`);
  if (args.length < 2) return 0;
  if (!existsSync(args[1])) throw new Error(`${args[1]}: no responses were recorded`);
  const lines = readFileSync(args[1], "utf8").split("\n");
  const { checked, faults } = checkResponses(spec, lines);
  console.log(`${checked} JSON bodies checked against their route's schema`);
  for (const [text, count] of faults) console.log(`${text}${count > 1 ? ` (${count} times)` : ""}`);
  if (checked === 0) console.log("no body was checked");
  return faults.size === 0 && checked > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (e) => {
    console.log(e.message);
    process.exit(1);
  },
);
