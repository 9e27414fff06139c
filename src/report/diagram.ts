/**
 * The topology as a picture: sites, racks, hosts with their stacks, where every instance
 * is placed, the services' chains and the impact zones (what one failure takes down).
 * Built from the instantiated SystemModel (placement resolved, host names generated), so
 * it shows what the simulator runs. Three renderings of one `TopologyPicture`: SVG drawn
 * here (no Graphviz, no browser), Graphviz DOT and Mermaid as text.
 *
 * Large topologies stay legible: more than `collapseHosts` hosts of one group in one rack
 * are drawn as one box ("40 x compute"), a box with more than `maxItems` instances shows
 * them per VNF, and chains or lists longer than `maxItems` keep their ends and say how
 * many are left out. The picture is a pure function of the model and the options.
 */
import { MECHANISMS } from '../mechanisms/registry.js';
import type { SystemModel } from '../model/build.js';

/** Options of the diagram. */
export interface DiagramOptions {
  /** More hosts than this of one group in one rack are drawn as one box "N x group" (default 6). */
  collapseHosts?: number;
  /** Most items (instances, chain members, VNFs) listed one by one in a box or a chain (default 12). */
  maxItems?: number;
}

/** Default of `DiagramOptions.collapseHosts`. */
export const DEFAULT_COLLAPSE_HOSTS = 6;
/** Default of `DiagramOptions.maxItems`. */
export const DEFAULT_MAX_ITEMS = 12;

/** An instance chip in a host box: one instance (`vLB/1`), the instances of one function in the box (`vSGW x 3`), or the functions left out (`+ 188 more`). */
export interface Chip {
  text: string;
  /** Index of the function (colour), or -1 for a "more" chip. */
  fn: number;
}

/** A host, or several identical hosts of one group in one rack, drawn as one box. */
export interface HostBox {
  /** `compute-1`, or `40 x compute` when collapsed. */
  title: string;
  group: string;
  /** The hosts in the box. */
  hosts: string[];
  /** Component types of the host's stack, bottom up. */
  stack: string[];
  /** Instances placed on the box's hosts (in function order), and the chips that show them. */
  instances: number;
  chips: Chip[];
  /** Shared elements its hosts depend on. */
  dependsOn: string[];
}

/** A rack (or the hosts of one group in no rack: name null) and its host boxes. */
export interface RackBox {
  name: string | null;
  /** For hosts in no rack: their group (one column per group). */
  group?: string;
  /** Its own component type (a failure of it takes down everything in the rack: an impact zone), or null. */
  type: string | null;
  boxes: HostBox[];
}

/** A site (or the racks in no site: name null). */
export interface SiteBox {
  name: string | null;
  type: string | null;
  racks: RackBox[];
}

/** A VNF or VIM service as the chains show it. */
export interface FunctionBox {
  name: string;
  kind: 'vnf' | 'vim';
  /** `2 x, k=1, active-passive`. */
  detail: string;
}

/** A service's chain: function indices in order, `-n` standing for n members left out. */
export interface ChainLine {
  name: string;
  plane: 'data' | 'control';
  sal: 1 | 2 | 3 | null;
  members: number[];
  /** A service given by an expression: the expression written out (its members are the groups it names, not a series chain). */
  logic?: string;
}

/** A service's heading in a diagram: its name, plane (and expression) and target SAL; `short` for the SVG's. */
function serviceHead(s: ChainLine, short = false): string {
  const logic = s.logic !== undefined ? `: up = ${s.logic}` : '';
  return short ? `${s.name} (${s.plane}${logic}${s.sal ? `, SAL ${s.sal}` : ''})` : `service ${s.name} (${s.plane} plane${logic}${s.sal ? `, target SAL ${s.sal}` : ''})`;
}

/** Everything the diagram shows, collapsed for size; rendered by `diagramSvg`, `diagramDot` and `diagramMermaid`. */
export interface TopologyPicture {
  name: string;
  sites: SiteBox[];
  services: ChainLine[];
  functions: FunctionBox[];
  /**
   * Shared elements: name, component type (or `redundant set`), the hosts depending on it
   * (as text, collapsed), and the line every format draws (`sharedLabel`).
   */
  shared: Array<{ name: string; type: string; hosts: string; label: string }>;
  /** What was collapsed, in words (empty when nothing was). */
  collapsed: string[];
}

/** Keeps the first and last items of a long list: the members, with `-n` in place of n left out. */
function ends(items: number[], max: number): number[] {
  if (items.length <= max) return items;
  const head = Math.max(1, max - 3);
  const tail = Math.max(1, max - head - 1);
  return [...items.slice(0, head), -(items.length - head - tail), ...items.slice(items.length - tail)];
}

/** Host names as short text: `compute-1 .. compute-40` when they are one group's consecutive hosts. */
function hostList(names: string[], max: number): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max - 2).join(', ')}, ... ${names[names.length - 1]} (${names.length} hosts)`;
}

/** Builds the picture of a model (see the module comment for how it collapses). */
export function topologyPicture(model: SystemModel, opts: DiagramOptions = {}): TopologyPicture {
  const collapseHosts = opts.collapseHosts ?? DEFAULT_COLLAPSE_HOSTS;
  const max = Math.max(3, opts.maxItems ?? DEFAULT_MAX_ITEMS);
  const collapsed: string[] = [];
  const comps = model.components;
  const typeOf = (i: number) => (i >= 0 ? comps[i].type : null);
  // Instances per host, in function order.
  const onHost = new Map<string, Array<{ fn: number; number: number }>>();
  model.functions.forEach((f, fi) => {
    for (const inst of f.instances) {
      const list = onHost.get(inst.host) ?? [];
      list.push({ fn: fi, number: inst.number });
      onHost.set(inst.host, list);
    }
  });
  const stackOf = (hardware: number, top: number): string[] => {
    const out: string[] = [];
    for (let c = top; c >= 0; c = comps[c].parent) {
      out.unshift(comps[c].type);
      if (c === hardware) break;
    }
    return out;
  };
  const dependsOf = (host: string) => model.shared.filter((s) => s.hosts.includes(host)).map((s) => s.name);

  const chipsOf = (insts: Array<{ fn: number; number: number }>, single: boolean): Chip[] => {
    if (single && insts.length <= max) return insts.map((x) => ({ text: `${model.functions[x.fn].name}/${x.number}`, fn: x.fn }));
    const per = new Map<number, number>();
    for (const x of insts) per.set(x.fn, (per.get(x.fn) ?? 0) + 1);
    const fns = [...per.keys()];
    const shown = fns.length <= max ? fns : fns.slice(0, max - 1);
    const chips = shown.map((fn) => ({ text: `${model.functions[fn].name} x ${per.get(fn)}`, fn }));
    if (shown.length < fns.length) chips.push({ text: `+ ${fns.length - shown.length} more VNFs`, fn: -1 });
    return chips;
  };

  // Racks (in file order, then "no rack"), each with its boxes: hosts of a group, collapsed beyond the threshold.
  const rackNames: Array<string | null> = [...model.racks.map((r) => r.name), null];
  const racks: RackBox[] = [];
  for (const rack of rackNames) {
    const inRack = model.hosts.filter((h) => h.rack === rack);
    if (inRack.length === 0) continue;
    const boxes: HostBox[] = [];
    const groups = [...new Set(inRack.map((h) => h.group))];
    const r = model.racks.find((x) => x.name === rack);
    for (const g of groups) {
      const hosts = inRack.filter((h) => h.group === g);
      const h0 = hosts[0];
      const stack = stackOf(h0.hardware, h0.top);
      if (hosts.length > collapseHosts) {
        const insts = hosts.flatMap((h) => onHost.get(h.name) ?? []);
        collapsed.push(`${hosts.length} hosts of group ${g}${rack ? ` in rack ${rack}` : ''} drawn as one box`);
        boxes.push({ title: `${hosts.length} x ${g}`, group: g, hosts: hosts.map((h) => h.name), stack, instances: insts.length, chips: chipsOf(insts, false), dependsOn: dependsOf(h0.name) });
      } else {
        for (const h of hosts) {
          const insts = onHost.get(h.name) ?? [];
          if (insts.length > max) collapsed.push(`the ${insts.length} instances on ${h.name} shown per VNF`);
          boxes.push({ title: h.name, group: g, hosts: [h.name], stack: stackOf(h.hardware, h.top), instances: insts.length, chips: chipsOf(insts, true), dependsOn: dependsOf(h.name) });
        }
      }
      // Hosts in no rack: a column per group.
      if (rack === null) racks.push({ name: null, group: g, type: null, boxes: boxes.splice(0) });
    }
    if (rack !== null) racks.push({ name: rack, type: r ? typeOf(r.component) : null, boxes });
  }
  const siteOf = (rack: string | null) => model.racks.find((r) => r.name === rack)?.site ?? null;
  const sites: SiteBox[] = [...model.sites.map((s) => s.name), null]
    .map((name) => ({ name, type: name === null ? null : typeOf(model.sites.find((s) => s.name === name)!.component), racks: racks.filter((r) => siteOf(r.name) === name) }))
    .filter((s) => s.racks.length > 0);

  const functions: FunctionBox[] = model.functions.map((f) => ({
    name: f.name,
    kind: f.kind,
    detail: `${f.n} x${f.k !== f.n ? `, k=${f.k}` : ''}, ${f.ha.mechanism}${f.recovery ? ', recovery' : ''}${f.evacuation ? `, ${f.evacuation.style === 'evacuation' ? 'evacuation' : 'replica set'}` : ''}`,
  }));
  const services: ChainLine[] = model.services.map((s) => {
    if (s.chain.length > max) collapsed.push(`chain of ${s.name}: ${s.chain.length} members, the ends shown`);
    return { name: s.name, plane: s.plane, sal: s.sal, members: ends([...s.chain], max), ...(s.logic !== null ? { logic: s.logic.text } : {}) };
  });
  const sharedOf = new Map(model.shared.map((s) => [s.component, s.name]));
  const shared = model.shared.map((s) => {
    const c = comps[s.component];
    const hosts = hostList([...s.hosts], max);
    const type = c.redundancy ? 'redundant set' : c.type;
    const ci = s.component;
    const members = c.redundancy ? c.redundancy.members.map((m) => sharedOf.get(m) ?? comps[m].path) : [];
    const uses: SharedUses = {
      sets: model.shared.filter((o) => comps[o.component].redundancy?.members.includes(ci)).map((o) => o.name),
      management: hostList(model.hosts.filter((h) => h.management.includes(ci)).map((h) => h.name), max),
      data: hostList(model.hosts.filter((h) => h.data.includes(ci)).map((h) => h.name), max),
      // What each group's mechanism reads (its heartbeat or cluster links), as its factory declares it.
      links: model.functions.filter((f) => MECHANISMS[f.ha.mechanism].reads?.(f).includes(ci)).map((f) => f.name),
      services: model.services.filter((v) => v.logic !== null && v.logic.leaves.some((l) => l.kind === 'element' && l.component === ci)).map((v) => v.name),
    };
    return { name: s.name, type, hosts, label: sharedLabel(s.name, type, hosts, members, c.redundancy?.k ?? 0, uses) };
  });
  return { name: model.name, sites, services, functions, shared, collapsed };
}

/** What else than the hosts standing on it uses a shared element (host lists as text, collapsed). */
interface SharedUses {
  /** Redundant sets it is a member of. */
  sets: string[];
  /** Hosts the VIM reaches through it (their `management`). */
  management: string;
  /** Hosts whose instances need it to serve (their `data`). */
  data: string;
  /** Groups whose heartbeat or cluster link it is (what their mechanism `reads`). */
  links: string[];
  /** Services whose `up` expression names it. */
  services: string[];
}

/**
 * The line drawn for a shared element (every format draws this one): what it is, what
 * its failure takes down, and what else it is to the model. A redundant set names its
 * members and how many are in use; a member of a set that no host stands on takes down
 * nothing alone (the set does, when too few members are left); a management switch cuts
 * hosts off from the VIM, a data-plane element stops their instances serving, a cluster
 * link partitions its groups, and a service's `up` expression may name it. An element
 * nothing uses says so rather than naming no one.
 */
function sharedLabel(name: string, type: string, hosts: string, members: string[], k: number, uses: SharedUses): string {
  const what = members.length > 0 ? `redundant set: ${k} of ${members.join(', ')} in use` : type;
  const parts: string[] = [];
  if (hosts !== '') parts.push(`its failure takes down ${hosts}`);
  if (uses.management !== '') parts.push(`the VIM reaches ${uses.management} through it`);
  if (uses.data !== '') parts.push(`instances on ${uses.data} need it to serve`);
  if (uses.links.length > 0) parts.push(`the cluster link of ${uses.links.join(', ')}`);
  if (uses.services.length > 0) parts.push(`named in the up rule of ${uses.services.join(', ')}`);
  if (parts.length === 0 && uses.sets.length > 0) parts.push('its failure alone takes down nothing');
  if (uses.sets.length > 0) parts.push(`a member of ${uses.sets.join(', ')}`);
  return `shared ${name} (${what}): ${parts.length > 0 ? parts.join('; ') : 'nothing uses it'}`;
}

// ---------------------------------------------------------------- text formats

/** A quoted DOT string. */
function dq(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The name of a chain member (`... 188 more ...` for a gap). */
function memberName(p: TopologyPicture, m: number): string {
  return m >= 0 ? p.functions[m].name : `... ${-m} more ...`;
}

/** A rack's or site's label, saying whether it is an impact zone of its own (`group`: the hosts' group, for hosts in no rack). */
function zoneLabel(kind: 'site' | 'rack', name: string | null, type: string | null, group?: string): string {
  if (name === null) return kind === 'rack' ? `hosts${group ? ` of group ${group}` : ''} in no rack` : 'no site';
  return `${kind} ${name}${type ? ` (${type}: its failure takes down everything in it)` : ''}`;
}

/** A host box's label: title and stack. */
function boxLabel(b: HostBox): string {
  return `${b.title}: ${b.stack.join(' / ')}${b.dependsOn.length ? ` (depends on ${b.dependsOn.join(', ')})` : ''}`;
}

/** The picture as Graphviz DOT: clusters for sites, racks and hosts, instance nodes inside, one chain of nodes per service. */
export function diagramDot(p: TopologyPicture): string {
  const out = [`digraph ${dq(p.name)} {`, '  rankdir=LR; compound=true;', '  node [shape=box, style="rounded,filled", fillcolor="#f4f6f8", fontname="Helvetica"];', '  graph [fontname="Helvetica"];'];
  let id = 0;
  const next = () => `n${id++}`;
  p.services.forEach((s, si) => {
    out.push(`  subgraph cluster_service_${si} {`, `    label=${dq(serviceHead(s))}; color="#1f5f99";`);
    const ids = s.members.map((m) => {
      const n = next();
      out.push(`    ${n} [label=${dq(m >= 0 ? `${memberName(p, m)}\n${p.functions[m].detail}` : memberName(p, m))}${m < 0 ? ', style=dashed' : ''}];`);
      return n;
    });
    // An expression's groups are not a series: no arrows between them.
    if (ids.length > 1 && s.logic === undefined) out.push(`    ${ids.join(' -> ')};`);
    out.push('  }');
  });
  let cluster = 0;
  for (const site of p.sites) {
    const named = site.name !== null;
    if (named) out.push(`  subgraph cluster_${cluster++} {`, `    label=${dq(zoneLabel('site', site.name, site.type))};${site.type ? ' color="#c62828";' : ''}`);
    for (const rack of site.racks) {
      out.push(`  subgraph cluster_${cluster++} {`, `    label=${dq(zoneLabel('rack', rack.name, rack.type, rack.group))};${rack.type ? ' color="#c62828";' : ' style=dashed;'}`);
      for (const b of rack.boxes) {
        out.push(`    subgraph cluster_${cluster++} {`, `      label=${dq(boxLabel(b))}; style=filled; fillcolor="#ffffff";`);
        if (b.chips.length === 0) out.push(`      ${next()} [label="(no instances)", shape=plaintext, style=""];`);
        for (const c of b.chips) out.push(`      ${next()} [label=${dq(c.text)}${c.fn < 0 ? ', style=dashed' : ''}];`);
        out.push('    }');
      }
      out.push('  }');
    }
    if (named) out.push('  }');
  }
  for (const s of p.shared) out.push(`  ${next()} [label=${dq(s.label)}, shape=cylinder, fillcolor="#fdecea"];`);
  out.push('}');
  return out.join('\n') + '\n';
}

/** A quoted Mermaid label. */
function mq(s: string): string {
  return `"${s.replace(/"/g, '#quot;')}"`;
}

/** The picture as a Mermaid flowchart: subgraphs for services, sites, racks and hosts. */
export function diagramMermaid(p: TopologyPicture): string {
  const out = ['flowchart TB'];
  let id = 0;
  const next = () => `n${id++}`;
  p.services.forEach((s) => {
    const sg = next();
    out.push(`  subgraph ${sg}[${mq(serviceHead(s))}]`, '    direction LR');
    const ids = s.members.map((m) => {
      const n = next();
      out.push(`    ${n}[${mq(m >= 0 ? `${memberName(p, m)}<br/>${p.functions[m].detail}` : memberName(p, m))}]`);
      return n;
    });
    if (ids.length > 1 && s.logic === undefined) out.push(`    ${ids.join(' --> ')}`);
    out.push('  end');
  });
  const zones: string[] = [];
  for (const site of p.sites) {
    const named = site.name !== null;
    if (named) {
      const sg = next();
      out.push(`  subgraph ${sg}[${mq(zoneLabel('site', site.name, site.type))}]`);
      if (site.type) zones.push(sg);
    }
    for (const rack of site.racks) {
      const rg = next();
      out.push(`  subgraph ${rg}[${mq(zoneLabel('rack', rack.name, rack.type, rack.group))}]`);
      if (rack.type) zones.push(rg);
      for (const b of rack.boxes) {
        out.push(`    subgraph ${next()}[${mq(boxLabel(b))}]`);
        if (b.chips.length === 0) out.push(`      ${next()}[${mq('(no instances)')}]`);
        for (const c of b.chips) out.push(`      ${next()}[${mq(c.text)}]`);
        out.push('    end');
      }
      out.push('  end');
    }
    if (named) out.push('  end');
  }
  for (const s of p.shared) {
    const n = next();
    out.push(`  ${n}[(${mq(s.label)})]`);
    zones.push(n);
  }
  if (zones.length) out.push('  classDef zone stroke:#c62828,stroke-width:2px', `  class ${zones.join(',')} zone`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- SVG

/** The font stack of the diagram's text (as the charts'). */
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";
/** Colours of functions (Tableau 20), by function index. */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#a0cbe8', '#ffbe7d', '#ff9d9a', '#86bcb6', '#8cd17d', '#f1ce63', '#d4a6c8', '#fabfd2', '#d7b5a6', '#79706e',
];
/** Chains wrap onto a new row beyond this width (px). */
const MAX_ROW = 1300;
const colourOf = (fn: number) => (fn < 0 ? '#9e9e9e' : PALETTE[fn % PALETTE.length]);

/** Approximate width of `text` at `size` px in a sans-serif font (no font metrics here: generous, so text fits). */
function textWidth(text: string, size: number): number {
  return text.length * size * 0.6;
}

function x(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A text element (escaped); `attrs` are extra attributes. */
function t(xp: number, yp: number, text: string, size: number, attrs = ''): string {
  return `<text x="${xp.toFixed(1)}" y="${yp.toFixed(1)}" font-size="${size}"${attrs ? ` ${attrs}` : ''}>${x(text)}</text>`;
}

const BOX_W = 250;
const GAP = 14;
const CHIP_H = 18;

/** Chips laid out in rows within `width`: each with its position. */
function flowChips(chips: Chip[], width: number): { placed: Array<{ c: Chip; x: number; y: number; w: number }>; height: number } {
  const placed: Array<{ c: Chip; x: number; y: number; w: number }> = [];
  let cx = 0;
  let cy = 0;
  for (const c of chips) {
    const w = Math.min(width, textWidth(c.text, 11) + 12);
    if (cx > 0 && cx + w > width) {
      cx = 0;
      cy += CHIP_H + 4;
    }
    placed.push({ c, x: cx, y: cy, w });
    cx += w + 4;
  }
  return { placed, height: chips.length ? cy + CHIP_H : 0 };
}

/** One host box: its height and its SVG at the origin. */
function hostBoxSvg(b: HostBox): { h: number; svg: string } {
  const inner = BOX_W - 16;
  const chips = flowChips(b.chips, inner);
  const lines = [b.title, b.stack.join(' › ')];
  if (b.dependsOn.length) lines.push(`depends on ${b.dependsOn.join(', ')}`);
  const top = 8 + lines.length * 15;
  const h = top + (chips.height ? chips.height + 8 : 16) + 4;
  const parts = [
    `<rect width="${BOX_W}" height="${h}" rx="5" fill="#ffffff" stroke="#5f6b7a" stroke-width="1.2"><title>${x(`${b.hosts.length > 1 ? `${b.hosts.length} hosts of group ${b.group}: ${hostList(b.hosts, 12)}` : `host ${b.title} (group ${b.group})`}; its failure takes down every instance on it`)}</title></rect>`,
    t(8, 18, lines[0], 12.5, 'font-weight="bold" fill="#1d2733"'),
    t(8, 33, lines[1], 11, 'fill="#4a5563"'),
    ...(lines[2] ? [t(8, 48, lines[2], 11, 'fill="#a33"')] : []),
  ];
  if (chips.height === 0) parts.push(t(8, top + 12, 'no instances', 11, 'fill="#8a8a8a" font-style="italic"'));
  for (const p of chips.placed) {
    const fill = colourOf(p.c.fn);
    parts.push(
      `<g transform="translate(${(8 + p.x).toFixed(1)},${(top + p.y).toFixed(1)})"><rect width="${p.w.toFixed(1)}" height="${CHIP_H}" rx="9" fill="${fill}" fill-opacity="0.16" stroke="${fill}"/>` +
        t(6, 13, p.c.text, 11, 'fill="#1d2733"') +
        '</g>',
    );
  }
  return { h, svg: parts.join('') };
}

/**
 * The picture as a standalone SVG document: the services' chains on top (one row each,
 * functions coloured as their instances), then sites, racks (red border: an impact zone
 * with a failure of its own) and hosts with their stacks and instance chips, then the
 * shared elements. Every element has a `<title>` (a tooltip in browsers).
 */
export function diagramSvg(p: TopologyPicture): string {
  const body: string[] = [];
  let y = 16;
  const W0 = 16;
  let width = 760;
  body.push(t(W0, y + 14, `Topology ${p.name}`, 17, 'font-weight="bold" fill="#1d2733"'));
  y += 34;
  // Services: one row per chain.
  if (p.services.length) {
    body.push(t(W0, y + 12, 'Services (every member of a chain must be up)', 13, 'font-weight="bold" fill="#333"'));
    y += 22;
  }
  for (const s of p.services) {
    const head = serviceHead(s, true);
    body.push(t(W0, y + 22, head, 12, 'font-weight="bold" fill="#1f5f99"'));
    const left = W0 + Math.max(180, textWidth(head, 12) + 16);
    let cx = left;
    s.members.forEach((m, i) => {
      const name = memberName(p, m);
      const detail = m >= 0 ? p.functions[m].detail : '';
      const w = Math.max(textWidth(name, 12), textWidth(detail, 10)) + 16;
      const fill = colourOf(m);
      if (i > 0 && cx + w > MAX_ROW) {
        // A long chain goes on in the next row, from an arrow at its start.
        cx = left;
        y += 44;
      }
      if (i > 0 && s.logic === undefined) body.push(`<path d="M${cx - 16},${y + 18}h12" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>`);
      body.push(
        `<g transform="translate(${cx.toFixed(1)},${y})"><rect width="${w.toFixed(1)}" height="34" rx="6" fill="${fill}" fill-opacity="${m >= 0 ? 0.18 : 0.06}" stroke="${fill}"${m < 0 ? ' stroke-dasharray="4 3"' : ''}>` +
          `<title>${x(m >= 0 ? `${p.functions[m].kind === 'vim' ? 'VIM service' : 'VNF'} ${name}: ${detail}` : name)}</title></rect>` +
          t(8, detail ? 15 : 21, name, 12, 'font-weight="bold" fill="#1d2733"') +
          (detail ? t(8, 28, detail, 10, 'fill="#4a5563"') : '') +
          '</g>',
      );
      cx += w + 20;
      width = Math.max(width, cx);
    });
    y += 44;
  }
  y += 10;
  // Sites, racks, hosts: racks side by side (at most 5 to a row), hosts stacked in each.
  const PER_ROW = 5;
  for (const site of p.sites) {
    const siteTop = y;
    const named = site.name !== null;
    if (named) y += 26;
    for (let r0 = 0; r0 < site.racks.length; r0 += PER_ROW) {
      const row = site.racks.slice(r0, r0 + PER_ROW);
      let rowH = 0;
      row.forEach((rack, i) => {
        const rx = W0 + (named ? 10 : 0) + i * (BOX_W + 20 + GAP);
        const boxes = rack.boxes.map(hostBoxSvg);
        const h = 30 + boxes.reduce((a, b) => a + b.h + 10, 0);
        const zone = rack.type !== null;
        const label = rack.name === null ? `${rack.group ?? 'hosts'} (no rack)` : `rack ${rack.name}${zone ? ` · ${rack.type}` : ''}`;
        const tip = rack.name === null ? zoneLabel('rack', null, null, rack.group) : zone ? `rack ${rack.name}: impact zone; a failure of its ${rack.type} takes down every host in it` : `rack ${rack.name}: no failure of its own`;
        body.push(
          `<g transform="translate(${rx},${y})"><rect width="${BOX_W + 20}" height="${h}" rx="8" fill="#f4f6f8" stroke="${zone ? '#c62828' : '#9aa5b1'}" stroke-width="${zone ? 2 : 1}"${zone ? '' : ' stroke-dasharray="5 4"'}><title>${x(tip)}</title></rect>` +
            t(10, 19, label, 12.5, `font-weight="bold" fill="${zone ? '#a52020' : '#4a5563'}"`),
        );
        let by = 30;
        for (const b of boxes) {
          body.push(`<g transform="translate(10,${by})">${b.svg}</g>`);
          by += b.h + 10;
        }
        body.push('</g>');
        rowH = Math.max(rowH, h);
        width = Math.max(width, rx + BOX_W + 20 + GAP);
      });
      y += rowH + GAP;
    }
    if (named) {
      const zone = site.type !== null;
      const w = Math.min(PER_ROW, site.racks.length) * (BOX_W + 20 + GAP) + 10;
      body.push(
        `<rect x="${W0 - 6}" y="${siteTop}" width="${w + 6}" height="${y - siteTop}" rx="10" fill="none" stroke="${zone ? '#c62828' : '#9aa5b1'}" stroke-width="${zone ? 2 : 1}"${zone ? '' : ' stroke-dasharray="6 4"'}>` +
          `<title>${x(zoneLabel('site', site.name, site.type))}</title></rect>` +
          t(W0 + 4, siteTop + 18, `site ${site.name}${zone ? ` · ${site.type}` : ''}`, 13, `font-weight="bold" fill="${zone ? '#a52020' : '#4a5563'}"`),
      );
      width = Math.max(width, W0 + w + 6);
      y += 10;
    }
  }
  for (const s of p.shared) {
    const text = s.label;
    const w = textWidth(text, 11.5) + 20;
    body.push(
      `<g transform="translate(${W0},${y})"><rect width="${w.toFixed(1)}" height="26" rx="13" fill="#fdecea" stroke="#c62828" stroke-width="1.5"><title>${x(text)}</title></rect>` +
        t(10, 17, text, 11.5, 'fill="#7a1a1a"') +
        '</g>',
    );
    width = Math.max(width, W0 + w + 10);
    y += 34;
  }
  // Legend.
  y += 6;
  const legend = 'Red border: an impact zone with a failure of its own (everything inside goes down with it); every host is one too. Chips: instances (VNF/instance number), coloured by VNF.';
  body.push(t(W0, y + 12, legend, 11, 'fill="#555"'));
  width = Math.max(width, W0 + textWidth(legend, 11) + 10);
  y += 20;
  for (const c of p.collapsed.slice(0, 6)) {
    body.push(t(W0, y + 12, `Collapsed for size: ${c}.`, 11, 'fill="#555" font-style="italic"'));
    y += 16;
  }
  const W = Math.ceil(width + 16);
  const H = Math.ceil(y + 16);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${x(FONT)}">` +
    `<title>${x(`Topology ${p.name}`)}</title>` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>' +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    body.join('\n') +
    '</svg>\n'
  );
}

/** The diagram formats of `nfvsim diagram`. */
export type DiagramFormat = 'svg' | 'dot' | 'mermaid';

/** The diagram of a model in one format (SVG document, DOT or Mermaid text). */
export function renderDiagram(model: SystemModel, format: DiagramFormat, opts: DiagramOptions = {}): string {
  const p = topologyPicture(model, opts);
  return format === 'svg' ? diagramSvg(p) : format === 'dot' ? diagramDot(p) : diagramMermaid(p);
}
