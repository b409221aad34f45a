// tests/browser/jsoncheck.mjs - every JSON file of a built site parses, and
// every X.json.zst decompresses (zstd -d, done by run.sh into DIR) to the
// same bytes as X.json.
//   node jsoncheck.mjs SITE DECOMPRESSED_DIR
// Prints one summary line; exits 1 on the first problem found in each file.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const [site, unz] = process.argv.slice(2);
let files = 0, zst = 0, bad = 0;

function walk(dir, fn) {
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) walk(p, fn);
		else fn(p);
	}
}

walk(site, (p) => {
	if (!p.endsWith('.json')) return;
	files++;
	const raw = readFileSync(p);
	try {
		JSON.parse(raw.toString('utf8'));
	} catch (e) {
		bad++;
		console.error(`# ${relative(site, p)}: ${e.message}`);
	}
});
walk(unz, (p) => {
	if (!p.endsWith('.json')) return;
	zst++;
	const orig = join(site, relative(unz, p));
	if (!readFileSync(p).equals(readFileSync(orig))) {
		bad++;
		console.error(`# ${relative(unz, p)}.zst does not decompress to ${relative(site, orig)}`);
	}
});
console.log(`# ${files} JSON files parsed, ${zst} zstd twins compared, ${bad} bad`);
process.exit(bad || files === 0 || zst === 0 ? 1 : 0);
