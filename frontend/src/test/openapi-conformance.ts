// Checks a JSON value against a schema of the api-server's OpenAPI document,
// for the subset of JSON Schema utoipa emits ($ref, allOf, oneOf/anyOf, type
// lists with "null", properties, required, items). Strict about objects: a
// property the schema does not declare is reported too, so hand-written
// fixtures cannot carry fields the API never sends.

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
};

export interface OpenApiDocument {
  components: { schemas: Record<string, Schema> };
}

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = document.components.schemas[name];
  if (!target) throw new Error(`unknown schema reference ${schema.$ref}`);
  return resolve(document, target);
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(allowed: string[], value: unknown): boolean {
  const actual = typeOf(value);
  return allowed.includes(actual) || (actual === "integer" && allowed.includes("number"));
}

/** Properties and required names of an object schema, merged across allOf. */
function objectShape(
  document: OpenApiDocument,
  schema: Schema,
): { properties: Record<string, Schema>; required: string[] } | null {
  const resolved = resolve(document, schema);
  if (resolved.allOf) {
    const parts = resolved.allOf.map((part) => objectShape(document, part));
    if (parts.some((part) => part === null)) return null;
    return {
      properties: Object.assign({}, ...parts.map((part) => part!.properties)),
      required: parts.flatMap((part) => part!.required),
    };
  }
  if (resolved.properties || (typeOf(resolved.type) === "string" && resolved.type === "object")) {
    return { properties: resolved.properties ?? {}, required: resolved.required ?? [] };
  }
  return null;
}

export function conformanceProblems(document: OpenApiDocument, schema: Schema, value: unknown, path = "$"): string[] {
  const resolved = resolve(document, schema);
  const alternatives = resolved.oneOf ?? resolved.anyOf;
  if (alternatives) {
    const results = alternatives.map((alternative) => conformanceProblems(document, alternative, value, path));
    return results.some((problems) => problems.length === 0)
      ? []
      : [`${path}: matches none of the alternatives (${results.map((r) => r[0]).join("; ")})`];
  }
  const shape = objectShape(document, resolved);
  if (shape) {
    if (typeOf(value) !== "object") return [`${path}: expected an object, got ${typeOf(value)}`];
    const record = value as Record<string, unknown>;
    const problems: string[] = [];
    for (const name of shape.required) {
      if (!(name in record)) problems.push(`${path}.${name}: required but missing`);
    }
    for (const [name, property] of Object.entries(record)) {
      const propertySchema = shape.properties[name];
      if (!propertySchema) problems.push(`${path}.${name}: not in the API's schema`);
      else problems.push(...conformanceProblems(document, propertySchema, property, `${path}.${name}`));
    }
    return problems;
  }
  if (resolved.type !== undefined) {
    const allowed = Array.isArray(resolved.type) ? resolved.type : [resolved.type];
    if (!typeMatches(allowed, value)) return [`${path}: expected ${allowed.join(" or ")}, got ${typeOf(value)}`];
  }
  if (resolved.enum && !resolved.enum.includes(value))
    return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(resolved.enum)}`];
  if (typeOf(value) === "array" && resolved.items) {
    return (value as unknown[]).flatMap((item, index) =>
      conformanceProblems(document, resolved.items!, item, `${path}[${index}]`),
    );
  }
  return [];
}

export function schemaNamed(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}
