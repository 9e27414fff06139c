/**
 * The topology diagram (src/report/diagram.ts, `nfvsim diagram`): DOT and Mermaid name
 * every host, host group, instance and service chain of a small topology; large ones
 * collapse (b2-200-pairs: 400 instances on one host, a chain of 200; and 40 identical
 * hosts drawn as one box); the SVG is a standalone document; the CLI writes each format.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadTopologyFile, loadTopologyText } from '../src/model/index.js';
import { DEFAULT_MAX_ITEMS, diagramDot, diagramMermaid, diagramSvg, renderDiagram, topologyPicture } from '../src/report/diagram.js';
import { cli, ROOT } from './helpers.js';

const model = (name: string) => loadTopologyFile(join(ROOT, 'topologies', name)).model;

describe('the topology diagram', () => {
  it('names every host group, host, instance and service chain of a small topology in DOT and Mermaid', () => {
    for (const file of ['default.yaml', 'rack-placement.yaml', 'shared-san.yaml']) {
      const m = model(file);
      const p = topologyPicture(m);
      expect(p.collapsed).toEqual([]);
      for (const text of [diagramDot(p), diagramMermaid(p)]) {
        for (const h of m.hosts) expect(text).toContain(`${h.name}: `);
        for (const g of new Set(m.hosts.map((h) => h.group))) expect(text).toContain(g);
        for (const f of m.functions) for (const i of f.instances) expect(text).toContain(`"${f.name}/${i.number}"`);
        for (const s of m.services) {
          expect(text).toContain(`service ${s.name} (`);
          for (const fi of s.chain) expect(text).toContain(m.functions[fi].name);
        }
        for (const r of m.racks) expect(text).toContain(`rack ${r.name}`);
        for (const sh of m.shared) expect(text).toContain(`shared ${sh.name}`);
      }
      // The chain's order: its members joined by edges.
      const dot = diagramDot(p);
      const chain = m.services[0].chain.map((fi) => m.functions[fi].name);
      if (chain.length > 1) expect(dot).toMatch(/n\d+ -> n\d+/);
      expect(diagramMermaid(p)).toMatch(/^flowchart TB\n/);
      expect(dot).toMatch(/^digraph /);
    }
  });

  it('marks racks and shared elements with a failure of their own as impact zones', () => {
    const p = topologyPicture(model('shared-san.yaml'));
    const dot = diagramDot(p);
    expect(dot).toMatch(/rack rack-1 \(rack-infra: its failure takes down everything in it\)/);
    expect(dot).toMatch(/shared san-a \(san\): its failure takes down node-1, node-2, node-3, node-4/);
    expect(diagramMermaid(p)).toMatch(/class .* zone/);
  });

  it('collapses large topologies: b2-200-pairs (400 instances on one host, a chain of 200)', () => {
    const m = model('b2-200-pairs.yaml');
    const p = topologyPicture(m);
    const host = p.sites.flatMap((s) => s.racks).flatMap((r) => r.boxes);
    expect(host.length).toBe(1);
    // At most maxItems chips, the last saying how many VNFs are left out.
    expect(host[0].chips.length).toBe(DEFAULT_MAX_ITEMS);
    expect(host[0].chips.at(-1)!.text).toBe(`+ ${m.functions.length - (DEFAULT_MAX_ITEMS - 1)} more VNFs`);
    expect(host[0].instances).toBe(m.functions.reduce((n, f) => n + f.n, 0));
    // The chain keeps its ends and says how many members are left out.
    const chain = p.services[0].members;
    expect(chain.length).toBeLessThanOrEqual(DEFAULT_MAX_ITEMS);
    const gap = chain.find((x) => x < 0)!;
    expect(chain.filter((x) => x >= 0).length - gap).toBe(m.services[0].chain.length);
    expect(chain.at(-1)).toBe(m.services[0].chain.at(-1));
    for (const text of [diagramDot(p), diagramMermaid(p), diagramSvg(p)]) {
      expect(text).toContain(`... ${-gap} more ...`);
      expect(text.length).toBeLessThan(40_000);
    }
    expect(p.collapsed.length).toBe(2);
  });

  it('draws more identical hosts than the threshold in one rack as one box, and not below it', () => {
    const doc = parse(readFileSync(join(ROOT, 'topologies/b2-200-pairs.yaml'), 'utf8'));
    doc.hosts.h.count = 40;
    const m = loadTopologyText(stringify(doc), 'b2-40-hosts.yaml').model;
    const dot = renderDiagram(m, 'dot');
    expect(dot).toContain('40 x h: host');
    expect(dot).not.toMatch(/"h-\d+: /);
    // Below the threshold, every host has its own box.
    const each = renderDiagram(m, 'mermaid', { collapseHosts: 40 });
    for (const h of m.hosts) expect(each).toContain(`"${h.name}: host`);
  });

  it('the SVG is a standalone document with the font stack and a title on every box', () => {
    const svg = renderDiagram(model('default.yaml'), 'svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="\d+" height="\d+"/);
    expect(svg).toContain("font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans'");
    expect(svg).toContain('>compute-1</text>');
    expect(svg).toContain('>vLB/1</text>');
    expect(svg).toContain('<title>host compute-1 (group compute); its failure takes down every instance on it</title>');
    expect(svg).toContain('<title>rack rack-a: impact zone; a failure of its rack-infra takes down every host in it</title>');
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  it('nfvsim diagram writes SVG, DOT or Mermaid, by --format or the file extension; a bad format exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-diagram-'));
    const mm = cli(['diagram', 'topologies/minimal.yaml', '--format', 'mermaid']);
    expect(mm.code).toBe(0);
    expect(mm.stdout).toMatch(/^flowchart TB/);
    expect(mm.stdout).toContain('"vFW/1"');
    expect(cli(['diagram', 'topologies/minimal.yaml', '--out', join(dir, 'm.dot')]).code).toBe(0);
    expect(readFileSync(join(dir, 'm.dot'), 'utf8')).toMatch(/^digraph "minimal"/);
    expect(cli(['diagram', 'topologies/minimal.yaml']).stdout).toMatch(/^<svg /);
    const bad = cli(['diagram', 'topologies/minimal.yaml', '--format', 'svgg']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format svgg: expected svg, png, dot, mermaid/);
  });

  it('nfvsim diagram writes PNG (the SVG rendered) for .png or --format png; an extension that names no format, or PNG on stdout, exits 2 and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-diagram-'));
    const png = cli(['diagram', 'topologies/minimal.yaml', '--out', join(dir, 'm.png')]);
    expect(png.code, png.stderr).toBe(0);
    const bytes = readFileSync(join(dir, 'm.png'));
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // Twice the SVG's size (its width and height, in the PNG's header).
    const svg = cli(['diagram', 'topologies/minimal.yaml']).stdout;
    const width = Number(/^<svg [^>]*width="([\d.]+)"/.exec(svg)![1]);
    expect(bytes.readUInt32BE(16)).toBe(Math.round(width * 2));
    expect(cli(['diagram', 'topologies/minimal.yaml', '--format', 'png', '--out', join(dir, 'picture')]).code).toBe(0);
    expect(readFileSync(join(dir, 'picture')).subarray(0, 4).toString('hex')).toBe('89504e47');
    const txt = cli(['diagram', 'topologies/minimal.yaml', '--out', join(dir, 'm.txt')]);
    expect(txt.code).toBe(2);
    expect(txt.stderr).toMatch(/--out .*m\.txt: cannot tell the format from '\.txt' \(expected \.svg, \.png, \.dot\/\.gv, \.mmd\/\.mermaid\); give --format svg\|png\|dot\|mermaid/);
    expect(existsSync(join(dir, 'm.txt'))).toBe(false);
    const stdout = cli(['diagram', 'topologies/minimal.yaml', '--format', 'png']);
    expect(stdout.code).toBe(2);
    expect(stdout.stdout).toBe('');
    expect(stdout.stderr).toMatch(/--format png writes binary: give --out <file>\.png/);
    // No extension, no --format: SVG, as on stdout; so for a dotfile's name (`.hidden`).
    expect(cli(['diagram', 'topologies/minimal.yaml', '--out', join(dir, 'plain')]).code).toBe(0);
    expect(readFileSync(join(dir, 'plain'), 'utf8')).toMatch(/^<svg /);
    expect(cli(['diagram', 'topologies/minimal.yaml', '--out', join(dir, '.hidden')]).code).toBe(0);
    expect(readFileSync(join(dir, '.hidden'), 'utf8')).toMatch(/^<svg /);
    // --format in any case; a --format the extension contradicts is refused.
    expect(cli(['diagram', 'topologies/minimal.yaml', '--format', 'PNG', '--out', join(dir, 'upper.png')]).code).toBe(0);
    const clash = cli(['diagram', 'topologies/minimal.yaml', '--format', 'png', '--out', join(dir, 'z.svg')]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--format png but --out .*z\.svg names svg/);
    expect(existsSync(join(dir, 'z.svg'))).toBe(false);
  });

  it('says what each shared element is to the model: what its failure takes down, or what else uses it', () => {
    const labels = (f: string) => Object.fromEntries(topologyPicture(model(f)).shared.map((s) => [s.name, s.label]));
    const d = labels('default.yaml');
    // A redundant set: its members, how many are in use, the hosts standing on it.
    expect(d['lag-a']).toBe('shared lag-a (redundant set: 1 of tor-a1, tor-a2 in use): its failure takes down controller-1, controller-3, compute-1, compute-3, compute-5');
    // A member no host stands on takes down nothing alone (not "takes down" followed by no one).
    expect(d['tor-a1']).toBe('shared tor-a1 (tor-switch): its failure alone takes down nothing; a member of lag-a');
    // A management switch cuts hosts off from the VIM.
    expect(d['mgmt-a']).toBe('shared mgmt-a (mgmt-switch): the VIM reaches controller-1, controller-3, compute-1, compute-3, compute-5 through it');
    expect(labels('openstack-control-plane.yaml')['ctl1-bond']).toMatch(/^shared ctl1-bond \(redundant set: 1 of ctl1-port-a, ctl1-port-b in use\): the cluster link of pacemaker, galera, sdn-controller$/);
    expect(labels('campus.yaml').backbone).toBe('shared backbone (switch): named in the up rule of office, any-building');
    // Every shipped topology: no label ends in "takes down" with nobody named.
    for (const f of readdirSync(join(ROOT, 'topologies')).filter((f) => f.endsWith('.yaml'))) {
      for (const [name, label] of Object.entries(labels(f))) expect(label, `${f}: ${name}`).not.toMatch(/takes down ?$|: $/);
    }
    // The three formats draw the same line.
    const p = topologyPicture(model('default.yaml'));
    for (const text of [diagramDot(p), diagramMermaid(p), diagramSvg(p)]) expect(text).toContain('its failure alone takes down nothing; a member of lag-a');
  });
});
