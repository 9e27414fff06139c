// Regenerates the topology reference in README.md from the schema (npm run docs).
import { readFileSync, writeFileSync } from 'node:fs';
import { experimentReferenceMarkdown, topologyReferenceMarkdown } from '../dist/report/reference.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const next = readme
  .replace(/<!-- reference:start -->\n[\s\S]*<!-- reference:end -->/, `<!-- reference:start -->\n${topologyReferenceMarkdown()}<!-- reference:end -->`)
  .replace(/<!-- experiment-reference:start -->\n[\s\S]*<!-- experiment-reference:end -->/, `<!-- experiment-reference:start -->\n${experimentReferenceMarkdown()}<!-- experiment-reference:end -->`);
writeFileSync(file, next);
console.log(next === readme ? 'README reference already current' : 'README reference updated');
