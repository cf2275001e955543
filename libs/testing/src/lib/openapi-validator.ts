import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/** The copy of the Matrix specification's OpenAPI files that ships with this lib (see its README). */
export const MATRIX_SPEC_ROOT = path.resolve(__dirname, '../../openapi/matrix-spec-v1.19');

const CLIENT_SERVER_DIR = 'api/client-server';
const ERROR_SCHEMA_FILE = `${CLIENT_SERVER_DIR}/definitions/errors/error.yaml`;
/** Schema ids are URLs so that ajv resolves the files' relative `$ref`s like a browser would. */
const ID_BASE = 'https://matrix-spec.invalid/';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * Version segments we serve and the spec's, collapsed for matching: the spec only lists `v3`
 * (or `v1` for newer endpoints) while we also answer under `r0`, `api/v1` and `unstable`.
 */
const VERSIONED_PREFIX = /^\/_matrix\/(client|media)\/(?:r0|v1|v3|unstable|api\/v1)(?=\/)/;

export interface ResponseToValidate {
  method: string;
  /** The concrete request path, e.g. `/chat/client/v3/account/whoami`; a query string is ignored. */
  path: string;
  status: number;
  body: unknown;
}

export type ValidationResult =
  | { ok: true; operation: string }
  | { ok: false; errors: string[]; operation?: string };

interface Operation {
  /** e.g. `GET /_matrix/client/v3/account/whoami (getTokenOwner)`. */
  name: string;
  method: string;
  /** Template with the version segment collapsed, split on `/`. */
  segments: string[];
  file: string;
  /** JSON pointer (unescaped tokens) of the operation object inside `file`. */
  pointer: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerFragment(tokens: string[]): string {
  return tokens
    .map((token) => '/' + encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1')))
    .join('');
}

/**
 * Collapses the version segment of a `/_matrix/...` path; `/chat/...` is our name for the same.
 * No two spec paths differ only in their version (checked for v1.19), so none is preferred.
 */
function normalisePath(rawPath: string): string[] {
  let p = rawPath.split('?')[0];
  if (p.startsWith('/chat/')) p = '/_matrix/' + p.slice('/chat/'.length);
  const versioned = VERSIONED_PREFIX.exec(p);
  if (versioned) p = `/_matrix/${versioned[1]}/*` + p.slice(versioned[0].length);
  return p.split('/');
}

function segmentsMatch(template: string[], concrete: string[]): boolean {
  return (
    template.length === concrete.length &&
    template.every((seg, i) => (seg.startsWith('{') && seg.endsWith('}')) || seg === concrete[i])
  );
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath || '(body)';
  const detail =
    'additionalProperty' in error.params
      ? `: ${String(error.params['additionalProperty'])}`
      : 'allowedValues' in error.params
        ? `: ${JSON.stringify(error.params['allowedValues'])}`
        : '';
  return `${where} ${error.message ?? 'is invalid'}${detail}`;
}

/**
 * Checks responses against the Matrix client-server OpenAPI definitions: the operation is found
 * by method and path, the response by status, and the body is validated with ajv (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1).
 */
export class OpenApiValidator {
  private static loading?: Promise<OpenApiValidator>;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(
    private readonly ajv: Ajv2020,
    private readonly docs: Map<string, unknown>,
    private readonly operations: Operation[],
  ) {}

  /** Loads the spec once per process (jest: once per test file). */
  static load(): Promise<OpenApiValidator> {
    OpenApiValidator.loading ??= OpenApiValidator.create(MATRIX_SPEC_ROOT);
    return OpenApiValidator.loading;
  }

  private static async create(specRoot: string): Promise<OpenApiValidator> {
    const docs = new Map<string, unknown>();
    const files = (await readdir(specRoot, { recursive: true })).filter((f) =>
      /\.(ya?ml|json)$/.test(f),
    );
    await Promise.all(
      files.map(async (file) => {
        const text = await readFile(path.join(specRoot, file), 'utf8');
        docs.set(file.split(path.sep).join('/'), parseYaml(text));
      }),
    );

    // Non-strict: the spec uses OpenAPI keywords (`example`, `x-*`) that are not JSON Schema.
    const ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      validateSchema: false,
      logger: false,
    });
    addFormats(ajv);
    for (const [file, doc] of docs) {
      // An explicit `$id` keeps ajv resolving each file's relative refs against that file, also
      // where one file's schema is reached through another's.
      if (!file.startsWith('event-schemas/examples/') && isObject(doc))
        ajv.addSchema({ ...doc, $id: ID_BASE + file });
    }
    for (const format of collectFormats(docs.values())) {
      if (!ajv.formats[format]) ajv.addFormat(format, MATRIX_FORMATS[format] ?? true);
    }

    const operations: Operation[] = [];
    for (const [file, doc] of docs) {
      if (
        path.posix.dirname(file) !== CLIENT_SERVER_DIR ||
        !isObject(doc) ||
        !isObject(doc['paths'])
      )
        continue;
      const basePath = serverBasePath(doc);
      for (const [specPath, item] of Object.entries(doc['paths'])) {
        if (!isObject(item)) continue;
        for (const method of HTTP_METHODS.filter((m) => isObject(item[m]))) {
          const op = item[method] as Json;
          const segments = normalisePath(basePath + specPath);
          const opId = typeof op['operationId'] === 'string' ? ` (${op['operationId']})` : '';
          operations.push({
            name: `${method.toUpperCase()} ${basePath}${specPath}${opId}`,
            method,
            segments,
            file,
            pointer: ['paths', specPath, method],
          });
        }
      }
    }
    return new OpenApiValidator(ajv, docs, operations);
  }

  /** The operation a request maps to, or why none does. */
  private findOperation(method: string, concretePath: string): Operation | { error: string } {
    const segments = normalisePath(concretePath);
    const matching = this.operations.filter((op) => segmentsMatch(op.segments, segments));
    if (matching.length === 0)
      return { error: `no operation in the spec matches path ${concretePath}` };
    const wanted = method.toLowerCase();
    const found = matching.find((op) => op.method === wanted);
    if (found) return found;
    const methods = [...new Set(matching.map((op) => op.method.toUpperCase()))].join(', ');
    return {
      error: `no ${method.toUpperCase()} operation for ${concretePath} (spec has ${methods})`,
    };
  }

  validate(response: ResponseToValidate): ValidationResult {
    const op = this.findOperation(response.method, response.path);
    if ('error' in op) return { ok: false, errors: [op.error] };

    const responses = this.at(op.file, [...op.pointer, 'responses']);
    const status = String(response.status);
    const declared = [status, `${status[0]}XX`, 'default'].find(
      (key) => isObject(responses) && key in responses,
    );
    let schemaRef: string | undefined;
    if (declared) {
      const resolved = this.deref(op.file, [...op.pointer, 'responses', declared]);
      const content = isObject(resolved.value) ? resolved.value['content'] : undefined;
      const json = isObject(content) ? content['application/json'] : undefined;
      if (!isObject(json) || !('schema' in json)) return { ok: true, operation: op.name };
      schemaRef =
        ID_BASE +
        resolved.file +
        '#' +
        pointerFragment([...resolved.pointer, 'content', 'application/json', 'schema']);
    } else if (response.status >= 400) {
      // Every endpoint may fail with the standard error body even where the spec lists no such status.
      schemaRef = ID_BASE + ERROR_SCHEMA_FILE;
    } else {
      const listed = isObject(responses) ? Object.keys(responses).join(', ') : 'none';
      return {
        ok: false,
        operation: op.name,
        errors: [`status ${status} is not declared for ${op.name} (declared: ${listed})`],
      };
    }

    const check = this.validatorFor(schemaRef);
    if (check(response.body)) return { ok: true, operation: op.name };
    return {
      ok: false,
      operation: op.name,
      errors: (check.errors ?? []).map((e) => `${status} ${formatError(e)}`),
    };
  }

  private validatorFor(ref: string): ValidateFunction {
    let fn = this.compiled.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, fn);
    }
    return fn;
  }

  private at(file: string, pointer: string[]): unknown {
    let node: unknown = this.docs.get(file);
    for (const token of pointer) node = isObject(node) ? node[token] : undefined;
    return node;
  }

  /** Follows OpenAPI-level `$ref`s (e.g. `#/components/responses/x`) to the object they name. */
  private deref(
    file: string,
    pointer: string[],
  ): { file: string; pointer: string[]; value: unknown } {
    const value = this.at(file, pointer);
    if (!isObject(value) || typeof value['$ref'] !== 'string') return { file, pointer, value };
    const [target, fragment = ''] = value['$ref'].split('#');
    const targetFile = target ? path.posix.join(path.posix.dirname(file), target) : file;
    const targetPointer = fragment
      .split('/')
      .slice(1)
      .map((t) => decodeURIComponent(t).replace(/~1/g, '/').replace(/~0/g, '~'));
    return this.deref(targetFile, targetPointer);
  }
}

/** The spec's `servers[0]` URL is `{protocol}://{hostname}{basePath}`; only basePath matters here. */
function serverBasePath(doc: Json): string {
  const servers = doc['servers'];
  const server: unknown = Array.isArray(servers) ? servers[0] : undefined;
  const variables = isObject(server) ? server['variables'] : undefined;
  const basePath = isObject(variables) ? variables['basePath'] : undefined;
  const fallback = isObject(basePath) ? basePath['default'] : undefined;
  return typeof fallback === 'string' ? fallback : '';
}

function collectFormats(docs: Iterable<unknown>): Set<string> {
  const formats = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      if (typeof node['format'] === 'string') formats.add(node['format']);
      Object.values(node).forEach(walk);
    }
  };
  for (const doc of docs) walk(doc);
  return formats;
}

/**
 * The Matrix string formats the spec names (its `string-formats.yaml`), checked loosely: the
 * grammar of identifiers is the server's business, the tests only catch a value of the wrong kind.
 */
const MATRIX_FORMATS: Record<string, RegExp> = {
  'mx-user-id': /^@[^:]*:.+$/,
  'mx-room-id': /^!.+$/,
  'mx-event-id': /^\$.+$/,
  'mx-room-alias': /^#[^:]*:.+$/,
  'mx-server-name': /^[^/\s]+$/,
  'mx-mxc-uri': /^mxc:\/\/[^/]+\/[^/]+$/,
  'mx-unpadded-base64': /^[A-Za-z0-9+/]*$/,
  'mx-urlsafe-unpadded-base64': /^[A-Za-z0-9_-]*$/,
};

/** A jest-friendly assertion: throws with every schema violation listed. */
export async function expectMatchesSpec(response: ResponseToValidate): Promise<void> {
  const result = (await OpenApiValidator.load()).validate(response);
  if (!result.ok) {
    throw new Error(
      `${response.method.toUpperCase()} ${response.path} -> ${response.status} does not match the Matrix spec` +
        (result.operation ? ` (${result.operation})` : '') +
        ':\n  ' +
        result.errors.join('\n  ') +
        `\nbody: ${JSON.stringify(response.body)}`,
    );
  }
}
