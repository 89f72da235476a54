// The tallyman console: pages over the public API (contract.md), nothing else. The user's
// API key lives in this tab's sessionStorage and travels only in the Authorization header.
// Pages are chosen by the URL's hash: #/overview, #/customer/ID, #/worklist, #/credit.
// Everything shown is built with DOM calls and textContent: data is never parsed as HTML.
'use strict';

const KEY = 'tallyman.key';
let me = null;  // GET /v1/me: {name, role, may: {read, collect, post, approve, check_credit, read_credit}}

// ---- small helpers ------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function today() {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function daysBefore(iso, days) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

// The number of minor units of a currency (2 for EUR, 0 for JPY), as the browser knows it.
function minorDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

// An exact amount from integer minor units: 125050 EUR -> "1,250.50 EUR" (no floating point).
function money(minor, currency) {
  if (minor === null || minor === undefined) return '—';
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (digits ? '.' + text.slice(text.length - digits) : '') + ' ' + currency;
}

// "1,250.5" -> 125050 for EUR; null when it is not an amount of that currency.
function toMinor(text, currency) {
  const digits = minorDigits(currency);
  const clean = String(text).trim().replace(/,/g, '');
  const m = clean.match(digits ? new RegExp('^(\\d+)(?:\\.(\\d{1,' + digits + '}))?$') : /^(\d+)$/);
  if (!m) return null;
  const minor = Number(m[1] + (m[2] || '').padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

function say(text, isError = false) {
  const m = $('message');
  m.textContent = text;
  m.className = isError ? 'error' : '';
  m.hidden = !text;
}

// A problem document (RFC 9457) as one readable line, with each field's message.
function problemText(status, problem) {
  let text = problem.detail || problem.title || 'the request failed (' + status + ')';
  const fields = (problem.errors || []).filter((e) => !text.includes(e.message));
  if (fields.length) text += ': ' + fields.map((e) => e.field + ' ' + e.message).join('; ');
  return text;
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
  }
}

async function api(method, path, body, accept) {
  const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (accept) headers.Accept = accept;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    signOut('This key is not valid (any more): enter a valid key.');
    throw new ApiError(401, { detail: 'not signed in' });
  }
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => ({})));
  return accept === 'text/csv' ? r.text() : r.json();
}

// Every page of a list, up to `max` items.
async function all(path, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + sep + 'limit=' + Math.min(1000, max) + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return { items, more: Boolean(cursor) };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// A table from column definitions {title, value(row), num?} and rows.
// Its data-version counts the fills, so that a test can tell a new one from the last.
function fillTable(table, columns, rows, empty = 'Nothing to show.') {
  table.dataset.version = String(Number(table.dataset.version || 0) + 1);
  table.replaceChildren(
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : null, text: c.title })))),
    h('tbody', {},
      rows.length
        ? rows.map((r) => h('tr', {}, columns.map((c) => {
            const v = c.value(r);
            return h('td', { class: c.num ? 'num' : null, 'data-col': c.key || null }, v instanceof Node ? v : String(v ?? ''));
          })))
        : h('tr', {}, h('td', { colspan: columns.length, class: 'muted', text: empty }))));
}

function customerLink(id, name) {
  return h('a', { href: '#/customer/' + encodeURIComponent(id), class: 'customer-link', text: name ? name + ' (' + id + ')' : id });
}

// Runs an action for a form or button: shows what went wrong, never throws.
async function attempt(what, action) {
  try {
    await action();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) say(what + ': ' + e.message, true);
  }
}

// ---- signing in and out -----------------------------------------------------------------

async function signIn(key) {
  const r = await fetch('/v1/me', { headers: { Authorization: 'Bearer ' + key } });
  if (r.status === 401) return 'This key is not valid: tallyman does not know it. Check it and try again.';
  if (!r.ok) return 'tallyman could not be reached (' + r.status + '). Try again shortly.';
  sessionStorage.setItem(KEY, key);
  me = await r.json();
  return null;
}

function signOut(text) {
  sessionStorage.removeItem(KEY);
  me = null;
  const err = $('signin-error');
  err.textContent = text || '';
  err.hidden = !text;
  show('signin');
}

// Hides what the key's role may not use: nav links, forms, buttons marked data-needs.
function applyRole() {
  for (const el of document.querySelectorAll('[data-needs]')) el.hidden = !(me && me.may[el.dataset.needs]);
  $('who').textContent = me ? me.name + ' · ' + me.role : '';
  $('nav').hidden = !me;
}

function show(view) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== 'view-' + view;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.id === 'nav-' + view);
  if (view === 'signin') {
    $('nav').hidden = true;
    say('');
  }
}

// ---- overview: aging and the overdue list ------------------------------------------------

async function loadAging() {
  const asOf = $('aging-as-of').value || today();
  const report = await api('GET', '/v1/reports/aging' + query({
    as_of: asOf, buckets: $('aging-buckets').value, currency: $('aging-currency').value, customers: 'false' }));
  $('aging-caption').textContent = 'as of ' + report.as_of + ', ' + report.currency + ', by ' + report.basis.replace('_', ' ');
  const positive = report.buckets.map((b) => Math.max(0, report.totals[b]));
  const sum = positive.reduce((a, b) => a + b, 0);
  const svg = $('aging-chart');
  const ns = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  let x = 0;
  report.buckets.forEach((bucket, k) => {
    const width = sum > 0 ? (positive[k] / sum) * 1000 : 0;
    const rect = document.createElementNS(ns, 'rect');
    for (const [a, v] of Object.entries({ x, y: 0, width, height: 60, class: 'b' + Math.min(k, 9),
      'data-bucket': bucket, 'data-amount': report.totals[bucket] }))
      rect.setAttribute(a, v);
    const title = document.createElementNS(ns, 'title');
    title.textContent = bucket + ': ' + money(report.totals[bucket], report.currency);
    rect.append(title);
    svg.append(rect);
    x += width;
  });
  $('aging-legend').replaceChildren(...report.buckets.map((b, k) =>
    h('li', {}, h('span', { class: 'swatch b' + Math.min(k, 9) }), b + ' ' + money(report.totals[b], report.currency))));
  const columns = [...report.buckets, 'unapplied', 'total'];
  fillTable($('aging-totals'),
    columns.map((c) => ({ title: c, key: c, num: true, value: (t) => money(t[c], report.currency) })),
    [report.totals]);
  for (const td of $('aging-totals').querySelectorAll('td')) td.dataset.amount = report.totals[td.dataset.col];
}

function overdueQuery() {
  return query({ as_of: $('aging-as-of').value, collector: $('overdue-collector').value.trim(),
    grade: $('overdue-grade').value, min_days: $('overdue-min-days').value });
}

async function loadOverdue() {
  const { items, more } = await all('/v1/reports/overdue' + overdueQuery());
  $('overdue-count').textContent = items.length + (more ? '+ (the first ' + items.length + ')' : '') +
    ' customer' + (items.length === 1 ? '' : 's') + ' with overdue money, largest first';
  fillTable($('overdue-table'), [
    { title: 'Customer', key: 'customer', value: (r) => customerLink(r.customer, r.name) },
    { title: 'Overdue', key: 'overdue_amount', num: true, value: (r) => money(r.overdue_amount, r.currency) },
    { title: 'Max. days', key: 'max_days_overdue', num: true, value: (r) => r.max_days_overdue },
    { title: 'Invoices', num: true, value: (r) => r.invoices },
    { title: 'Level', key: 'dunning_level', value: (r) => r.dunning_level ?? '—' },
    { title: 'Hold', value: (r) => (r.on_hold ? h('span', { class: 'flag', text: 'on hold' }) : '') },
    { title: 'Promise', value: (r) => (r.promise ? money(r.promise.amount, r.currency) + ' by ' + r.promise.promised_date : '') },
    { title: 'Collector', key: 'collector', value: (r) => r.collector ?? '' },
    { title: 'Grade', key: 'grade', value: (r) => r.grade ?? '' },
  ], items, 'No customer has overdue money matching these filters.');
}

async function downloadOverdueCsv() {
  const csv = await api('GET', '/v1/reports/overdue' + overdueQuery() + (overdueQuery() ? '&' : '?') + 'limit=1000', undefined, 'text/csv');
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const a = h('a', { href: url, download: 'overdue-' + ($('aging-as-of').value || today()) + '.csv' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function overview() {
  if (!me.may.read) return show('denied');
  show('overview');
  if (!$('aging-as-of').value) $('aging-as-of').value = today();
  await Promise.all([loadAging(), loadOverdue()]);
}

// ---- a customer's account ---------------------------------------------------------------

let current = null;  // the customer shown: {id, currency, on_hold}

function definitions(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([term, value, key]) =>
    [h('dt', { text: term }), h('dd', { 'data-field': key || null }, value instanceof Node ? value : String(value))]));
}

async function customer(id) {
  if (!me.may.read) return show('denied');
  show('customer');
  const c = await api('GET', '/v1/customers/' + encodeURIComponent(id));
  const credit = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/credit');
  current = { id: c.id, currency: c.currency, on_hold: c.on_hold };
  $('customer-title').textContent = c.name + ' (' + c.id + ')';
  const cur = c.currency;
  const holds = [c.on_hold ? 'on hold' : null, credit.dunning_hold ? 'dunning hold' : null].filter(Boolean);
  definitions($('customer-credit'), [
    ['Limit', credit.limit === null ? 'none set' : money(credit.limit, cur), 'limit'],
    ['Open', money(credit.open, cur), 'open'],
    ['Unapplied', money(credit.unapplied, cur), 'unapplied'],
    ['Reserved', money(credit.reserved, cur), 'reserved'],
    ['Exposure', money(credit.exposure, cur), 'exposure'],
    ['Available', credit.available === null ? '—' : money(credit.available, cur), 'available'],
    ['Overdue', money(credit.overdue, cur), 'overdue'],
    ['Grade', credit.grade ?? '—', 'grade'],
    ['Holds', holds.length ? h('span', { class: 'flag', text: holds.join(', ') }) : 'none', 'holds'],
    ['Terms', c.terms, 'terms'],
    ['Collector', c.collector ?? '—', 'collector'],
  ]);
  $('hold-toggle').textContent = c.on_hold ? 'Lift the hold' : 'Put on hold';

  const score = $('customer-score');
  try {
    const s = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/score');
    const f = s.factors;
    const rows = [
      ['Paid on time', (f.on_time.share_bp / 100).toFixed(2) + ' %', f.on_time],
      ['Average days late', f.days_late.average_days, f.days_late],
      ['Overdue share', (f.overdue.share_bp / 100).toFixed(2) + ' %', f.overdue],
      ['Volume', f.volume.invoices + ' invoices, ' + money(f.volume.invoiced, cur), f.volume],
      ['Write-off in 24 months', f.write_off.recent ? 'yes' : 'no', f.write_off],
    ];
    const table = h('table');
    fillTable(table, [
      { title: 'Factor', value: (r) => r[0] },
      { title: 'Value', num: true, value: (r) => r[1] },
      { title: 'Points', num: true, value: (r) => r[2].points },
      { title: 'Weight', num: true, value: (r) => r[2].weight ?? '' },
    ], rows);
    score.replaceChildren(
      h('p', {}, 'Score ', h('strong', { text: String(s.score) }), ' · grade ' + s.grade + ' as of ' + s.as_of),
      table,
      h('p', { class: 'muted', text: 'Proposed limit: ' + (s.proposed_limit === null ? '—' : money(s.proposed_limit, cur)) }));
  } catch (e) {
    score.replaceChildren(h('p', { class: 'muted', text: e.status === 404 ? 'No score yet.' : e.message }));
  }

  const invoices = (await all('/v1/invoices?customer=' + encodeURIComponent(id) + '&status=open')).items;
  const asOf = today();
  const daysOverdue = (due) => Math.max(0, Math.round((Date.parse(asOf) - Date.parse(due)) / 86400000));
  fillTable($('customer-invoices'), [
    { title: 'Invoice', key: 'number', value: (r) => r.number },
    { title: 'Issued', value: (r) => r.issue_date },
    { title: 'Due', value: (r) => r.due_date },
    { title: 'Days overdue', key: 'days_overdue', num: true, value: (r) => daysOverdue(r.due_date) },
    { title: 'Open', key: 'open_amount', num: true, value: (r) => money(r.open_amount, r.currency) },
    { title: 'Amount', num: true, value: (r) => money(r.amount, r.currency) },
    { title: '', value: (r) => (r.disputed ? h('span', { class: 'flag', text: 'disputed' }) : '') },
  ], invoices, 'No open invoices.');
  const options = (list) => list.map((r) => h('option', { value: r.number, text: r.number + ' · ' + money(r.open_amount, r.currency) }));
  $('dispute-invoice').replaceChildren(...options(invoices.filter((r) => !r.disputed)));
  $('writeoff-invoice').replaceChildren(...options(invoices));

  const disputed = (await all('/v1/invoices?customer=' + encodeURIComponent(id))).items.filter((r) => r.disputed);
  fillTable($('customer-disputes'), [
    { title: 'Invoice', value: (r) => r.number },
    { title: 'Open', num: true, value: (r) => money(r.open_amount, r.currency) },
    { title: 'Reason', value: (r) => r.dispute_reason ?? '' },
  ], disputed, 'No disputes.');

  const promises = (await all('/v1/customers/' + encodeURIComponent(id) + '/promises')).items;
  fillTable($('customer-promises'), [
    { title: 'Made', value: (r) => r.made_on },
    { title: 'By', key: 'promised_date', value: (r) => r.promised_date },
    { title: 'Amount', key: 'amount', num: true, value: (r) => money(r.amount, cur) },
    { title: 'Paid', num: true, value: (r) => money(r.paid, cur) },
    { title: 'Status', key: 'status', value: (r) => r.status },
    { title: 'Recorded by', value: (r) => r.made_by },
  ], promises, 'No promises to pay.');
  if (!$('promise-date').value) $('promise-date').value = daysBefore(asOf, -7);

  const tasks = (await all('/v1/dunning-tasks?customer=' + encodeURIComponent(id))).items;
  fillTable($('customer-tasks'), [
    { title: 'Created', value: (r) => r.created },
    { title: 'Level', num: true, value: (r) => r.level },
    { title: 'Action', value: (r) => r.action.replace(/_/g, ' ') },
    { title: 'Overdue', num: true, value: (r) => money(r.overdue_amount, cur) },
    { title: 'Status', value: (r) => r.status },
    { title: 'Note', value: (r) => r.note ?? '' },
  ], tasks, 'No dunning so far.');

  if (!$('statement-from').value) {
    $('statement-from').value = daysBefore(asOf, 90);
    $('statement-to').value = asOf;
  }
  await loadStatement();
}

async function loadStatement() {
  const s = await api('GET', '/v1/customers/' + encodeURIComponent(current.id) + '/statement' +
    query({ from: $('statement-from').value, to: $('statement-to').value }));
  const cur = s.currency;
  fillTable($('customer-statement'), [
    { title: 'Date', value: (r) => r.date },
    { title: 'Kind', value: (r) => r.kind.replace(/_/g, ' ') },
    { title: 'Document', value: (r) => r.document },
    { title: 'Invoice', value: (r) => r.invoice ?? '' },
    { title: 'Amount', num: true, value: (r) => money(r.amount, cur) },
    { title: 'Balance', num: true, value: (r) => money(r.balance, cur) },
  ], [
    { date: s.from, kind: 'opening balance', document: '', invoice: null, amount: null, balance: s.opening_balance },
    ...s.lines,
    { date: s.to, kind: 'closing balance', document: '', invoice: null, amount: null, balance: s.closing_balance },
  ]);
}

// Reads an amount field of the current customer's currency, or says what is wrong.
function amountOf(input) {
  const minor = toMinor($(input).value, current.currency);
  if (minor === null) throw new Error('the amount must be a number of ' + current.currency + ', such as 1250.50');
  return minor;
}

// ---- the worklist -----------------------------------------------------------------------

async function worklist() {
  if (!me.may.read) return show('denied');
  show('worklist');
  const collector = $('worklist-collector');
  if (!collector.dataset.touched && !collector.value && me.role === 'collector') collector.value = me.name;
  const { items } = await all('/v1/dunning-tasks' + query({ status: 'open', collector: collector.value.trim() }));
  $('worklist-count').textContent = items.length + ' open task' + (items.length === 1 ? '' : 's');
  fillTable($('worklist-table'), [
    { title: 'Task', key: 'id', value: (r) => r.id },
    { title: 'Customer', value: (r) => customerLink(r.customer) },
    { title: 'Level', num: true, value: (r) => r.level },
    { title: 'Action', value: (r) => r.action.replace(/_/g, ' ') },
    { title: 'Overdue', num: true, value: (r) => String(r.overdue_amount) },
    { title: 'Invoices', value: (r) => r.invoices.join(', ') },
    { title: 'Created', value: (r) => r.created },
    { title: 'Collector', value: (r) => r.collector ?? '' },
    { title: 'Work', value: (r) => (me.may.collect ? taskControls(r) : '') },
  ], items, 'No open tasks.');
  // Amounts in the currency of each task's customer: the task does not carry it, so ask once per customer.
  const currencies = new Map();
  for (const row of $('worklist-table').querySelectorAll('tbody tr')) {
    const task = items[row.rowIndex - 1];
    if (!task) continue;
    if (!currencies.has(task.customer))
      currencies.set(task.customer, api('GET', '/v1/customers/' + encodeURIComponent(task.customer)).then((c) => c.currency));
    currencies.get(task.customer).then((cur) => { row.cells[4].textContent = money(task.overdue_amount, cur); }, () => {});
  }
}

function taskControls(task) {
  const note = h('input', { placeholder: 'note', 'aria-label': 'note for task ' + task.id, class: 'task-note' });
  const finish = (status) => attempt('The task could not be updated', async () => {
    await api('PATCH', '/v1/dunning-tasks/' + task.id, { status, note: note.value.trim() || undefined });
    await worklist();
    // Said after the list is read again, so the message never stands beside a stale list.
    say('Task ' + task.id + ' marked ' + status + '.');
  });
  return h('span', {}, note, ' ',
    h('button', { type: 'button', class: 'task-done', onclick: () => finish('done'), text: 'Done' }), ' ',
    h('button', { type: 'button', class: 'task-cancel secondary', onclick: () => finish('cancelled'), text: 'Cancel' }));
}

// ---- the credit summary (sales) -------------------------------------------------------

async function creditPage() {
  if (!me.may.read_credit) return show('denied');
  show('credit');
}

async function lookUpCredit() {
  const id = $('credit-customer').value.trim();
  const c = await api('GET', '/v1/customers/' + encodeURIComponent(id) + '/credit');
  const holds = [c.on_hold ? 'on hold' : null, c.dunning_hold ? 'dunning hold' : null].filter(Boolean);
  definitions($('credit-summary'), [
    ['Customer', c.name + ' (' + c.customer + ')', 'customer'],
    ['Limit', c.limit === null ? 'none set' : money(c.limit, c.currency), 'limit'],
    ['Exposure', money(c.exposure, c.currency), 'exposure'],
    ['Available', c.available === null ? '—' : money(c.available, c.currency), 'available'],
    ['Overdue', money(c.overdue, c.currency), 'overdue'],
    ['Grade', c.grade ?? '—', 'grade'],
    ['Holds', holds.length ? holds.join(', ') : 'none', 'holds'],
  ]);
}

// ---- wiring -----------------------------------------------------------------------------

async function route() {
  say('');
  if (!sessionStorage.getItem(KEY)) return show('signin');
  if (!me) {
    const problem = await signIn(sessionStorage.getItem(KEY));
    if (problem) return signOut(problem);
  }
  applyRole();
  const [, page, arg] = location.hash.match(/^#\/([a-z]+)(?:\/(.+))?/) || [];
  const home = me.may.read ? 'overview' : 'credit';
  await attempt('The page could not be loaded', async () => {
    if (page === 'customer' && arg) return customer(decodeURIComponent(arg));
    if (page === 'worklist') return worklist();
    if (page === 'credit') return creditPage();
    if (page === 'overview') return overview();
    if (!page) return home === 'overview' ? overview() : creditPage();
    return show('denied');
  });
}

function onSubmit(id, what, action) {
  $(id).addEventListener('submit', (e) => {
    e.preventDefault();
    attempt(what, action);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  onSubmit('signin-form', 'Signing in failed', async () => {
    const problem = await signIn($('key').value.trim());
    $('key').value = '';
    if (problem) return signOut(problem);
    $('signin-error').hidden = true;
    location.hash = me.may.read ? '#/overview' : '#/credit';
    await route();
  });
  $('signout').addEventListener('click', () => signOut(''));
  onSubmit('customer-search', 'Opening the customer failed', async () => {
    location.hash = '#/customer/' + encodeURIComponent($('customer-search-id').value.trim());
  });
  onSubmit('aging-form', 'The aging could not be loaded', () => Promise.all([loadAging(), loadOverdue()]));
  onSubmit('overdue-filters', 'The overdue list could not be loaded', loadOverdue);
  $('overdue-csv').addEventListener('click', () => attempt('The download failed', downloadOverdueCsv));
  $('worklist-collector').addEventListener('input', (e) => { e.target.dataset.touched = '1'; });
  onSubmit('worklist-form', 'The worklist could not be loaded', worklist);
  onSubmit('credit-form', 'The credit summary could not be loaded', lookUpCredit);
  onSubmit('statement-form', 'The statement could not be loaded', loadStatement);
  $('hold-toggle').addEventListener('click', () => attempt('The hold could not be changed', async () => {
    await api('PATCH', '/v1/customers/' + encodeURIComponent(current.id), { on_hold: !current.on_hold });
    await customer(current.id);
    say(current.on_hold ? 'The customer is on hold.' : 'The hold is lifted.');
  }));
  onSubmit('limit-form', 'The limit change was refused', async () => {
    const r = await api('PATCH', '/v1/customers/' + encodeURIComponent(current.id), { credit_limit: amountOf('limit-amount') });
    $('limit-amount').value = '';
    await customer(current.id);
    say(r.pending_limit_change
      ? 'The raise waits for another manager\'s approval (limit change ' + r.pending_limit_change.id + ').'
      : 'The credit limit is changed.');
  });
  onSubmit('promise-form', 'The promise was refused', async () => {
    await api('POST', '/v1/promises', { customer: current.id, amount: amountOf('promise-amount'), promised_date: $('promise-date').value });
    $('promise-amount').value = '';
    await customer(current.id);
    say('The promise to pay is recorded.');
  });
  onSubmit('dispute-form', 'The dispute was refused', async () => {
    const number = $('dispute-invoice').value;
    await api('POST', '/v1/invoices/' + encodeURIComponent(number) + '/dispute', { reason: $('dispute-reason').value.trim() });
    $('dispute-reason').value = '';
    await customer(current.id);
    say('Invoice ' + number + ' is disputed.');
  });
  onSubmit('writeoff-form', 'The write-off request was refused', async () => {
    const r = await api('POST', '/v1/write-offs', { invoice: $('writeoff-invoice').value, amount: amountOf('writeoff-amount'),
      reason: $('writeoff-reason').value.trim() });
    $('writeoff-amount').value = '';
    $('writeoff-reason').value = '';
    say('Write-off request ' + r.id + ' waits for a manager\'s approval.');
  });
  window.addEventListener('hashchange', route);
  route();
});
