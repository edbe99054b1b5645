// Live table page: speaks docs/protocol.md (phone role). The page works without this file.
(function () {
  'use strict';
  var main = document.getElementById('main');
  if (!main || !main.getAttribute('data-ws') || !window.WebSocket || !window.JSON) return;
  function $(id) { return document.getElementById(id); }
  function attr(n) { return main.getAttribute('data-' + n) || ''; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function all(x) { return Array.prototype.slice.call(x); }
  // The page's words, filled in per language by the server (participant-ui/i18n/*.ftl),
  // which also numbers every message call below (an index into L).
  var L = {};
  function T(k, v) { var s = L[k] || ''; for (var n in v) s = s.replace('{' + n + '}', v[n]); return s; }

  var wsPath = attr('ws'), prefix = attr('agree-prefix'), tableNo = +attr('table'), tableId = attr('table-id');
  var maxSeq = +attr('seq') || 0;
  var theme = attr('theme'), themeDesc = attr('theme-desc'), eventOpen = attr('open') === '1';
  var round = attr('round') ? { id: null, number: +attr('round'), prompt: attr('prompt'), kind: attr('kind') } : null;
  var form = $('post-form'), ta = $('text'), nameIn = $('name'), list = $('comments');
  if (!list) return;
  var cidIn = form && form.elements.client_id, postBtn = form && form.querySelector('button');
  var errBox = $('form-error'), statusBox = $('form-status'), conn = $('conn'), note = $('closed-note');
  var CLOSED_ROUND = T('closed-round'), CLOSED_EVENT = T('closed-event');
  var HINT = T('hint') + ' ', HINT_PRE = T('hint-pre'), HINT_POST = T('hint-post');

  // Storage (may be missing or throw in private modes).
  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function save(k, v) { try { if (v) localStorage.setItem(k, v); else localStorage.removeItem(k); } catch (e) { /* ignore */ } }
  var draftKey = 'rt-draft:' + wsPath, agreedKey = 'rt-agreed:' + wsPath, nameKey = 'rt-name';
  var agreed = {};
  try { (JSON.parse(load(agreedKey)) || []).forEach(function (id) { agreed[id] = true; }); } catch (e) { /* ignore */ }
  function saveAgreed() { save(agreedKey, JSON.stringify(Object.keys(agreed).slice(-500))); }

  function newId() {
    var b = new Uint8Array(16), s = '', i, c = window.crypto || window.msCrypto;
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    for (i = 0; i < 16; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  function say(t) { if (statusBox) statusBox.textContent = t; }
  function setErr(t) { if (errBox) errBox.textContent = t; if (ta) { if (t) ta.setAttribute('aria-invalid', 'true'); else ta.removeAttribute('aria-invalid'); } }

  // Comments: same markup as the server renders.
  function setBtn(b, n, done) {
    var label = (done ? T('you-agreed') : T('agree')) + (n > 0 ? ' · ' + n : '');
    if (b.textContent === label && b.disabled === !!done) return;
    b.textContent = done ? T('you-agreed') : T('agree');
    if (n > 0) b.appendChild(el('span', 'n', ' · ' + n));
    b.disabled = !!done;
    b.className = 'agree-btn' + (done ? ' done' : '');
  }
  function shownName(n) { return n && n.trim() ? n : ''; }
  function key() { return [].join.call(arguments, '\u0001'); }
  function fill(li, c) {
    var fac = c.source === 'facilitator', wall = !!c.highlighted, nm = shownName(c.name), pend = c.approved === false, ed = !!c.edited;
    var f = li.querySelector('.agree-form'), k = key(c.text, nm, fac, wall, pend, ed);
    li.className = 'comment' + (fac ? ' facil' : '') + (wall ? ' wall' : '') + (pend ? ' pending' : '');
    if (li._k !== k) {
      li._k = k;
      while (li.firstChild && li.firstChild !== f) li.removeChild(li.firstChild);
      if (fac || wall || pend) {
        var tags = el('p', 'tags');
        if (pend) tags.appendChild(el('span', 'tag tag-wait', T('tag-waiting')));
        if (fac) tags.appendChild(el('span', 'tag tag-facil', T('tag-facilitator')));
        if (wall) tags.appendChild(el('span', 'tag tag-wall', T('tag-wall')));
        li.insertBefore(tags, f);
      }
      var p = el('p', 'c-text');
      p.appendChild(el('bdi', null, c.text));
      li.insertBefore(p, f);
      if (nm) {
        var by = el('p', 'c-name', '— ');
        by.appendChild(el('bdi', null, nm));
        li.insertBefore(by, f);
      }
      if (ed) li.insertBefore(el('p', 'c-note', '(corrected by facilitator)'), f);
    }
    li._n = +c.agrees || 0;
    setBtn(f.querySelector('button'), li._n, agreed[c.id]);
  }
  function build(c) {
    var li = el('li'), f = el('form', 'agree-form'), b = el('button'), a = el('a', 'reply', T('reply'));
    li.id = 'c-' + c.id;
    li.setAttribute('data-id', c.id);
    if (c.reply_to != null) li.setAttribute('data-reply-to', c.reply_to);
    f.setAttribute('method', 'post');
    f.setAttribute('action', prefix + c.id + '/agree');
    b.type = 'submit';
    a.id = 'reply-' + c.id;
    a.href = '?reply=' + c.id + '#post-form';
    f.appendChild(b);
    f.appendChild(a);
    li.appendChild(f);
    fill(li, c);
    return li;
  }
  function num(e, a) { return +e.getAttribute(a); }
  // Roots newest first; a reply goes under its comment (oldest first) when that is a root
  // on the page, else it stands alone. Same rule as `threads` in lib.rs.
  function place(li) {
    var p = $('c-' + li.getAttribute('data-reply-to')), ul = list, sub = 0, id = num(li, 'data-id'), k, i;
    if (p && p.parentNode === list && !p.hasAttribute('data-reply-to')) {
      ul = p.querySelector('.replies') || p.appendChild(el('ul', 'replies'));
      sub = 1;
    }
    k = ul.children;
    for (i = 0; i < k.length; i++) if (sub ? num(k[i], 'data-id') > id : num(k[i], 'data-id') < id) break;
    ul.insertBefore(li, k[i] || null);
  }
  function updEmpty() { var e = $('no-comments'); if (e) e.hidden = list.children.length > 0; }
  // `mine`: dropped by the server; a .pending one is this phone's own, waiting for approval.
  function removeC(id, mine) {
    var li = $('c-' + id), r = li && li.querySelector('.replies');
    if (mine && li && li.classList.contains('pending')) say(T('turned-down'));
    if (li && li.parentNode) li.parentNode.removeChild(li);
    if (r) all(r.children).forEach(place);
    updEmpty();
  }
  function upsert(c) {
    if (!c || c.id == null) return;
    if (c.hidden) { removeC(c.id); return; }
    var li = $('c-' + c.id);
    if (li) { fill(li, c); return; }
    place(build(c));
    if (c.reply_to == null) all(list.children).forEach(function (k) { if (k.getAttribute('data-reply-to') == c.id) place(k); });
    updEmpty();
  }
  // Screen readers hear new comments from others politely, gathered: at most one
  // announcement every 8 s ("New comment: …", or "3 new comments"), never one per message.
  var srBox = $('comments-sr'), srNew = [], srMine = {}, srWait = null, srLast = 0;
  function heard(c) {
    if (!srBox) return;
    srNew.push(c);
    if (!srWait) srWait = setTimeout(readOut, Math.max(3000, 8000 - (Date.now() - srLast)));
  }
  function readOut() {
    srWait = null;
    var fresh = srNew.filter(function (c) { return !srMine[c.id] && $('c-' + c.id); });
    srNew = [];
    if (!fresh.length) return;
    srLast = Date.now();
    srBox.textContent = fresh.length === 1 ? T('new-comment', { text: fresh[0].text.slice(0, 140) })
      : T('new-comments', { n: fresh.length });
  }
  // Adopt the server-rendered comments.
  all(list.querySelectorAll('li')).forEach(function (li) {
    var id = li.getAttribute('data-id'), t = li.querySelector('.c-text'), nm = li.querySelector(':scope>.c-name bdi');
    var b = li.querySelector('.agree-btn'), n = b && b.querySelector('.n'), cl = li.classList;
    li._k = key(t ? t.textContent : '', nm ? nm.textContent : '', cl.contains('facil'), cl.contains('wall'),
      cl.contains('pending'), !!li.querySelector(':scope>.c-note'));
    li._n = n ? +(n.textContent.match(/\d+/) || [0])[0] : 0;
    if (b && b.disabled) agreed[id] = true;
    else if (b && agreed[id]) setBtn(b, li._n, true);
  });

  // What is running now, counted down on the server's clock; the room's message; who's here.
  var offset = (+attr('now') || Date.now()) - Date.now(), endsAt = 0, tick = null, cdItem = null;
  var strip = $('agenda-now'), cd = $('countdown'), ann = $('announcement'), present = $('present');
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function showCd() {
    var s = Math.ceil((endsAt - Date.now() - offset) / 1000);
    if (!cd) return;
    // Posting goes on past zero until the round is closed.
    var more = cdItem && cdItem.kind === 'round' && eventOpen && round && (round.id == null || cdItem.round_id === round.id);
    cd.textContent = !endsAt ? '' : s > 0 ? two(Math.floor(s / 60)) + ':' + two(s % 60)
      : T('times-up') + (more ? ' · ' + T('still-post') : '');
    cd.className = 'cd' + (endsAt && s <= 0 ? ' over' : '');
  }
  function ticking() { clearInterval(tick); tick = endsAt ? setInterval(showCd, 1000) : null; showCd(); }
  function onAgenda(a) {
    var cur = a && a.current, it = null, t = $('agenda-title');
    ((a && a.items) || []).forEach(function (x) { if (cur && x.id === cur.item_id) it = x; });
    endsAt = (it && cur.ends_at) || 0;
    cdItem = it;
    if (strip) strip.hidden = !it;
    var pc = $('pledge-card'); // shown while the pledges item runs, or once pledged
    if (pc && !pc.hasAttribute('data-pledged')) pc.hidden = !(it && it.kind === 'pledges');
    if (it && t) { t.textContent = ''; t.appendChild(el('bdi', null, (it.title || '') + (it.speaker && it.speaker.trim() ? ': ' + it.speaker.trim() : ''))); }
    ticking();
  }
  function onMod(m) {
    var h = $('text-hint'), t = HINT + (m === 'pre' ? HINT_PRE : HINT_POST);
    if (h && (m === 'pre' || m === 'post') && h.textContent !== t) h.textContent = t;
  }
  function onAnn(a) { if (ann) ann.textContent = (a && a.text) || ''; }
  function onPresence(t) {
    var n = t ? +t[tableId] || 0 : 0;
    if (!present || !t) return;
    present.hidden = n < 1;
    present.textContent = n === 1 ? T('present-one', { n: n }) : T('present-many', { n: n });
  }
  if (strip && !strip.hidden) { endsAt = num(strip, 'data-end') || 0; ticking(); }

  // Question area and whether posting is possible.
  var wasOpen = eventOpen && !!round;
  function renderState() {
    var ok = eventOpen && !!round, pr = $('prompt'), title = theme || T('table-n', { n: tableNo });
    if (pr) {
      while (pr.firstChild) pr.removeChild(pr.firstChild);
      pr.appendChild(el('p', 'kicker', T('table-n', { n: tableNo }) + (ok ? ' · ' + T('round-n', { n: round.number }) : '')));
      if (ok && round.kind !== 'theme' && round.prompt && round.prompt.trim()) {
        pr.appendChild(el('h1', null, round.prompt));
        if (theme.trim()) pr.appendChild(el('p', 'theme-line', T('your-theme', { theme: theme })));
      } else {
        pr.appendChild(el('h1', null, title));
        if (ok && round.prompt && round.prompt.trim()) pr.appendChild(el('p', 'ask', round.prompt));
        if (themeDesc.trim()) pr.appendChild(el('p', 'desc', themeDesc));
      }
    }
    if (form) form.hidden = !ok;
    main.classList.toggle('noform', !ok);
    if (outbox && outbox.length) renderOut();
    // #closed-note is a live region: it alone says why posting is closed (not #form-status too).
    var why = ok ? '' : eventOpen ? CLOSED_ROUND : CLOSED_EVENT;
    if (note && note.textContent !== why) note.textContent = why;
    if (ok !== wasOpen) { say(ok ? T('write-now') : ''); wasOpen = ok; }
    showCd();
  }
  function onRound(r) {
    if (!r) return;
    if (r.status === 'open') round = r;
    else if (round && (round.id != null ? round.id === r.id : round.number === r.number)) round = null;
    renderState();
  }
  function onSnapshot(st) {
    var seen = {};
    eventOpen = !(st.event && st.event.open === false);
    round = null;
    (st.rounds || []).forEach(function (r) { if (r.status === 'open') round = r; });
    (st.tables || []).forEach(function (t) {
      if (t.number === tableNo) { theme = t.theme || ''; themeDesc = t.description || ''; }
    });
    onMod(st.event && st.event.moderation);
    var cs = (st.comments || []).filter(function (c) { return !c.hidden; });
    cs.forEach(function (c) { seen[c.id] = true; });
    all(list.querySelectorAll('li')).forEach(function (li) {
      var id = li.getAttribute('data-id');
      if (!seen[id]) removeC(id, 1);
    });
    cs.forEach(upsert);
    updEmpty();
    renderState();
    if ('agenda' in st) onAgenda(st.agenda);
    if ('announcement' in st) onAnn(st.announcement);
    if (st.presence) onPresence(st.presence.tables || st.presence);
    if (typeof st.now === 'number') offset = st.now - Date.now();
  }

  // Socket with resume, back-off and a dead-man timer.
  var ws = null, attempt = 0, timer = null, dead = null, last = Date.now();
  function isOpen() { return !!ws && ws.readyState === 1; }
  function send(o) { if (!isOpen()) return false; try { ws.send(JSON.stringify(o)); return true; } catch (e) { return false; } }
  function setConn(t, cls) {
    if (conn && conn.textContent !== t) {
      conn.textContent = t;
      conn.className = 'conn ' + cls;
      conn.setAttribute('data-state', cls === 'on' ? 'live' : 'reconnecting');
    }
  }
  function arm(ms) { clearTimeout(dead); dead = setTimeout(drop, ms); }
  function schedule() {
    if (timer) return;
    var d = Math.min(10000, 500 * Math.pow(2, Math.min(attempt++, 6)) * (0.5 + Math.random()));
    timer = setTimeout(function () { timer = null; connect(); }, d);
  }
  function drop() {
    var s = ws;
    ws = null;
    clearTimeout(dead);
    if (s) { s.onopen = s.onmessage = s.onclose = null; try { s.close(); } catch (e) { /* ignore */ } }
    setConn(T('reconnecting'), 'off');
    onDown();
    schedule();
    flush();
  }
  function connect() {
    if (ws) return;
    var s, url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + wsPath + '?since=' + maxSeq;
    try { s = new WebSocket(url); } catch (e) { schedule(); return; }
    ws = s;
    last = Date.now();
    arm(20000);
    s.onopen = function () {
      if (ws !== s) return;
      setConn(T('live'), 'on');
      arm(45000);
      flush();
    };
    s.onmessage = function (ev) {
      if (ws !== s) return;
      last = Date.now();
      attempt = 0;
      arm(45000);
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m && m.type) try { handle(m); } catch (e) { /* keep the socket */ }
    };
    s.onclose = function () { if (ws === s) drop(); };
  }
  function kick(now) { // now: back online, so retry at once
    if (isOpen() ? Date.now() - last > 45000 : now && ws) drop();
    if (!ws) { clearTimeout(timer); timer = null; attempt = 0; connect(); }
  }
  function handle(m) {
    if (m.type === 'snapshot') { if (typeof m.seq === 'number') maxSeq = m.seq; onSnapshot(m.state || {}); return; }
    if (typeof m.seq === 'number' && m.seq > maxSeq) maxSeq = m.seq;
    if (typeof m.now === 'number') offset = m.now - Date.now();
    if (m.type === 'comment') { if (m.comment && !m.comment.hidden && !$('c-' + m.comment.id)) heard(m.comment); upsert(m.comment); }
    else if (m.type === 'agenda') onAgenda(m.agenda);
    else if (m.type === 'announcement') onAnn(m.announcement);
    else if (m.type === 'presence') onPresence(m.tables);
    else if (m.type === 'comment_removed') removeC(m.id, 1);
    else if (m.type === 'round') onRound(m.round);
    else if (m.type === 'event') { if ('open' in m) eventOpen = !!m.open; onMod(m.moderation); renderState(); }
    else if (m.type === 'ack') onAck(m);
    else if (m.type === 'error') onError(m);
  }

  // Posting goes through an outbox kept in localStorage: what is written while the
  // connection is down waits on the phone, is sent in order when it is back, and is shown
  // as sent only after the server's ack. A resend after a lost ack reuses the client id,
  // so the server stores it once.
  var refN = 0, cid = (cidIn && cidIn.value) || newId(), postUrl = form ? form.getAttribute('action') : '';
  var outKey = 'rt-outbox:' + wsPath, outbox = [], inflight = null, flushTimer = null, box = null;
  try { outbox = JSON.parse(load(outKey)) || []; } catch (e) { outbox = []; }
  outbox.forEach(function (it) { if (it.state === 'sending') it.state = 'waiting'; });
  function setCid(v) { cid = v; if (cidIn) cidIn.value = v; }
  function saveOut() { save(outKey, outbox.length ? JSON.stringify(outbox) : ''); }
  function findItem(id) { for (var i = 0; i < outbox.length; i++) if (outbox[i].id === id) return outbox[i]; return null; }
  function renderOut() {
    saveOut();
    if (!box) {
      var w = $('write') || (form && form.parentNode);
      if (!w) return;
      box = el('ul', 'outbox');
      box.id = 'outbox';
      box.setAttribute('aria-label', T('outbox-label'));
      w.appendChild(box);
    }
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = !outbox.length;
    outbox.forEach(function (it) {
      var li = el('li', 'out ' + it.state), p = el('p', 'c-text');
      li.setAttribute('data-client-id', it.id);
      p.appendChild(el('bdi', null, it.text));
      li.appendChild(p);
      // A round that closed first: say so, keep the words, offer the round open now.
      var late = it.state === 'failed' && it.code === 'round_closed', now = eventOpen && round && round.number !== it.round;
      var st = late ? T('round-closed-before', { round: it.round ? T('round-n', { n: it.round }) : T('the-round') }) +
          (now ? '' : ' ' + T('copy-or-later'))
        : it.state === 'failed' ? T('not-sent', { why: it.msg })
        : it.state === 'sending' ? T('sending')
        : it.why ? it.why
        : T('waiting-send');
      li.appendChild(el('p', 'out-state', st));
      if (it.state === 'failed') {
        if (!late || now) {
          var again = el('button', 'small', late ? T('post-current') : T('try-again'));
          again.type = 'button';
          again.onclick = function () {
            if (late) it.id = newId();
            it.state = 'waiting'; it.msg = it.code = ''; it.round = round ? round.number : null;
            renderOut(); flush();
          };
          li.appendChild(again);
        }
        var rm = el('button', 'small', T('remove'));
        rm.type = 'button';
        rm.onclick = function () { outbox.splice(outbox.indexOf(it), 1); renderOut(); };
        li.appendChild(rm);
      }
      box.appendChild(li);
    });
  }
  function later(ms) { clearTimeout(flushTimer); flushTimer = setTimeout(flush, ms); }
  function done(it) {
    var i = outbox.indexOf(it);
    if (i >= 0) outbox.splice(i, 1);
    if (inflight === it) inflight = null;
    setErr('');
    say(T('sent'));
    renderOut();
    flush();
  }
  function fail(it, msg, code) {
    it.state = 'failed';
    it.msg = msg;
    it.code = code || '';
    if (inflight === it) inflight = null;
    renderOut();
    flush();
  }
  function wait(it, ms) {
    it.state = 'waiting';
    if (inflight === it) inflight = null;
    renderOut();
    if (ms) { it.after = Date.now() + ms; later(ms); }
  }
  var HTTP_FAIL = { 404: T('http-404'), 413: T('http-413'), 422: T('http-422') };
  function flush() {
    if (inflight) return;
    var now = Date.now(), it = null, i;
    for (i = 0; i < outbox.length; i++) {
      if (outbox[i].state === 'waiting') {
        if (outbox[i].after && outbox[i].after > now) { later(outbox[i].after - now); return; }
        it = outbox[i];
        break;
      }
    }
    if (!it) return;
    it.why = '';
    if (isOpen()) {
      it.ref = 'p' + (++refN);
      var o = { type: 'post', ref: it.ref, client_id: it.id, text: it.text };
      if (it.name) o.name = it.name;
      if (it.round) o.round = it.round;
      if (it.reply_to) o.reply_to = it.reply_to;
      if (send(o)) { inflight = it; it.state = 'sending'; renderOut(); }
      return;
    }
    // No live connection: try a plain post (works where websockets are blocked).
    if (navigator.onLine === false || !window.fetch || !postUrl) return;
    inflight = it;
    it.state = 'sending';
    renderOut();
    var body = 'client_id=' + encodeURIComponent(it.id) + '&text=' + encodeURIComponent(it.text) +
      '&name=' + encodeURIComponent(it.name || '') + (it.round ? '&round=' + it.round : '') +
      (it.reply_to ? '&reply_to=' + it.reply_to : '');
    fetch(postUrl, {
      method: 'POST', body: body, credentials: 'same-origin', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    }).then(function (res) {
      if (res.type === 'opaqueredirect' || (res.status >= 200 && res.status < 400)) done(it);
      else if (res.status === 429) {
        it.why = T('posting-quickly');
        wait(it, 1000 * (+res.headers.get('Retry-After') || 5));
      }
      else if (res.status === 409) fail(it, '', 'round_closed');
      else if (HTTP_FAIL[res.status]) fail(it, HTTP_FAIL[res.status]);
      else wait(it, 3000);
    }, function () { wait(it, 0); });
  }
  function onAck(m) {
    if (m.comment_id) srMine[m.comment_id] = true;
    var it = m.client_id && findItem(m.client_id);
    if (it) done(it);
  }
  function onError(m) {
    // Refusals in the page's language where known; else the server's (English) sentence.
    var c = m.code, msg = (c === 'round_closed' ? T('code-round_closed') : c === 'event_closed' ? T('code-event_closed')
      : c === 'empty' ? T('code-empty') : c === 'too_long' ? T('code-too_long') : c === 'bad_characters' ? T('code-bad_characters') : '')
      || m.message || T('did-not-work'), r = m.ref || '';
    if (inflight && r === inflight.ref) {
      var it = inflight;
      if (m.code === 'rate_limited') {
        it.why = T('posting-quickly-s', { n: m.retry_after || 5 });
        wait(it, 1000 * (m.retry_after || 5));
        return;
      }
      if (m.code === 'unavailable') { wait(it, 3000); return; }
      fail(it, msg, m.code);
      return;
    }
    if (r.charAt(0) === 'a') {
      var id = r.slice(1), li = $('c-' + id);
      delete agreed[id];
      saveAgreed();
      if (li) { li._n = Math.max(0, (li._n || 1) - 1); setBtn(li.querySelector('.agree-btn'), li._n, false); }
    }
    setErr(msg);
  }
  function onDown() {
    if (inflight) wait(inflight, 0);
    if (outbox.length) say(T('kept-on-phone'));
  }
  // Near the limit, a counter under the box: "87 characters left", then "120 characters too
  // many" in the error colour. Screen readers hear it once typing pauses.
  var MAX_CHARS = 1000, COUNT_FROM = 900, countBox = $('text-count'), countSr = $('text-count-sr'), srTimer = null;
  function countText() {
    if (!ta || !countBox) return;
    var n = Array.from(ta.value.replace(/^\s+|\s+$/g, '')).length, over = n > MAX_CHARS;
    var msg = n < COUNT_FROM ? '' : over ? T('too-many-chars', { n: n - MAX_CHARS }) : T('chars-left', { n: MAX_CHARS - n });
    if (countBox.textContent !== msg) countBox.textContent = msg;
    countBox.className = 'count' + (over ? ' over' : '');
    if (!countSr) return;
    clearTimeout(srTimer);
    srTimer = setTimeout(function () { if (countSr.textContent !== msg) countSr.textContent = msg; }, 1000);
  }
  // Replying: "Replying to: …" above the box, sent as reply_to. Without JavaScript the
  // Reply link reloads the page with ?reply=ID and the server renders the same.
  var rbox = $('replying'), replyTo = rbox && form ? +form.elements.reply_to.value || null : null;
  function setReply(id, text) {
    var lab = form.querySelector('label[for=text]'), p, x;
    if (rbox && rbox.parentNode) rbox.parentNode.removeChild(rbox);
    rbox = null;
    replyTo = id;
    if (lab) lab.textContent = id ? T('your-reply') : T('your-comment');
    if (!id) return;
    text = Array.from(text.trim());
    rbox = el('div', 'replying');
    rbox.id = 'replying';
    p = el('p', null, T('replying-to') + ' ');
    p.appendChild(el('bdi', null, '“' + text.slice(0, 60).join('') + (text.length > 60 ? '…' : '') + '”'));
    x = el('button', 'small', T('cancel-reply'));
    x.type = 'button';
    x.id = 'reply-cancel';
    rbox.appendChild(p);
    rbox.appendChild(x);
    form.insertBefore(rbox, form.firstChild);
  }
  if (form && ta) {
    list.addEventListener('click', function (e) {
      var a = e.target.closest && e.target.closest('a.reply'), li = a && a.closest('li'), t = li && li.querySelector('.c-text');
      if (!t || form.hidden) return;
      e.preventDefault();
      setReply(+li.getAttribute('data-id'), t.textContent);
      ta.focus();
    });
    form.addEventListener('click', function (e) {
      if (e.target.id !== 'reply-cancel') return;
      e.preventDefault();
      setReply(null);
      ta.focus();
    });
  }
  if (form && ta && nameIn && postBtn) {
    setCid(cid);
    var stored = load(draftKey);
    if (!ta.value && stored && !(statusBox && statusBox.textContent)) ta.value = stored;
    if (statusBox && statusBox.textContent) save(draftKey, '');
    if (!nameIn.value) nameIn.value = load(nameKey) || '';
    ta.addEventListener('input', function () { save(draftKey, ta.value); countText(); });
    countText();
    nameIn.addEventListener('input', function () { save(nameKey, nameIn.value.trim() ? nameIn.value : ''); });
    form.addEventListener('submit', function (e) {
      var text = ta.value.replace(/^\s+|\s+$/g, ''), nm = nameIn.value.trim();
      e.preventDefault();
      if (!text) { setErr(T('comment-empty')); return; }
      if (Array.from(text).length > 1000) {
        setErr(T('comment-too-long'));
        return;
      }
      setErr('');
      outbox.push({ id: cid, text: text, name: nm, state: 'waiting', round: round ? round.number : null, reply_to: replyTo || undefined });
      setCid(newId());
      setReply(null);
      ta.value = '';
      countText();
      save(draftKey, '');
      say(isOpen() ? T('sending') : T('kept-on-phone'));
      renderOut();
      flush();
    });
  }
  if (outbox.length) renderOut();

  // Agreeing.
  function markAgreed(id, li, f) {
    agreed[id] = true;
    saveAgreed();
    li._n = (li._n || 0) + 1;
    setBtn(f.querySelector('.agree-btn'), li._n, true);
  }
  list.addEventListener('submit', function (e) {
    var f = e.target, li = f.closest && f.closest('li');
    if (!li || !f.classList.contains('agree-form')) return;
    var id = li.getAttribute('data-id');
    if (agreed[id]) { e.preventDefault(); return; }
    if (isOpen() && send({ type: 'agree', ref: 'a' + id, comment_id: +id })) {
      e.preventDefault();
      markAgreed(id, li, f);
      return;
    }
    if (!window.fetch) return; // the plain form post
    // No live connection: never leave the page for a browser error screen.
    e.preventDefault();
    fetch(f.getAttribute('action'), { method: 'POST', credentials: 'same-origin', redirect: 'manual' })
      .then(function (res) {
        if (res.type === 'opaqueredirect' || (res.status >= 200 && res.status < 400)) markAgreed(id, li, f);
        else setErr(T('agree-failed'));
      }, function () { setErr(T('agree-offline')); });
  });

  window.addEventListener('offline', drop); // a dead socket can look open for a long while
  window.addEventListener('online', function () { kick(1); flush(); });
  window.addEventListener('pageshow', function (e) { if (e.persisted) kick(); });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) kick(); });
  connect();
})();
