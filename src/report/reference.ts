/**
 * The topology reference in Markdown, generated from the JSON Schema that is itself
 * generated from the zod schema, so the README's reference cannot drift from the code
 * (a test compares them).
 */
import { topologyJsonSchema } from '../model/schema.js';
import { experimentJsonSchema } from '../experiment/schema.js';

type Node = Record<string, any>;

function isDistribution(n: Node): boolean {
  return Array.isArray(n.oneOf) && n.oneOf.every((v: Node) => v?.properties?.dist?.const !== undefined);
}

/** The discriminator field of a union of objects (`mechanism`), or undefined. */
function discriminator(n: Node): string | undefined {
  if (!Array.isArray(n.oneOf) || n.oneOf.length === 0) return undefined;
  const first = Object.entries<Node>(n.oneOf[0]?.properties ?? {}).find(([, v]) => v.const !== undefined)?.[0];
  return first && n.oneOf.every((v: Node) => v?.properties?.[first]?.const !== undefined) ? first : undefined;
}

function typeOf(n: Node): string {
  if (isDistribution(n)) return 'distribution';
  const d = discriminator(n);
  if (d) return `one of, by \`${d}\``;
  if (n.anyOf) return n.anyOf.map(typeOf).join(' or ');
  if (n.enum) return n.enum.map((e: unknown) => `\`${e}\``).join(' \\| ');
  if (n.const !== undefined) return `\`${n.const}\``;
  if (n.type === 'string' && n.pattern?.includes('ms|s|min')) return n.pattern.includes('\\/') ? 'rate' : 'duration';
  if (n.type === 'array') return `list of ${typeOf(n.items ?? {})}`;
  if (n.type === 'object' && n.additionalProperties && typeof n.additionalProperties === 'object') return 'map';
  if (n.type === 'integer') return 'integer';
  return n.type ?? 'any';
}

function constraints(n: Node): string {
  const c: string[] = [];
  if (n.minimum !== undefined) c.push(`>= ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) c.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined && n.maximum < 9e15) c.push(`<= ${n.maximum}`);
  if (n.default !== undefined && JSON.stringify(n.default) !== '{}') c.push(`default ${JSON.stringify(n.default)}`);
  return c.join(', ');
}

/** The schema's shared definitions (`$defs`), to read a `$ref` (a recursive schema keeps one even inline). */
let defs: Record<string, Node> = {};

function walk(n: Node, path: string, required: boolean, rows: string[], seen = new Map<string, string>()): void {
  if (typeof n.$ref === 'string' && n.$ref.startsWith('#/$defs/')) {
    const { $ref, ...rest } = n;
    const target = defs[$ref.slice('#/$defs/'.length)] ?? {};
    // A definition that is itself a reference (zod's wrapper of a described lazy schema): one more step.
    n = { ...(typeof target.$ref === 'string' ? (defs[target.$ref.slice('#/$defs/'.length)] ?? {}) : target), ...target, ...rest };
    delete n.$ref;
  }
  const desc = (n.description ?? '').replace(/\|/g, '\\|');
  if (n.type === 'object' && n.properties && Object.keys(n.properties).length > 3) {
    const key = JSON.stringify(n);
    const first = seen.get(key);
    if (first !== undefined) {
      rows.push(`| \`${path}\` | object | ${required ? 'yes' : ''} | ${desc} The same fields as \`${first}\`. |`);
      return;
    }
    seen.set(key, path);
  }
  if (path) {
    const c = constraints(n);
    rows.push(`| \`${path}\` | ${typeOf(n)} | ${required ? 'yes' : ''} | ${desc}${c ? ` (${c})` : ''} |`);
  }
  if (isDistribution(n)) return;
  const d = discriminator(n);
  if (d) {
    for (const v of n.oneOf as Node[]) walk(v, `${path}{${d}: ${v.properties[d].const}}`, false, rows, seen);
    return;
  }
  // A union with one object branch (a number or a policy, a name or an operator): that branch's fields.
  const objects = Array.isArray(n.anyOf) ? (n.anyOf as Node[]).filter((v) => v.type === 'object' && v.properties) : [];
  if (objects.length === 1 && !isDistribution(objects[0])) {
    const req = new Set<string>(objects[0].required ?? []);
    for (const [k, v] of Object.entries<Node>(objects[0].properties)) walk(v, `${path}.${k}`, req.has(k) && v.default === undefined, rows, seen);
    return;
  }
  if (n.type === 'object' && n.properties) {
    const req = new Set<string>(n.required ?? []);
    for (const [k, v] of Object.entries<Node>(n.properties)) walk(v, path ? `${path}.${k}` : k, req.has(k) && v.default === undefined, rows, seen);
  } else if (n.type === 'object' && n.additionalProperties && typeof n.additionalProperties === 'object') {
    walk(n.additionalProperties, `${path}.<name>`, false, rows, seen);
  } else if (n.type === 'array' && n.items?.type === 'object') {
    walk(n.items, `${path}[]`, false, rows, seen);
  }
}

/** The Markdown reference of the experiment format: one row per field. */
export function experimentReferenceMarkdown(): string {
  const rows: string[] = ['| path | type | required | meaning |', '| --- | --- | --- | --- |'];
  walk(experimentJsonSchema({ inline: true }) as Node, '', false, rows);
  return rows.join('\n') + '\n';
}

/** The Markdown reference of the topology format: one row per field, then the distributions. */
export function topologyReferenceMarkdown(): string {
  const schema = topologyJsonSchema({ inline: true }) as Node;
  const rows: string[] = ['| path | type | required | meaning |', '| --- | --- | --- | --- |'];
  defs = (schema.$defs ?? {}) as Record<string, Node>;
  walk(schema, '', false, rows);
  defs = {};
  // The distribution variants, once.
  let dist: Node | undefined;
  const find = (n: Node): void => {
    if (dist || !n || typeof n !== 'object') return;
    if (isDistribution(n)) {
      dist = n;
      return;
    }
    for (const v of Object.values(n)) if (v && typeof v === 'object') find(v as Node);
  };
  find(schema);
  const drows = ['| `dist` | fields | meaning |', '| --- | --- | --- |'];
  for (const v of dist?.oneOf ?? []) {
    const fields = Object.entries<Node>(v.properties)
      .filter(([k]) => k !== 'dist')
      .map(([k, f]) => {
        const d = f.description && !f.description.startsWith('A duration:') ? `: ${f.description.replace(/\.$/, '')}` : '';
        return `\`${k}\` (${typeOf(f)}${(v.required ?? []).includes(k) ? '' : ', optional'})${d}`;
      })
      .join('; ');
    drows.push(`| \`${v.properties.dist.const}\` | ${fields.replace(/\|/g, '\\|')} | ${(v.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  return [
    rows.join('\n'),
    '',
    'A **duration** is a number with a unit: `ms`, `s`, `m` (or `min`), `h`, `d`, `w`, `mo` (a twelfth of a year), `y` (365 days), e.g. `200ms`, `30s`, `4h`, `2y`. A bare number is rejected. A **rate** is a number per unit, e.g. `2/y`.',
    '',
    'A **distribution** is a mapping chosen by its `dist` field:',
    '',
    drows.join('\n'),
    '',
  ].join('\n');
}
