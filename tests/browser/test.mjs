// Marquee in a browser, as a member uses it.  Run through tests/browser/run.sh,
// which builds a site, serves it with lighttpd and sets:
//   MQ_URL    base URL of the served site (ends with /)
//   MQ_HEX    a member's private path (32 hex digits)
//   MQ_SITE   the site directory (to compare served bytes)
//   MQ_DATA   the data directory (movies.csv: titles to search)
//   MQ_XSS    "ID1,ID2": films whose titles are HTML/attribute injections
//   MQ_SHOTS  where screenshots go
//   MQ_STORE  the endpoint's store (checked with the sqlite3 CLI)
//   MQ_PAT_ID, MQ_PAT_HEX, MQ_PAT_PASS  member "pat" of the endpoint, who
//             has a published list and past recommendations to rate
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const URL0 = process.env.MQ_URL;
const HEX = process.env.MQ_HEX;
const SITE = process.env.MQ_SITE;
const DATA = process.env.MQ_DATA;
const XSS = (process.env.MQ_XSS || '').split(',').filter(Boolean);
const SHOTS = process.env.MQ_SHOTS || 'tests/out/browser';
const STORE = process.env.MQ_STORE;
const PAT = { id: Number(process.env.MQ_PAT_ID), hex: process.env.MQ_PAT_HEX, pass: process.env.MQ_PAT_PASS };
const sql = (q) => execFileSync('sqlite3', ['-batch', STORE, q], { encoding: 'utf8' }).trim();
const NOT_RUNNING = 'Ratings cannot be saved yet: the rating service is not running';
if (!URL0 || !/^[0-9a-f]{32}$/.test(HEX || '') || !SITE || !DATA)
	throw new Error('run me through tests/browser/run.sh (MQ_URL, MQ_HEX, MQ_SITE, MQ_DATA)');
mkdirSync(SHOTS, { recursive: true });

let browser;
const dialogs = [];
const problems = [];	// page errors and CSP violations, any page

before(async () => {
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-background-networking', '--disable-component-update',
		    '--disable-sync'],
	});
});
after(async () => { if (browser) await browser.close(); });

async function newPage(opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
	const page = await ctx.newPage();
	page.setDefaultTimeout(8000);
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
			problems.push('console: ' + m.text());
	});
	return page;
}

async function shot(page, name, fullPage = true) {
	if (fullPage)	// a sticky header would sit mid-page otherwise
		await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage });
}

// lib/mq_site.c normalise(), for choosing a query the page must resolve
const FOLD = 'aaaaaaaceeeeiiiidnooooo*ouuuuyts' + 'aaaaaaaceeeeiiiidnooooo*ouuuuyty';
function normalise(s) {
	let o = '';
	for (const ch of s) {
		const cp = ch.codePointAt(0);
		let c = ' ';
		if (cp < 0x80) { c = ch.toLowerCase(); if (!/[a-z0-9]/.test(c)) c = ' '; }
		else if (cp >= 0xc0 && cp <= 0xff) { c = FOLD[cp - 0xc0]; if (c === '*') c = ' '; }
		if (c !== ' ' || (o && !o.endsWith(' '))) o += c;
	}
	return o.trimEnd();
}

// movies.csv: id, title (year), genres; titles may be quoted
function movies() {
	const rows = [];
	const text = readFileSync(join(DATA, 'movies.csv'), 'utf8');
	for (const line of text.split(/\r?\n/).slice(1)) {
		const m = /^(\d+),("(?:[^"]|"")*"|[^,]*),/.exec(line);
		if (!m) continue;
		let t = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/""/g, '"') : m[2];
		t = t.replace(/\s*\(\d{4}\)\s*$/, '');
		rows.push({ id: Number(m[1]), title: t, norm: normalise(t) });
	}
	return rows;
}

async function recommend(page, hash = '#m=' + HEX) {
	await page.goto(URL0 + hash);
	await page.getByRole('button', { name: 'Recommend me a film' }).click();
}

const visibleCards = (page) => page.locator('#view .member .cards > .card:visible');

test('recommendations: 5 cards with posters, synopsis and a rating widget', async () => {
	const page = await newPage();
	await recommend(page);
	await page.getByRole('heading', { name: 'Recommended for you' }).waitFor();
	const cards = visibleCards(page);
	assert.equal(await cards.count(), 5);
	for (let i = 0; i < 5; i++) {
		const card = cards.nth(i);
		await card.scrollIntoViewIfNeeded();
		const img = card.locator('img');
		await page.waitForFunction((e) => e.complete && e.naturalWidth > 0, await img.elementHandle());
		assert.equal(await img.evaluate((e) => e.naturalWidth), 200, 'poster is 200 px wide');
		const syn = (await card.locator('.card-synopsis').innerText()).trim();
		assert.ok(syn.length > 20, 'synopsis text: ' + syn);
		assert.equal(await card.locator('form.rate input[type=radio][name=rating]').count(), 10);
		assert.ok(await card.locator('form.rate .stars').isVisible());
	}
	await page.getByRole('heading', { name: 'Rate your past recommendations' }).waitFor();
	await page.evaluate(() => window.scrollTo(0, 0));
	await shot(page, 'desktop-recs');
	await page.context().close();
});

test('count select shows 2 cards without fetching again', async () => {
	const page = await newPage();
	let fetched = 0;
	page.on('request', (r) => { if (r.url().endsWith('/recs.html')) fetched++; });
	await recommend(page);
	await visibleCards(page).first().waitFor();
	assert.equal(await visibleCards(page).count(), 5);
	await page.getByLabel('Films').selectOption('2');
	assert.equal(await visibleCards(page).count(), 2);
	assert.equal(await page.locator('#view .member .cards > .card').count(), 5, 'the others are hidden, not removed');
	await page.getByLabel('Films').selectOption('4');
	assert.equal(await visibleCards(page).count(), 4);
	assert.equal(fetched, 1, 'recs.html fetched once');
	await page.context().close();
});

test('rating by keyboard, honest message without a session', async () => {
	const page = await newPage();
	const posted = [];
	page.on('request', (r) => { if (r.method() === 'POST') posted.push([r.url(), r.postData()]); });
	await recommend(page);
	const card = visibleCards(page).first();
	await card.waitFor();
	const id = Number(await card.getAttribute('data-film'));
	const form = card.locator('form.rate');
	await form.getByRole('button', { name: 'Rate' }).click();
	await assert.doesNotReject(form.locator('output.rate-status', { hasText: 'Choose a number of stars' }).waitFor());
	// keyboard: focus the 4-star radio, arrow right to 4.5
	await form.locator('input[value="4.0"]').focus();
	await page.keyboard.press('Space');
	await page.keyboard.press('ArrowRight');
	assert.equal(await form.locator('input[name=rating]:checked').getAttribute('value'), '4.5');
	await form.getByRole('button', { name: 'Rate' }).press('Enter');
	// the #m= link is not a session: the endpoint answers 401
	await form.locator('output.rate-status', { hasText: 'Log in to save your rating' }).waitFor();
	assert.equal(posted.length, 1);
	assert.match(posted[0][0], /\/api\/rate$/);
	assert.deepEqual(JSON.parse(posted[0][1]), { movie: id, rating: 4.5 });
	const text = await form.locator('output.rate-status').innerText();
	assert.doesNotMatch(text, /saved:|thank/i, 'no fake success');
	// the stars show the choice: 9 half stars lit
	const lit = () => form.locator('.stars label').evaluateAll((ls) =>
		ls.filter((l) => getComputedStyle(l, '::before').backgroundColor === 'rgb(245, 184, 61)').length);
	await page.mouse.move(0, 0);
	for (let i = 0; i < 20 && await lit() !== 9; i++)
		await page.waitForTimeout(50);
	assert.equal(await lit(), 9, 'half stars lit');
	await card.screenshot({ path: join(SHOTS, 'card-rated.png') });
	await page.context().close();
});

test('film page from a card: the film and its similar films', async () => {
	const page = await newPage();
	await recommend(page);
	const card = visibleCards(page).nth(1);
	const title = (await card.locator('.card-title a').innerText()).trim();
	const id = await card.getAttribute('data-film');
	await card.locator('.card-title a').click();
	await page.waitForURL('**#film=' + id);
	await page.locator('.film-page .card-title', { hasText: title }).waitFor();
	const sim = page.locator('.film-page ol.similar li.mini');
	assert.ok(await sim.count() >= 3, 'similar films listed');
	assert.match(await page.locator('.film-page h2').last().innerText(), /also watched/);
	// the member path survives navigation: back home, recommend again
	await page.goto(URL0 + '#');
	await page.getByRole('button', { name: 'Recommend me a film' }).click();
	await visibleCards(page).first().waitFor();
	// similar film link leads to another film page
	await page.goto(URL0 + '#film=' + id);
	await page.locator('.film-page ol.similar li.mini a').first().click();
	await page.waitForFunction((x) => location.hash.startsWith('#film=') && location.hash !== '#film=' + x, id);
	await page.locator('.film-page').waitFor();
	await page.goto(URL0 + '#film=' + id);
	await page.locator('.film-page ol.similar').waitFor();
	await shot(page, 'desktop-film');
	await page.context().close();
});

test('title search: a word prefix finds the film, accents and case fold', async () => {
	const all = movies();
	// a film with a word whose 3-letter prefix starts a word of at most 8 titles
	let pick = null;
	for (const f of all) {
		for (const w of f.norm.split(' ')) {
			if (w.length < 5 || !/^[a-z]/.test(w)) continue;
			const p = w.slice(0, 3);
			const n = all.filter((g) => g.norm.split(' ').some((x) => x.startsWith(p))).length;
			if (n <= 8) { pick = { f, p, n }; break; }
		}
		if (pick) break;
	}
	assert.ok(pick, 'a searchable title in the data');
	const page = await newPage();
	await page.goto(URL0);
	const q = page.getByRole('searchbox', { name: 'Find a film by title' });
	await q.fill(pick.p.toUpperCase());
	const res = page.locator('#search-results .results-list a');
	await res.first().waitFor();
	assert.equal(await res.count(), pick.n, 'every match, no other');
	const hit = page.locator('#search-results a[href="#film=' + pick.f.id + '"]');
	assert.equal((await hit.locator('.result-title').innerText()).trim(), pick.f.title);
	await shot(page, 'desktop-search', false);
	await hit.click();
	await page.locator('.film-page[data-film="' + pick.f.id + '"]').waitFor();
	assert.equal(await page.locator('#search-results .results-list').count(), 0, 'results closed');
	// two words, the second a prefix; accented query of an accented title
	const acc = all.find((f) => /[À-ÿ]/.test(f.title));
	if (acc) {
		const word = acc.title.split(/\s+/).find((w) => /[À-ÿ]/.test(w)).replace(/[^\p{L}\p{N}]/gu, '');
		await q.fill(word.toUpperCase());
		await page.locator('#search-results a[href="#film=' + acc.id + '"]').waitFor();
	}
	await q.fill('zzzzqqq');
	await page.locator('#search-results', { hasText: 'No film title matches' }).waitFor();
	await page.context().close();
});

test('genre list from the navigation', async () => {
	const page = await newPage();
	await page.goto(URL0);
	const nav = page.getByRole('navigation', { name: 'Genres' });
	const link = nav.getByRole('link', { name: 'Drama' });
	await link.click();
	await page.getByRole('heading', { name: 'Best rated: Drama' }).waitFor();
	assert.ok(await page.locator('.genre ol.ranked li.mini').count() >= 5);
	assert.equal(await link.getAttribute('aria-current'), 'page');
	await shot(page, 'desktop-genre');
	await page.context().close();
});

test('no member link, a bad member link and a malformed one', async () => {
	const page = await newPage();
	await recommend(page, '');
	await page.getByRole('heading', { name: 'Your personal link is needed' }).waitFor();
	assert.match(await page.locator('#view').innerText(), /#m=/);
	await recommend(page, '#m=' + '0'.repeat(32));
	await page.getByRole('heading', { name: 'This personal link is not valid' }).waitFor();
	await shot(page, 'desktop-bad-link', false);
	let asked = 0;
	page.on('request', (r) => { if (r.url().includes('/m/')) asked++; });
	await page.goto(URL0 + '#m=../../etc%2Fpasswd');
	await page.getByRole('heading', { name: 'This personal link is not valid' }).waitFor();
	await page.getByRole('button', { name: 'Recommend me a film' }).click();
	await page.waitForTimeout(200);
	assert.equal(asked, 1, 'only the well-formed remembered path was asked for: ' + asked);
	await page.context().close();
});

test('keyboard: Tab reaches the button, Enter recommends, focus is visible', async () => {
	const page = await newPage();
	await page.goto(URL0 + '#m=' + HEX);
	let name = '';
	for (let i = 0; i < 12 && name !== 'recommend'; i++) {
		await page.keyboard.press('Tab');
		name = await page.evaluate(() => document.activeElement && document.activeElement.id);
	}
	assert.equal(name, 'recommend');
	const ring = await page.evaluate(() => getComputedStyle(document.activeElement).boxShadow);
	assert.notEqual(ring, 'none', 'a focus ring');
	await page.keyboard.press('Enter');
	await visibleCards(page).first().waitFor();
	await page.context().close();
});

test('phone, 360 px: no horizontal scroll', async () => {
	const page = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
	await recommend(page);
	await visibleCards(page).first().waitFor();
	for (const img of await page.locator('#view .card img').all())
		await img.evaluate((e) => e.loading = 'eager');
	await page.waitForFunction(() => [...document.querySelectorAll('#view .card img')].every((i) => i.complete));
	const sw = async () => page.evaluate(() => document.documentElement.scrollWidth);
	assert.ok(await sw() <= 360, 'home scrollWidth ' + await sw());
	await shot(page, 'phone-recs', false);
	await shot(page, 'phone-recs-full');
	const id = await visibleCards(page).first().getAttribute('data-film');
	await page.goto(URL0 + '#film=' + id);
	await page.locator('.film-page ol.similar').waitFor();
	assert.ok(await sw() <= 360, 'film scrollWidth ' + await sw());
	await shot(page, 'phone-film');
	await page.goto(URL0 + '#genre=all');
	await page.locator('.genre').waitFor();
	await page.locator('#q').fill('the');
	await page.locator('#search-results .results-list').waitFor();
	assert.ok(await sw() <= 360, 'genre+search scrollWidth ' + await sw());
	await shot(page, 'phone-genre-search', false);
	await page.context().close();
});

test('JSON shards: zstd when the browser asks for it, the same JSON', async () => {
	const page = await newPage();
	await page.goto(URL0);
	const seen = {};
	page.on('response', async (r) => {
		if (r.url().endsWith('/film/1.json'))
			seen.res = r;
	});
	const json = await page.evaluate(async () => (await fetch('film/1.json')).json());
	assert.deepEqual(json, JSON.parse(readFileSync(join(SITE, 'film/1.json'), 'utf8')));
	await page.waitForTimeout(100);
	const req = await seen.res.request().allHeaders();
	const res = await seen.res.allHeaders();
	const askedZstd = /\bzstd\b/.test(req['accept-encoding'] || '');
	console.log('# Chromium Accept-Encoding: ' + req['accept-encoding'] + ' -> Content-Encoding: ' + (res['content-encoding'] || 'none'));
	assert.equal(res['content-encoding'], askedZstd ? 'zstd' : undefined);
	assert.match(res['content-type'], /^application\/json/);
	assert.equal(res['vary'], 'Accept-Encoding');
	assert.match(res['content-security-policy'] || '', /script-src 'self'/);
	assert.equal(res['x-content-type-options'], 'nosniff');
	await page.context().close();
});

test('XSS: injected titles are shown as text, nothing runs', async () => {
	assert.equal(XSS.length, 2, 'MQ_XSS names two films');
	const page = await newPage();
	const before = dialogs.length;
	const expect = ['<script>alert(1)</script>', '"onmouseover=alert(1) x'];
	for (let i = 0; i < 2; i++) {
		await page.goto(URL0 + '#film=' + XSS[i]);
		const t = page.locator('.film-page .card-title a');
		await t.waitFor();
		assert.equal((await t.innerText()).trim(), expect[i]);
		await t.hover();
		await page.locator('.film-page .card-poster img').hover();
		assert.equal(await page.locator('#view script, #view [onmouseover], #view [onerror]').count(), 0);
		assert.match(await page.locator('.film-page .card-poster img').getAttribute('alt'), /^Poster of /);
	}
	await shot(page, 'desktop-xss-film', false);
	await page.locator('#q').fill('script alert');
	const r = page.locator('#search-results a[href="#film=' + XSS[0] + '"] .result-title');
	await r.waitFor();
	assert.equal(await r.innerText(), expect[0]);
	await page.locator('#q').fill('onmouseover');
	await page.locator('#search-results a[href="#film=' + XSS[1] + '"]').hover();
	await page.waitForTimeout(300);
	assert.equal(dialogs.length, before, 'no dialog: ' + dialogs.join(' | '));
	await page.context().close();
});

// --- the endpoint: sign up, log in, rate, past recommendations ---------

async function logIn(page, user, pass) {
	await page.goto(URL0);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.getByLabel('Username').fill(user);
	await page.getByLabel('Password').fill(pass);
	const answer = page.waitForResponse((r) => r.url().endsWith('/api/login'));
	await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
	return (await answer).status();
}

test('sign up with 3 ratings: logged in, a list at once', async () => {
	const page = await newPage();
	await page.goto(URL0);
	await page.getByRole('button', { name: 'Sign up' }).click();
	const form = page.locator('#signup-form');
	await form.getByRole('heading', { name: 'Sign up' }).waitFor();
	await form.getByLabel('Username').fill('newbie');
	await form.getByLabel(/^Password/).fill('newbie password');
	const sels = form.locator('select');
	assert.ok(await sels.count() >= 3, 'films to rate');
	await sels.nth(0).selectOption('4.5');
	await sels.nth(1).selectOption('3.0');
	// two ratings are not enough: said, nothing sent
	let posted = 0;
	page.on('request', (r) => { if (r.url().endsWith('/api/signup')) posted++; });
	await form.getByRole('button', { name: 'Sign up' }).click();
	await form.locator('output', { hasText: 'Rate at least 3 films' }).waitFor();
	assert.equal(posted, 0);
	await sels.nth(2).selectOption('5.0');
	await shot(page, 'desktop-signup');
	const answer = page.waitForResponse((r) => r.url().endsWith('/api/signup'));
	await form.getByRole('button', { name: 'Sign up' }).click();
	const r = await answer;
	assert.equal(r.status(), 201);
	const body = await r.json();
	assert.match(body.path, /^m\/[0-9a-f]{32}\/$/);
	await page.getByRole('heading', { name: /Picked for you from your first ratings/ }).waitFor();
	assert.ok(await page.locator('#view .for-you-live li.mini').count() >= 1, 'a list at once');
	assert.equal(await page.evaluate(() => sessionStorage.getItem('marquee.csrf')), body.csrf);
	assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
	assert.ok(await page.getByRole('button', { name: 'Log out' }).isVisible());
	assert.equal(sql(`SELECT count(*) FROM ratings r JOIN members m ON m.id = r.member_id WHERE m.username = 'newbie'`), '3');
	await shot(page, 'desktop-signed-up');
	// log out, then log in again: the same private path
	await page.getByRole('button', { name: 'Log out' }).click();
	await page.getByRole('heading', { name: 'You are logged out' }).waitFor();
	assert.equal(await page.evaluate(() => sessionStorage.getItem('marquee.csrf')), null);
	assert.equal(await logIn(page, 'newbie', 'wrong password'), 401);
	await page.locator('#login-form output', { hasText: 'Wrong username or password' }).waitFor();
	assert.equal(await logIn(page, 'newbie', 'newbie password'), 200);
	await page.getByRole('heading', { name: /Picked for you from your ratings/ }).waitFor();
	assert.equal(await page.evaluate(() => sessionStorage.getItem('marquee.member')), body.path.slice(2, -1));
	await page.context().close();
});

test('log in, rate a film on a card: saved with the CSRF token', async () => {
	assert.ok(PAT.id > 0 && /^[0-9a-f]{32}$/.test(PAT.hex || ''), 'MQ_PAT_* from run.sh');
	const page = await newPage();
	const posted = [];
	page.on('request', (r) => { if (r.url().endsWith('/api/rate')) posted.push(r.headers()); });
	assert.equal(await logIn(page, 'pat', PAT.pass), 200);
	await page.getByRole('heading', { name: 'Recommended for you' }).waitFor();
	const card = visibleCards(page).first();
	await card.waitFor();
	const id = Number(await card.getAttribute('data-film'));
	const form = card.locator('form.rate');
	await form.locator('label[for$="-8"]').click();	// 4 stars
	const answer = page.waitForResponse((r) => r.url().endsWith('/api/rate'));
	await form.getByRole('button', { name: 'Rate' }).click();
	assert.equal((await answer).status(), 200);
	await form.locator('output.rate-status', { hasText: 'Saved: 4 stars' }).waitFor();
	assert.match(posted[0]['x-csrf-token'] || '', /^[0-9a-f]{64}$/);
	assert.equal(sql(`SELECT half FROM ratings WHERE member_id = ${PAT.id} AND movie_id = ${id}`), '8');
	await card.screenshot({ path: join(SHOTS, 'card-saved.png') });
	await page.context().close();
});

test('rate your past recommendations: a pending film, saved', async () => {
	const page = await newPage();
	assert.equal(await logIn(page, 'pat', PAT.pass), 200);
	const pending = page.locator('#view .pending');
	await pending.getByRole('heading', { name: 'Rate your past recommendations' }).waitFor();
	const item = pending.locator('li.mini').first();
	const id = Number(await item.getAttribute('data-film'));
	assert.ok(id > 0);
	assert.equal(sql(`SELECT count(*) FROM ratings WHERE member_id = ${PAT.id} AND movie_id = ${id}`), '0');
	const form = item.locator('form.rate');
	await form.locator('label[for$="-5"]').click();	// 2.5 stars
	await form.getByRole('button', { name: 'Rate' }).click();
	await form.locator('output.rate-status', { hasText: 'Saved: 2.5 stars' }).waitFor();
	assert.equal(sql(`SELECT half FROM ratings WHERE member_id = ${PAT.id} AND movie_id = ${id}`), '5');
	await pending.scrollIntoViewIfNeeded();
	await pending.screenshot({ path: join(SHOTS, 'pending-rated.png') });
	await page.context().close();
});

test('no script errors or CSP violations on any page, no dialog', () => {
	assert.deepEqual(problems, []);
	assert.deepEqual(dialogs, []);
});
