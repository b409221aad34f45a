/*
 * Marquee - the page's behaviour.  Plain JS, no framework, no build step.
 *
 * Routes live in the URL fragment:
 *   #m=HEX        a member's personal link (HEX: 32 hex digits); kept in
 *                 sessionStorage so that film and genre pages keep it
 *   #film=ID      a film page (film/ID.html)
 *   #genre=SLUG   a genre's best rated films (genre/SLUG.html)
 *   (empty)       home: the member's recommendations once asked for
 *
 * Members sign up (username, password, 3 or more ratings) and log in
 * through the endpoint (/api/signup, /api/login, bin/marquee.cgi).  The
 * session cookie is HttpOnly: the page keeps the answer's CSRF token and
 * private path ("path": "m/HEX/") in sessionStorage and sends the token
 * as X-CSRF-Token with every change (rate, logout).  #m=HEX stays as a
 * fallback for the personal links of members of the data.
 *
 * Fragments (recs.html, film/ID.html, genre/SLUG.html) are HTML written
 * and escaped by `marquee build`; they are inserted as they are.  Search
 * results come from JSON and are built with createElement/textContent
 * only.  The Content-Security-Policy allows no inline script: every
 * handler is installed here.
 */
(function () {
	'use strict';

	var MEMBER_KEY = 'marquee.member';
	var CSRF_KEY = 'marquee.csrf';
	var TOKEN_RE = /^[0-9a-f]{64}$/;
	var HEX_RE = /^[0-9a-f]{32}$/;
	var ID_RE = /^[1-9][0-9]{0,9}$/;
	var SLUG_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
	var MAX_RESULTS = 20;
	var DEBOUNCE_MS = 180;
	var NOT_RUNNING = 'Ratings cannot be saved yet: the rating service is not running.';

	var $ = function (sel) { return document.querySelector(sel); };
	var view, results, who, recommendBtn, countSel, forgetBtn, q;

	/* ---------------------------------------------------------------- */
	/* The member's personal path. */

	var store = {
		get: function () {
			try {
				var v = window.sessionStorage.getItem(MEMBER_KEY);
				return v && HEX_RE.test(v) ? v : null;
			} catch (e) {
				return store.mem;
			}
		},
		set: function (v) {
			store.mem = v;
			try {
				if (v)
					window.sessionStorage.setItem(MEMBER_KEY, v);
				else
					window.sessionStorage.removeItem(MEMBER_KEY);
			} catch (e) { /* private mode: memory only */ }
		},
		mem: null
	};

	/* The session's CSRF token (the cookie itself is HttpOnly). */
	var csrf = {
		get: function () {
			try {
				var v = window.sessionStorage.getItem(CSRF_KEY);
				return v && TOKEN_RE.test(v) ? v : csrf.mem;
			} catch (e) {
				return csrf.mem;
			}
		},
		set: function (v) {
			csrf.mem = v && TOKEN_RE.test(v) ? v : null;
			try {
				if (csrf.mem)
					window.sessionStorage.setItem(CSRF_KEY, csrf.mem);
				else
					window.sessionStorage.removeItem(CSRF_KEY);
			} catch (e) { /* private mode: memory only */ }
		},
		mem: null
	};

	/* Parse the fragment into { key: value } (first value wins). */
	function parseHash() {
		var out = {};
		var h = window.location.hash.replace(/^#/, '');
		h.split('&').forEach(function (part) {
			var i = part.indexOf('=');
			if (i <= 0)
				return;
			var k = part.slice(0, i), v = part.slice(i + 1);
			try {
				v = decodeURIComponent(v);
			} catch (e) {
				v = '';
			}
			if (!(k in out))
				out[k] = v;
		});
		return out;
	}

	/* ---------------------------------------------------------------- */
	/* Small DOM helpers. */

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text != null)
			e.textContent = text;
		return e;
	}

	/* A notice panel: title, then paragraphs (strings or nodes). */
	function notice(kind, title, paras) {
		var box = el('section', 'notice notice-' + kind);
		box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
		var h = el('h2', null, title);
		h.tabIndex = -1;
		box.appendChild(h);
		(paras || []).forEach(function (p) {
			if (typeof p === 'string')
				box.appendChild(el('p', null, p));
			else
				box.appendChild(p);
		});
		return box;
	}

	function loading(label) {
		var box = el('p', 'loading', label);
		box.setAttribute('role', 'status');
		return box;
	}

	/* Trusted fragment from the build into a DocumentFragment. */
	function parseFragment(html) {
		var t = document.createElement('template');
		t.innerHTML = html;
		return t.content;
	}

	function show(node) {
		view.replaceChildren(node);
	}

	/* Fetch a text document; reject with {status} on HTTP errors. */
	function fetchText(url) {
		return fetch(url, { credentials: 'same-origin' }).then(function (r) {
			if (!r.ok) {
				var err = new Error('HTTP ' + r.status);
				err.status = r.status;
				throw err;
			}
			return r.text();
		});
	}

	/* Guard against out-of-order answers: only the latest view wins. */
	var viewSeq = 0;

	function startView(label) {
		var seq = ++viewSeq;
		view.setAttribute('aria-busy', 'true');
		show(loading(label));
		return seq;
	}

	function endView(seq, node, focusSel) {
		if (seq !== viewSeq)
			return false;
		show(node);
		view.removeAttribute('aria-busy');
		if (focusSel) {
			var f = view.querySelector(focusSel);
			if (f) {
				if (!f.hasAttribute('tabindex'))
					f.tabIndex = -1;
				f.focus({ preventScroll: true });
				view.scrollIntoView({ block: 'start', behavior: 'auto' });
			}
		}
		return true;
	}

	function networkProblem(what) {
		return notice('error', 'Could not load ' + what,
		    ['The site did not answer. Check your connection and try again.']);
	}

	/* ---------------------------------------------------------------- */
	/* Recommendations. */

	var recs = { member: null, html: null, shown: false };

	function howToGetLink() {
		var p = el('p');
		p.append('Recommendations are personal. Log in, or open the personal link Marquee gave you: it ends in ');
		p.appendChild(el('code', null, '#m='));
		p.append(' followed by 32 letters and digits. This tab remembers it until you close it.');
		return notice('info', 'Your personal link is needed', [p,
		    'Not a member yet? Sign-up opens soon. Meanwhile, browse the best rated films by genre below, or find a film by title.']);
	}

	function invalidLink() {
		return notice('error', 'This personal link is not valid',
		    ['Check that you opened the whole link you were given, or ask for a new one.']);
	}

	function applyCount() {
		var n = parseInt(countSel.value, 10);
		if (!(n >= 1 && n <= 5))
			n = 5;
		var cards = view.querySelectorAll('.member[data-list="for-you"] .cards > .card');
		for (var i = 0; i < cards.length; i++)
			cards[i].hidden = i >= n;
		var status = view.querySelector('.recs-count');
		if (status && cards.length)
			status.textContent = 'Showing ' + Math.min(n, cards.length) +
			    ' of ' + cards.length + ' films picked for you.';
	}

	function renderRecs(seq, focus) {
		var frag = parseFragment(recs.html);
		var sec = frag.querySelector('.member');
		if (sec) {
			var h = sec.querySelector('h2');
			var s = el('p', 'recs-count');
			if (h)
				h.after(s);
			else
				sec.prepend(s);
		}
		if (endView(seq, frag, focus ? '.member h2' : null)) {
			recs.shown = true;
			applyCount();
		}
	}

	function recommend() {
		var m = store.get();
		if (!m) {
			++viewSeq;
			view.removeAttribute('aria-busy');
			show(howToGetLink());
			return;
		}
		var seq = startView('Finding films for you…');
		recommendBtn.setAttribute('aria-busy', 'true');
		if (recs.member === m && recs.html != null) {
			recommendBtn.removeAttribute('aria-busy');
			renderRecs(seq, false);
			return;
		}
		fetchText('m/' + m + '/recs.html').then(function (html) {
			recs.member = m;
			recs.html = html;
			renderRecs(seq, false);
		}, function (err) {
			if (err.status === 404 && csrf.get()) {
				/* signed up since the last nightly run: the live list */
				fetch('/api/me/recs', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
				    .then(function (r) { return r.ok ? r.json() : null; })
				    .then(function (b) {
					if (seq === viewSeq)
						b && b.for_you ? showForYou(b.for_you, false) : endView(seq, invalidLink());
				}, function () { endView(seq, networkProblem('your recommendations')); });
			} else if (err.status === 404 || err.status === 403)
				endView(seq, invalidLink());
			else
				endView(seq, err.status ? notice('error',
				    'Your recommendations could not be loaded',
				    ['The site answered with error ' + err.status + '. Please try again later.']) :
				    networkProblem('your recommendations'));
		}).finally(function () {
			recommendBtn.removeAttribute('aria-busy');
		});
	}

	function updateWho() {
		var m = store.get();
		var inside = !!(m && csrf.get());
		forgetBtn.hidden = !m || inside;
		if (loginBtn) {
			loginBtn.hidden = inside;
			signupBtn.hidden = inside;
			logoutBtn.hidden = !inside;
		}
		who.textContent = m ?
		    'Welcome back. Ask for a few films picked for you from your ratings.' :
		    'Open your personal link to get recommendations.';
	}

	/* ---------------------------------------------------------------- */
	/* Film and genre pages. */

	function openFilm(id) {
		var seq = startView('Loading the film…');
		fetchText('film/' + id + '.html').then(function (html) {
			endView(seq, parseFragment(html), '.film-page .card-title');
			document.title = filmTitle() + ' – Marquee';
		}, function (err) {
			endView(seq, err.status === 404 ?
			    notice('error', 'No such film', ['There is no film number ' + id + ' in the catalogue.']) :
			    networkProblem('this film'), 'h2');
		});
	}

	function filmTitle() {
		var t = view.querySelector('.film-page .card-title a');
		return t ? t.textContent : 'Film';
	}

	function openGenre(slug) {
		var seq = startView('Loading the list…');
		fetchText('genre/' + slug + '.html').then(function (html) {
			endView(seq, parseFragment(html), '.genre h2');
			var h = view.querySelector('.genre h2');
			document.title = (h ? h.textContent : 'Genre') + ' – Marquee';
			markGenre(slug);
		}, function (err) {
			endView(seq, err.status === 404 ?
			    notice('error', 'No such genre', ['Pick one of the genres in the list below.']) :
			    networkProblem('this list'), 'h2');
		});
	}

	function markGenre(slug) {
		var links = document.querySelectorAll('#genre-list a');
		for (var i = 0; i < links.length; i++) {
			if (links[i].getAttribute('href') === '#genre=' + slug)
				links[i].setAttribute('aria-current', 'page');
			else
				links[i].removeAttribute('aria-current');
		}
	}

	/* ---------------------------------------------------------------- */
	/* Routing. */

	var lastRouteWasContent = false;

	function route() {
		var p = parseHash();
		document.title = 'Marquee: films for you';
		if ('m' in p) {
			var m = p.m.toLowerCase();
			if (HEX_RE.test(m)) {
				if (m !== store.get())
					recs = { member: null, html: null, shown: false };
				store.set(m);
				// the private link leaves the address bar and the
				// history at once: a shared or synced URL must not
				// carry it
				var rest = window.location.hash.replace(/^#/, '')
				    .split('&').filter(function (kv) {
					return kv.split('=')[0] !== 'm';
				}).join('&');
				history.replaceState(null, '', window.location.pathname +
				    window.location.search + (rest ? '#' + rest : ''));
				updateWho();
			} else {
				++viewSeq;
				show(invalidLink());
				return;
			}
		}
		if ('film' in p) {
			markGenre(null);
			if (ID_RE.test(p.film))
				openFilm(p.film);
			else
				show(notice('error', 'No such film', ['This film link is not valid.']));
			lastRouteWasContent = true;
			return;
		}
		if ('genre' in p) {
			if (SLUG_RE.test(p.genre))
				openGenre(p.genre);
			else
				show(notice('error', 'No such genre', ['Pick one of the genres in the list below.']));
			lastRouteWasContent = true;
			return;
		}
		/* home */
		markGenre(null);
		++viewSeq;
		view.removeAttribute('aria-busy');
		if (recs.shown && recs.html != null && recs.member === store.get())
			renderRecs(++viewSeq, false);
		else
			view.replaceChildren();
		if (lastRouteWasContent)
			window.scrollTo(0, 0);
		lastRouteWasContent = false;
	}

	/* ---------------------------------------------------------------- */
	/* Title search: the normalisation of lib/mq_site.c normalise(). */

	/* U+00C0..U+00FF folded to a-z; '*' is not a letter (× and ÷). */
	var FOLD = 'aaaaaaaceeeeiiiidnooooo*ouuuuyts' +
	    'aaaaaaaceeeeiiiidnooooo*ouuuuyty';

	function normalise(s) {
		var out = '';
		for (var ch of String(s)) {
			var cp = ch.codePointAt(0), c = ' ';
			if (cp < 0x80) {
				c = ch.toLowerCase();
				if (!/[a-z0-9]/.test(c))
					c = ' ';
			} else if (cp >= 0xc0 && cp <= 0xff) {
				c = FOLD.charAt(cp - 0xc0);
				if (c === '*')
					c = ' ';
			}
			if (c !== ' ' || (out.length && out.charAt(out.length - 1) !== ' '))
				out += c;
		}
		return out.replace(/ +$/, '');
	}

	/*
	 * The shard to read.  Every query word must start a word of the title,
	 * and a title is in the shard of each of its words' first two
	 * characters, so any query word of two or more characters names a
	 * complete shard: use the first such word.  Only when every word has
	 * one letter, use the one-letter shard (titles with that very word).
	 */
	function shardFor(words) {
		for (var i = 0; i < words.length; i++)
			if (words[i].length >= 2)
				return { name: words[i].slice(0, 2), complete: true };
		return { name: words[0], complete: false };
	}

	var shardCache = new Map();

	function fetchShard(name) {
		if (shardCache.has(name))
			return shardCache.get(name);
		var p = fetch('search/' + name + '.json', { credentials: 'same-origin' }).then(function (r) {
			if (r.status === 404)
				return [];
			if (!r.ok) {
				var err = new Error('HTTP ' + r.status);
				err.status = r.status;
				throw err;
			}
			return r.json();
		}).then(function (rows) {
			return Array.isArray(rows) ? rows : [];
		});
		p.catch(function () { shardCache.delete(name); });
		shardCache.set(name, p);
		return p;
	}

	function matches(words, norm) {
		var tw = String(norm).split(' ');
		return words.every(function (w) {
			return tw.some(function (t) { return t.lastIndexOf(w, 0) === 0; });
		});
	}

	var searchSeq = 0, searchTimer = 0;

	function clearResults() {
		++searchSeq;
		results.replaceChildren();
		results.removeAttribute('aria-busy');
		results.classList.remove('open');
	}

	function showResults(query, rows, complete) {
		var box = el('section', 'results');
		box.setAttribute('aria-label', 'Search results');
		var head = el('p', 'results-head');
		var list = el('ul', 'results-list');
		var n = Math.min(rows.length, MAX_RESULTS);
		if (rows.length === 0)
			head.textContent = 'No film title matches “' + query + '”.';
		else if (rows.length > MAX_RESULTS)
			head.textContent = 'First ' + MAX_RESULTS + ' of ' + rows.length + ' films matching “' + query + '”: type more to narrow.';
		else
			head.textContent = rows.length + (rows.length === 1 ? ' film matches' : ' films match') + ' “' + query + '”.';
		box.appendChild(head);
		for (var i = 0; i < n; i++) {
			var r = rows[i];
			var li = el('li');
			var a = el('a');
			a.href = '#film=' + encodeURIComponent(String(r[0]));
			a.appendChild(el('span', 'result-title', String(r[1])));
			if (r[2] != null)
				a.appendChild(el('span', 'result-year', ' (' + String(r[2]) + ')'));
			li.appendChild(a);
			list.appendChild(li);
		}
		if (n)
			box.appendChild(list);
		if (!complete)
			box.appendChild(el('p', 'results-hint', 'Type a second letter to find titles with words that start with it.'));
		results.replaceChildren(box);
		results.classList.add('open');
	}

	function search() {
		var raw = q.value;
		var norm = normalise(raw);
		if (!norm) {
			clearResults();
			return;
		}
		var words = norm.split(' ');
		var shard = shardFor(words);
		var seq = ++searchSeq;
		results.setAttribute('aria-busy', 'true');
		fetchShard(shard.name).then(function (rows) {
			if (seq !== searchSeq)
				return;
			var hits = rows.filter(function (r) {
				return Array.isArray(r) && ID_RE.test(String(r[0])) && matches(words, r[3]);
			});
			/* titles that start with the query first, then by title */
			var key = function (r) { return String(r[3]).lastIndexOf(norm, 0) === 0 ? 0 : 1; };
			hits.sort(function (a, b) {
				return key(a) - key(b) || String(a[3]).localeCompare(String(b[3])) || a[0] - b[0];
			});
			results.removeAttribute('aria-busy');
			showResults(raw.trim(), hits, shard.complete);
		}, function () {
			if (seq !== searchSeq)
				return;
			results.removeAttribute('aria-busy');
			results.replaceChildren(notice('error', 'Search is unavailable',
			    ['The title index could not be loaded. Try again in a moment.']));
			results.classList.add('open');
		});
	}

	function onSearchInput() {
		window.clearTimeout(searchTimer);
		searchTimer = window.setTimeout(search, DEBOUNCE_MS);
	}

	/* ---------------------------------------------------------------- */
	/* Rating widgets (form.rate). */

	function starsText(v) {
		return v + (v === 1 ? ' star' : ' stars');
	}

	function onRateChange(ev) {
		var input = ev.target;
		if (!(input instanceof HTMLInputElement) || input.name !== 'rating')
			return;
		var form = input.closest('form.rate');
		if (!form)
			return;
		var out = form.querySelector('output.rate-status');
		if (out) {
			out.className = 'rate-status';
			out.textContent = starsText(Number(input.value)) + ' chosen: press Rate to save.';
		}
	}

	function onRateSubmit(ev) {
		var form = ev.target;
		if (!(form instanceof HTMLFormElement) || !form.classList.contains('rate'))
			return;
		ev.preventDefault();
		var out = form.querySelector('output.rate-status');
		var btn = form.querySelector('button[type="submit"], button:not([type])');
		var checked = form.querySelector('input[name="rating"]:checked');
		var say = function (cls, text) {
			if (!out)
				return;
			out.className = 'rate-status ' + cls;
			out.textContent = text;
		};
		var movie = Number((form.querySelector('input[name="movie"]') || {}).value || form.dataset.film);
		if (!checked) {
			say('is-error', 'Choose a number of stars first.');
			return;
		}
		var rating = Number(checked.value);
		if (!(movie > 0) || !(rating >= 0.5 && rating <= 5)) {
			say('is-error', 'This rating widget is broken: reload the page.');
			return;
		}
		if (btn)
			btn.disabled = true;
		form.setAttribute('aria-busy', 'true');
		say('is-pending', 'Saving…');
		var action = form.getAttribute('action') || '/api/rate';
		var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
		if (csrf.get())
			headers['X-CSRF-Token'] = csrf.get();
		fetch(action, {
			method: 'POST',
			credentials: 'same-origin',
			headers: headers,
			body: JSON.stringify({ movie: movie, rating: rating })
		}).then(function (r) {
			if (r.ok)
				say('is-ok', 'Saved: ' + starsText(rating) + '. Thank you! Your next picks take it into account.');
			else if (r.status === 405 || r.status === 501 || r.status === 502 || r.status === 503)
				say('is-error', NOT_RUNNING);
			else if (r.status === 404)
				say('is-error', 'This film is not in the catalogue any more.');
			else if (r.status === 401)
				say('is-error', 'Log in to save your rating.');
			else if (r.status === 403)
				say('is-error', 'Your rating was refused: log in again and retry.');
			else if (r.status === 400 || r.status === 422)
				say('is-error', 'The rating service refused this rating (error ' + r.status + ').');
			else
				say('is-error', 'Your rating could not be saved (error ' + r.status + '). Please try again later.');
		}, function () {
			say('is-error', NOT_RUNNING);
		}).finally(function () {
			if (btn)
				btn.disabled = false;
			form.removeAttribute('aria-busy');
		});
	}


	/* ---------------------------------------------------------------- */
	/* Sign up, log in, log out (the endpoint, /api/). */

	var loginBtn, signupBtn, logoutBtn;
	var SIGNUP_FILMS = 12;	/* films offered to rate at signup */
	var HALVES = ['0.5', '1.0', '1.5', '2.0', '2.5', '3.0', '3.5', '4.0', '4.5', '5.0'];

	/* POST JSON to the endpoint; resolves to { status, body }. */
	function api(route, obj) {
		var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
		if (csrf.get())
			headers['X-CSRF-Token'] = csrf.get();
		return fetch('/api/' + route, {
			method: 'POST',
			credentials: 'same-origin',
			headers: headers,
			body: JSON.stringify(obj)
		}).then(function (r) {
			return r.json().catch(function () { return {}; }).then(function (b) {
				return { status: r.status, body: b || {} };
			});
		});
	}

	/* A login or signup answer: remember the path and the token. */
	function signedIn(body) {
		var m = /^m\/([0-9a-f]{32})\/$/.exec(body.path || '');
		if (!m || !TOKEN_RE.test(body.csrf || ''))
			return false;
		if (m[1] !== store.get())
			recs = { member: null, html: null, shown: false };
		store.set(m[1]);
		csrf.set(body.csrf);
		updateWho();
		return true;
	}

	function field(form, label, name, type, auto) {
		var id = 'acct-' + name;
		var p = el('p', 'field');
		var l = el('label', null, label);
		l.htmlFor = id;
		var i = el('input');
		i.id = id;
		i.name = name;
		i.type = type;
		i.required = true;
		i.autocomplete = auto;
		if (name === 'username') {
			i.minLength = 3;
			i.maxLength = 32;
			i.pattern = '[A-Za-z0-9_.\\-]{3,32}';
			i.spellcheck = false;
		} else {
			i.minLength = 8;
			i.maxLength = 128;
		}
		p.append(l, i);
		form.appendChild(p);
		return i;
	}

	function formStatus(form) {
		var o = el('output', 'rate-status');
		o.setAttribute('aria-live', 'polite');
		form.appendChild(o);
		return function (cls, text) {
			o.className = 'rate-status ' + cls;
			o.textContent = text;
		};
	}

	function apiError(r, what) {
		if (r.status === 401)
			return 'Wrong username or password.';
		if (r.status === 409)
			return 'This username is taken: choose another one.';
		if (r.status === 429)
			return 'Too many attempts: wait a few minutes and try again.';
		if (r.status === 400 && r.body && r.body.error)
			return 'Please check the form: ' + r.body.error + '.';
		if (r.status === 404 && r.body && r.body.error && /ratings|movie/.test(r.body.error))
			return 'One of the films is not in the catalogue any more: reload the page.';
		if (r.status >= 500 || r.status === 404)
			return NOT_RUNNING.replace('Ratings', what);
		return what + ' failed (error ' + r.status + ').';
	}

	function showLogin() {
		++viewSeq;
		view.removeAttribute('aria-busy');
		var form = el('form', 'account');
		form.id = 'login-form';
		form.noValidate = false;
		var h = el('h2', null, 'Log in');
		h.tabIndex = -1;
		form.appendChild(h);
		var u = field(form, 'Username', 'username', 'text', 'username');
		var pw = field(form, 'Password', 'password', 'password', 'current-password');
		var b = el('button', 'primary', 'Log in');
		b.type = 'submit';
		form.appendChild(b);
		var say = formStatus(form);
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			b.disabled = true;
			say('is-pending', 'Logging in…');
			csrf.set(null);
			api('login', { username: u.value, password: pw.value }).then(function (r) {
				if (r.status === 200 && signedIn(r.body)) {
					say('is-ok', 'Welcome back!');
					recommend();
				} else
					say('is-error', apiError(r, 'Logging in'));
			}, function () {
				say('is-error', NOT_RUNNING.replace('Ratings', 'Logging in'));
			}).finally(function () { b.disabled = false; });
		});
		show(form);
		u.focus();
	}

	function showSignup() {
		var seq = startView('Loading films to rate…');
		fetch('genre/all.json', { credentials: 'same-origin' }).then(function (r) {
			if (!r.ok)
				throw new Error('HTTP ' + r.status);
			return r.json();
		}).then(function (g) {
			var films = (g.films || []).slice(0, SIGNUP_FILMS);
			var form = el('form', 'account');
			form.id = 'signup-form';
			var h = el('h2', null, 'Sign up');
			h.tabIndex = -1;
			form.appendChild(h);
			var u = field(form, 'Username', 'username', 'text', 'username');
			var pw = field(form, 'Password (8 characters or more)', 'password', 'password', 'new-password');
			var fs = el('fieldset', 'signup-films');
			fs.appendChild(el('legend', null, 'Rate at least 3 films you have seen'));
			var sels = [];
			films.forEach(function (f) {
				if (!(f.id > 0))
					return;
				var p = el('p', 'field');
				var id = 'acct-film-' + f.id;
				var l = el('label', null, f.title + (f.year ? ' (' + f.year + ')' : ''));
				l.htmlFor = id;
				var s = el('select');
				s.id = id;
				s.dataset.film = String(f.id);
				s.appendChild(el('option', null, 'Not seen')).value = '';
				HALVES.forEach(function (v) {
					s.appendChild(el('option', null, starsText(Number(v)))).value = v;
				});
				p.append(l, s);
				fs.appendChild(p);
				sels.push(s);
			});
			form.appendChild(fs);
			var b = el('button', 'primary', 'Sign up');
			b.type = 'submit';
			form.appendChild(b);
			var say = formStatus(form);
			form.addEventListener('submit', function (ev) {
				ev.preventDefault();
				var rated = sels.filter(function (s) { return s.value; })
				    .map(function (s) { return s.dataset.film + ':' + s.value; });
				if (rated.length < 3) {
					say('is-error', 'Rate at least 3 films (' + rated.length + ' so far).');
					return;
				}
				b.disabled = true;
				say('is-pending', 'Creating your account…');
				csrf.set(null);
				api('signup', { username: u.value, password: pw.value,
				    ratings: rated.join(',') }).then(function (r) {
					if (r.status === 201 && signedIn(r.body))
						showForYou(r.body.for_you, true);
					else
						say('is-error', apiError(r, 'Signing up'));
				}, function () {
					say('is-error', NOT_RUNNING.replace('Ratings', 'Signing up'));
				}).finally(function () { b.disabled = false; });
			});
			if (endView(seq, form))
				u.focus();
		}, function () {
			endView(seq, networkProblem('the films to rate'), 'h2');
		});
	}

	/*
	 * A list from the endpoint's JSON ("for_you": [{id, title, year,
	 * poster}]): for a member the last nightly run did not know yet.
	 */
	function showForYou(list, welcome) {
		++viewSeq;
		view.removeAttribute('aria-busy');
		var sec = el('section', 'member for-you-live');
		var h = el('h2', null, welcome ? 'Welcome! Picked for you from your first ratings' :
		    'Picked for you from your ratings');
		h.tabIndex = -1;
		sec.appendChild(h);
		sec.appendChild(el('p', 'recs-note', 'Your full page with film cards arrives after the next nightly run.'));
		var ol = el('ol', 'ranked');
		(list || []).forEach(function (f) {
			if (!(f.id > 0))
				return;
			var li = el('li', 'mini');
			li.dataset.film = String(f.id);
			var a = el('a');
			a.href = '#film=' + f.id;
			if (typeof f.poster === 'string' && /^poster\/[0-9A-Za-z._-]+\.png$/.test(f.poster)) {
				var img = el('img');
				img.src = f.poster;
				img.width = 60;
				img.height = 90;
				img.alt = '';
				a.appendChild(img);
			}
			a.appendChild(el('span', 'mini-title', String(f.title || '')));
			if (f.year)
				a.appendChild(el('span', 'mini-year', ' (' + f.year + ')'));
			li.appendChild(a);
			ol.appendChild(li);
		});
		if (!ol.children.length)
			sec.appendChild(el('p', 'empty', 'No recommendation yet: rate a few films and come back after the next nightly run.'));
		sec.appendChild(ol);
		show(sec);
		h.focus();
	}

	function logout() {
		api('logout', {}).catch(function () {}).finally(function () {
			csrf.set(null);
			store.set(null);
			recs = { member: null, html: null, shown: false };
			updateWho();
			++viewSeq;
			show(notice('info', 'You are logged out', ['See you soon.']));
		});
	}

	/* ---------------------------------------------------------------- */

	// The operator's maintenance flag (marquee maintenance): the health
	// route says so; a banner tells members that changes wait.
	function showMaintenance() {
		fetch('api/health', { credentials: 'same-origin' })
		    .then(function (r) { return r.ok ? r.json() : null; })
		    .then(function (h) {
			if (!h || typeof h.maintenance !== 'string')
				return;
			var b = document.createElement('p');
			b.className = 'maintenance';
			b.setAttribute('role', 'status');
			b.textContent = h.maintenance +
			    ' Ratings and sign-ups are paused meanwhile.';
			var main = document.querySelector('main');
			if (main)
				main.insertBefore(b, main.firstChild);
		    })
		    .catch(function () { /* no endpoint: a static copy */ });
	}

	function init() {
		view = $('#view');
		results = $('#search-results');
		who = $('#who');
		recommendBtn = $('#recommend');
		countSel = $('#count');
		forgetBtn = $('#forget');
		loginBtn = $('#login');
		signupBtn = $('#signup');
		logoutBtn = $('#logout');
		if (!loginBtn || !signupBtn || !logoutBtn)
			loginBtn = signupBtn = logoutBtn = null;
		q = $('#q');
		if (!view || !results || !recommendBtn || !countSel || !q)
			return;
		document.documentElement.classList.add('js');
		showMaintenance();

		recommendBtn.addEventListener('click', recommend);
		countSel.addEventListener('change', function () {
			if (recs.shown && view.querySelector('.member'))
				applyCount();
		});
		if (forgetBtn)
			forgetBtn.addEventListener('click', function () {
				store.set(null);
				csrf.set(null);
				recs = { member: null, html: null, shown: false };
				updateWho();
				if (view.querySelector('.member'))
					view.replaceChildren();
				if (/(^#|&)m=/.test(window.location.hash))
					history.replaceState(null, '', window.location.pathname + window.location.search);
				recommendBtn.focus();
			});

		if (loginBtn) {
			loginBtn.addEventListener('click', showLogin);
			signupBtn.addEventListener('click', showSignup);
			logoutBtn.addEventListener('click', logout);
		}

		q.addEventListener('input', onSearchInput);
		q.addEventListener('keydown', function (ev) {
			if (ev.key === 'Escape') {
				q.value = '';
				clearResults();
			} else if (ev.key === 'ArrowDown') {
				var first = results.querySelector('a');
				if (first) {
					ev.preventDefault();
					first.focus();
				}
			}
		});
		$('#search').addEventListener('submit', function (ev) {
			ev.preventDefault();
			window.clearTimeout(searchTimer);
			search();
		});
		results.addEventListener('keydown', function (ev) {
			if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp' && ev.key !== 'Escape')
				return;
			var links = Array.prototype.slice.call(results.querySelectorAll('a'));
			var i = links.indexOf(document.activeElement);
			if (i < 0)
				return;
			ev.preventDefault();
			if (ev.key === 'Escape')
				q.focus();
			else if (ev.key === 'ArrowDown')
				links[Math.min(i + 1, links.length - 1)].focus();
			else if (i === 0)
				q.focus();
			else
				links[i - 1].focus();
		});
		results.addEventListener('click', function (ev) {
			if (ev.target instanceof Element && ev.target.closest('a'))
				window.setTimeout(clearResults, 0);
		});

		document.addEventListener('submit', onRateSubmit);
		document.addEventListener('change', onRateChange);
		window.addEventListener('hashchange', route);

		updateWho();
		route();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
})();
