/*
 * Offline search for the static procedure export (规程门户).
 *
 * Finds exactly what the live search finds: a clause matches when its
 * normalized text contains every query term as a substring. normalize() and
 * parseQuery() mirror portal/procedures/search_text.py; the index format is
 * described in portal/procedures/static_search.py.
 *
 * Usage (works from file:// too, no network, no build step):
 *   <script src="static/js/offline-search.js" data-search-base="search/"></script>
 *   <input id="offline-q" type="search"> <div id="offline-results"></div>
 * data-search-base is resolved against the page URL; result links are
 * resolved against data-site-root (default: the parent of the search base).
 *
 * API: PortalSearch.query(q) -> Promise<[{kind, id, url, href, code, title,
 * label, snippet, marks, score}]> best first, ranked as the live search ranks
 * (portal/search/ranking.py, weights from meta.js; word boundaries are not
 * known offline): grouped by procedure, the procedure itself first when its
 * code, title, aliases or preamble contain every term (kind "procedure", id
 * ""), then its clauses (kind "clause"). marks are [start, end) offsets of the
 * matched terms inside snippet.
 */
(function () {
  "use strict";

  // Exactly the characters for which Python's str.isspace() is true. JS \s
  // differs (it has U+FEFF but lacks U+001C-U+001F and U+0085).
  var WS_RUN = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
  var QUOTES = /["\u201c\u201d]/;
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var SNIPPET_CHARS = 60;
  var SNIPPET_LEAD = 20;
  // A snippet may start after one of these (spaces and CJK or ASCII punctuation).
  var BREAK = /[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2018-\u201d!-\/:-@\[-`{-~]/;
  var RENDER_LIMIT = 200;
  var DEBOUNCE_MS = 150;
  var FORMAT = 2; // static_search.FORMAT_VERSION

  var script = document.currentScript;
  var registry = {}; // shard name -> parsed payload
  var pending = {}; // shard name -> Promise
  var loadedFiles = [];
  var settings = { base: null, siteRoot: null };
  var DIGITS = {};
  for (var d = 0; d < ALPHABET.length; d++) DIGITS[ALPHABET.charCodeAt(d)] = d;

  /* ---- search_text mirror ------------------------------------------- */

  // toLowerCase() and Python's str.lower() both apply the full Unicode
  // lower-case mapping (incl. final sigma); they differ only on characters
  // newer than one side's Unicode tables.
  function normalize(text) {
    return String(text).toLowerCase().replace(WS_RUN, " ").replace(/^ | $/g, "");
  }

  function parseQuery(q) {
    var terms = [];
    // Like Python's re.split, odd pieces are inside quotes (toggle rule).
    String(q).split(QUOTES).forEach(function (segment, index) {
      var normalized = normalize(segment);
      if (!normalized) return;
      var pieces = index % 2 ? [normalized] : normalized.split(" ");
      pieces.forEach(function (piece) {
        if (terms.indexOf(piece) < 0) terms.push(piece);
      });
    });
    return terms;
  }

  function matches(textNormalized, terms) {
    return terms.length > 0 && terms.every(function (t) { return textNormalized.indexOf(t) >= 0; });
  }

  /* ---- shard loading ------------------------------------------------ */

  function baseUrl() {
    if (!settings.base) {
      var holder = script && script.hasAttribute("data-search-base")
        ? script : document.querySelector("[data-search-base]");
      var base = holder ? holder.getAttribute("data-search-base") : "search/";
      settings.base = new URL(base, document.baseURI).href;
    }
    return settings.base;
  }

  function siteRoot() {
    if (!settings.siteRoot) {
      var holder = document.querySelector("[data-site-root]");
      settings.siteRoot = holder
        ? new URL(holder.getAttribute("data-site-root"), document.baseURI).href
        : new URL("../", baseUrl()).href;
    }
    return settings.siteRoot;
  }

  // Called by every index file. The digest ties shards to one build, so a
  // stale cached shard is reported instead of giving silently wrong results.
  function shard(name, digest, payload) {
    if (name === "meta") {
      payload.digest = digest;
      registry.meta = payload;
      return;
    }
    if (registry.meta && registry.meta.digest !== digest) {
      registry[name] = new Error("search index shard " + name + " is from another build");
      return;
    }
    registry[name] = name.charAt(0) === "t" ? payload : parseShard(payload);
  }

  function load(name) {
    if (pending[name]) return pending[name];
    var promise = new Promise(function (resolve, reject) {
      if (name in registry) return settle(name, resolve, reject);
      var tag = document.createElement("script");
      tag.src = new URL(name + ".js", baseUrl()).href;
      tag.async = true;
      tag.onload = function () {
        tag.remove();
        loadedFiles.push(name + ".js");
        settle(name, resolve, reject);
      };
      tag.onerror = function () {
        tag.remove();
        reject(new Error("cannot load search index file " + tag.src));
      };
      (document.head || document.documentElement).appendChild(tag);
    });
    pending[name] = promise;
    promise.catch(function () { delete pending[name]; delete registry[name]; });
    return promise;
  }

  function settle(name, resolve, reject) {
    var value = registry[name];
    if (value === undefined) reject(new Error("search index file " + name + ".js did not register"));
    else if (value instanceof Error) reject(value);
    else resolve(value);
  }

  function shardName(kind, index, count) {
    var hex = index.toString(16);
    var width = Math.max(2, (count - 1).toString(16).length);
    while (hex.length < width) hex = "0" + hex;
    return kind + "-" + hex;
  }

  /* ---- postings ----------------------------------------------------- */

  // Same function as static_search.gram_hash: FNV-1a over code points plus
  // the murmur3 finalizer, as unsigned 32-bit.
  function gramHash(gram) {
    var h = 0x811c9dc5;
    for (var i = 0; i < gram.length; i++) {
      var cp = gram.codePointAt(i);
      if (cp > 0xffff) i++;
      h = Math.imul(h ^ cp, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  // Packed payload: gram (gramLength code points), varint count, then the
  // first document number and the gaps minus one.
  function parseGrams(packed, gramLength) {
    var map = new Map();
    var pos = 0;
    function varint() {
      var value = 0, shift = 1, digit;
      do {
        digit = DIGITS[packed.charCodeAt(pos++)];
        value += (digit & 31) * shift;
        shift *= 32;
      } while (digit >= 32);
      return value;
    }
    while (pos < packed.length) {
      var start = pos;
      for (var k = 0; k < gramLength; k++) pos += packed.codePointAt(pos) > 0xffff ? 2 : 1;
      var gram = packed.slice(start, pos);
      var count = varint(), list = new Array(count), previous = -1;
      for (var j = 0; j < count; j++) previous = list[j] = previous + 1 + varint();
      map.set(gram, list);
    }
    return map;
  }

  function parseShard(payload) {
    var unigrams = parseGrams(payload[0], 1), bigrams = parseGrams(payload[1], 2);
    bigrams.forEach(function (list, gram) { unigrams.set(gram, list); });
    return unigrams;
  }

  // Document counts of the common characters (meta.common: character, varint).
  var commonCounts = null;
  function charCount(meta, ch) {
    if (!commonCounts) {
      commonCounts = new Map();
      var packed = meta.common, pos = 0;
      while (pos < packed.length) {
        var start = pos;
        pos += packed.codePointAt(pos) > 0xffff ? 2 : 1;
        var ch0 = packed.slice(start, pos), value = 0, shift = 1, digit;
        do {
          digit = DIGITS[packed.charCodeAt(pos++)];
          value += (digit & 31) * shift;
          shift *= 32;
        } while (digit >= 32);
        commonCounts.set(ch0, value);
      }
    }
    if (ch === " ") return Infinity; // not a unigram of the index: never the one looked up
    return commonCounts.has(ch) ? commonCounts.get(ch) : 0;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) i++;
      else if (a[i] > b[j]) j++;
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  // The grams of each term (its character, or its bigrams) and the one gram shard a term needs:
  // that of its rarest character (a gram shard holds a character and the bigrams starting with
  // it). Grams whose shard is loaded anyway narrow the candidates further.
  function plan(terms, meta) {
    var count = meta.shards.g;
    var grams = [], shards = [];
    terms.forEach(function (term) {
      var chars = Array.from(term);
      var own = chars.length === 1 ? chars : chars.slice(1).map(function (c, i) { return chars[i] + c; });
      var best = 0;
      own.forEach(function (gram, i) {
        if (charCount(meta, Array.from(gram)[0]) < charCount(meta, Array.from(own[best])[0])) best = i;
      });
      own.forEach(function (gram) {
        grams.push({ gram: gram, shard: shardName("g", gramHash(Array.from(gram)[0]) % count, count) });
      });
      shards.push(grams[grams.length - own.length + best].shard);
    });
    return { grams: grams, shards: unique(shards) };
  }

  function candidates(lookups) {
    var lists = lookups.grams.filter(function (l) { return l.shard in registry; })
      .map(function (l) { return registry[l.shard].get(l.gram) || []; });
    lists.sort(function (a, b) { return a.length - b.length; });
    return lists.slice(1).reduce(function (acc, list) { return acc.length ? intersect(acc, list) : acc; }, lists[0]);
  }

  function textShardOf(doc, meta) {
    var starts = meta.text_starts, lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= doc) lo = mid; else hi = mid - 1;
    }
    return { name: shardName("t", lo, starts.length), offset: doc - starts[lo] };
  }

  /* ---- results ------------------------------------------------------ */

  function displayText(record) {
    var text = record[4], overlay = record[5] || null;
    if (!overlay) return text;
    var out = "", pos = 0;
    overlay.forEach(function (run) {
      out += text.slice(pos, run[0]) + run[1];
      pos = run[0] + run[1].length;
    });
    return out + text.slice(pos);
  }

  function isLowSurrogate(text, index) {
    var c = text.charCodeAt(index);
    return c >= 0xdc00 && c <= 0xdfff;
  }

  // About SNIPPET_CHARS characters starting a little before the first match
  // (after a punctuation mark when one is near), with [start, end) offsets of
  // every term occurrence inside it. The clause number (record[6] units) is
  // skipped: the label shows it, as the live search does.
  function snippet(record, terms) {
    var text = record[4], lead = record[6] || 0, first = text.length;
    terms.forEach(function (t) {
      var at = text.indexOf(t, lead);
      if (at >= 0) first = Math.min(first, at);
    });
    if (first === text.length) first = lead; // found in the number only
    var start = Math.max(lead, Math.min(first - SNIPPET_LEAD, text.length - SNIPPET_CHARS));
    if (start - lead <= 8) start = lead; // near the start: show it from the start
    for (var back = start; back > Math.max(lead, start - 8); back--) {
      if (BREAK.test(text.charAt(back - 1))) { start = back; break; }
    }
    var end = Math.min(text.length, start + SNIPPET_CHARS);
    if (isLowSurrogate(text, start)) start--;
    if (end < text.length && isLowSurrogate(text, end)) end++;
    var ranges = [];
    terms.forEach(function (t) {
      for (var at = text.indexOf(t, Math.max(0, start - t.length + 1)); at >= 0 && at < end; at = text.indexOf(t, at + 1)) {
        ranges.push([Math.max(at, start), Math.min(at + t.length, end)]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var prefix = start > lead ? "…" : "", shift = prefix.length - start, marks = [];
    ranges.forEach(function (r) {
      var last = marks[marks.length - 1];
      // Overlapping or touching occurrences become one <mark>.
      if (last && r[0] + shift <= last[1]) last[1] = Math.max(last[1], r[1] + shift);
      else marks.push([r[0] + shift, r[1] + shift]);
    });
    var body = displayText(record).slice(start, end);
    return { text: prefix + body + (end < text.length ? "…" : ""), marks: marks };
  }

  /* ---- ranking: portal/search/ranking.py ---------------------------- */

  function count(text, term) {
    var n = 0;
    for (var at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + term.length)) n++;
    return n;
  }

  function termWeight(term) {
    return Math.min(Array.from(term).length, 4) / 2;
  }

  // ranking.revision_score (every offline clause is of a current revision).
  function revisionScore(terms, proc, w) {
    var score = w.W_CURRENT + (proc[4] ? w.W_REVIEWED : 0), title = normalize(proc[1]);
    terms.forEach(function (term) {
      if (title.indexOf(term) >= 0) score += termWeight(term) * w.W_TITLE;
      if (proc[2] && proc[2].indexOf(term) >= 0) score += termWeight(term) * w.W_ALIAS;
    });
    return score;
  }

  // ranking.clause_part without word boundaries. The heading is record[7] units after the
  // number; Python's len() counts code points, so lengths are taken with Array.from.
  function clausePart(terms, record, firstMention, w) {
    var body = record[4], lead = record[6] || 0, heading = body.slice(lead, lead + (record[7] || 0));
    var norm = w.K1 * (1 - w.B + w.B * Array.from(body).length / w.AVG_CHARS), score = 0;
    terms.forEach(function (term) {
      var weight = termWeight(term), tf = count(body, term);
      if (firstMention) score += weight * w.W_FIRST_MENTION;
      if (heading && heading.indexOf(term) >= 0) {
        score += weight * (w.W_HEADING + (heading === term ? w.W_HEADING_EXACT : 0));
      }
      if (tf) score += weight * tf * (w.K1 + 1) / (tf + norm);
    });
    return score;
  }

  // ranking.document_score for a current revision.
  function documentScore(terms, proc, w) {
    var prior = proc[4] ? w.DOC_REVIEWED : 0, whole = terms.join(" ");
    var code = normalize(proc[0]), title = normalize(proc[1]);
    var aliases = proc[2] ? proc[2].split("\n") : [];
    if (whole === code || whole === title) return w.DOC_EXACT + prior;
    if (aliases.indexOf(whole) >= 0) return w.DOC_ALIAS_EXACT + prior;
    var named = [code, title].concat(aliases).join(" ");
    if (terms.every(function (t) { return named.indexOf(t) >= 0; })) {
      var covered = 0;
      terms.forEach(function (t) {
        if (title.indexOf(t) >= 0 || code.indexOf(t) >= 0) covered += Array.from(t).length;
      });
      return w.DOC_NAMED + prior + 10 * covered / Math.max(Array.from(title).length, 1);
    }
    var score = w.DOC_PREAMBLE + prior;
    terms.forEach(function (t) { if (named.indexOf(t) >= 0) score += termWeight(t); });
    return score;
  }

  function procedureResult(proc, terms, score) {
    var aliases = proc[2] ? proc[2].split("\n") : [];
    var named = normalize([proc[0], proc[1]].concat(aliases).join(" "));
    var inNames = terms.every(function (t) { return named.indexOf(t) >= 0; });
    var shown = !inNames && proc[3] ? proc[3] : (aliases.length ? aliases.join("、") : proc[1]);
    var snip = snippet([null, null, null, null, normalize(shown)], terms);
    return {
      kind: "procedure", id: "", url: proc[5], href: new URL(proc[5], siteRoot()).href,
      code: proc[0], title: proc[1], label: proc[1], snippet: snip.text, marks: snip.marks, score: score
    };
  }

  function toResult(record, meta, terms, score) {
    var proc = meta.procs[record[2]], snip = snippet(record, terms);
    return {
      kind: "clause", id: record[0], url: record[1], href: new URL(record[1], siteRoot()).href,
      code: proc[0], title: proc[1], label: record[3], snippet: snip.text, marks: snip.marks,
      score: score
    };
  }

  // As portal.procedures.search.query orders a page: clauses by score (ties in document order),
  // grouped by procedure; groups by their best score, the procedures named first on ties.
  function rank(records, meta, terms) {
    var w = meta.weights, groups = new Map(), firstSeen = {}, base = {};
    var named = [];
    meta.procs.forEach(function (proc, index) {
      if (proc[3] && matches(proc[3], terms)) named.push({ index: index, score: documentScore(terms, proc, w) });
    });
    named.sort(function (a, b) { return b.score - a.score; });
    named.slice(0, meta.document_limit).forEach(function (d) {
      groups.set(d.index, { score: d.score, head: procedureResult(meta.procs[d.index], terms, d.score), hits: [] });
    });
    var scored = records.map(function (item, order) {
      var proc = item.record[2];
      if (!(proc in base)) base[proc] = revisionScore(terms, meta.procs[proc], w);
      var first = !(proc in firstSeen);
      firstSeen[proc] = true;
      return { record: item.record, order: order, score: base[proc] + clausePart(terms, item.record, first, w) };
    });
    scored.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    scored.forEach(function (item) {
      var proc = item.record[2], group = groups.get(proc);
      if (!group) groups.set(proc, group = { score: -Infinity, head: null, hits: [] });
      group.score = Math.max(group.score, item.score);
      group.hits.push(toResult(item.record, meta, terms, item.score));
    });
    var ordered = Array.from(groups.values()).map(function (g, i) { g.order = i; return g; });
    ordered.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    var out = [];
    ordered.forEach(function (g) {
      if (g.head) out.push(g.head);
      out.push.apply(out, g.hits);
    });
    return out;
  }

  function query(q) {
    var terms = parseQuery(q);
    if (!terms.length) return Promise.resolve([]);
    return load("meta").then(function (meta) {
      if (meta.format !== FORMAT) throw new Error("unsupported search index format " + meta.format);
      var lookups = plan(terms, meta);
      return Promise.all(lookups.shards.map(load)).then(function () {
        var docs = candidates(lookups);
        var places = docs.map(function (doc) { return textShardOf(doc, meta); });
        var textShards = unique(places.map(function (p) { return p.name; }));
        return Promise.all(textShards.map(load)).then(function () {
          var found = [];
          places.forEach(function (p) {
            var record = registry[p.name][p.offset];
            // The exact check: postings only narrow the candidates down.
            if (matches(record[4], terms)) found.push({ record: record });
          });
          return rank(found, meta, terms);
        });
      });
    });
  }

  function unique(items) {
    return items.filter(function (item, i) { return items.indexOf(item) === i; });
  }

  /* ---- optional UI -------------------------------------------------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function snippetNode(result) {
    var p = el("p", "offline-search-snippet"), pos = 0, s = result.snippet;
    result.marks.forEach(function (m) {
      p.appendChild(document.createTextNode(s.slice(pos, m[0])));
      p.appendChild(el("mark", null, s.slice(m[0], m[1])));
      pos = m[1];
    });
    p.appendChild(document.createTextNode(s.slice(pos)));
    return p;
  }

  function safeLink(text, result) {
    var link = el("a", null, text);
    // Only plain links: a javascript: URL in an entry must not become clickable.
    if (result.url && /^(https?|file):$/.test(new URL(result.href).protocol)) link.href = result.href;
    return link;
  }

  function render(out, results) {
    out.textContent = "";
    var clauses = results.filter(function (r) { return r.kind === "clause"; }).length;
    var shown = results.slice(0, RENDER_LIMIT);
    var status = clauses ? "共 " + clauses + " 条结果" : "未找到匹配的条款";
    if (results.length > shown.length) status += "，仅显示前 " + RENDER_LIMIT + " 条";
    out.appendChild(el("p", "offline-search-status", status));
    // Grouped by procedure, best first; the procedure itself (when named) heads its group.
    var lists = new Map();
    shown.forEach(function (r) {
      var key = r.code + "\u0000" + r.title;
      if (!lists.has(key)) {
        var section = el("section", "offline-search-group");
        var heading = section.appendChild(el("h3"));
        var name = (r.code ? r.code + " " : "") + r.title;
        if (r.kind === "procedure") heading.appendChild(safeLink(name, r));
        else heading.textContent = name;
        if (r.kind === "procedure") section.appendChild(snippetNode(r)).className = "offline-search-procedure";
        lists.set(key, section.appendChild(el("ul")));
        out.appendChild(section);
      }
      if (r.kind !== "clause") return;
      var item = el("li", "offline-search-result");
      item.appendChild(safeLink(r.label, r));
      item.appendChild(snippetNode(r));
      lists.get(key).appendChild(item);
    });
  }

  function wireUi() {
    var input = document.getElementById("offline-q");
    var out = document.getElementById("offline-results");
    if (!input || !out) return;
    if (!out.hasAttribute("aria-live")) out.setAttribute("aria-live", "polite");
    var timer = null, sequence = 0;
    function run() {
      var mine = ++sequence, q = input.value;
      if (!parseQuery(q).length) { out.textContent = ""; return; }
      query(q).then(function (results) {
        if (mine === sequence) render(out, results);
      }, function (error) {
        if (mine === sequence) { out.textContent = ""; out.appendChild(el("p", "offline-search-error", "搜索索引加载失败：" + error.message)); }
      });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, DEBOUNCE_MS); });
    if (input.form) input.form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); run(); });
    var initial = new URLSearchParams(location.search).get("q");
    if (initial && !input.value) input.value = initial;
    if (input.value) run();
  }

  window.PortalSearch = {
    shard: shard,
    query: query,
    normalize: normalize,
    parseQuery: parseQuery,
    matches: matches,
    configure: function (options) {
      if (options.base) settings.base = new URL(options.base, document.baseURI).href;
      if (options.siteRoot) settings.siteRoot = new URL(options.siteRoot, document.baseURI).href;
    },
    loadedFiles: function () { return loadedFiles.slice(); }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wireUi);
  else wireUi();
})();
