// Browser tests of the web console, in Debian's headless Chromium driven by
// playwright-core. A real `tallyman serve` on a fresh SQLite file, seeded with the demo book
// (docs/examples/, through the CLI) and a few API calls; the console is used as a person
// would, and what it shows is compared with what the API answers. A screenshot of each page
// goes to TALLYMAN_CONSOLE_OUT. Run by ctest (tests/CMakeLists.txt); needs scripts/bootstrap --test.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = process.env.TALLYMAN_BIN;
const source = process.env.TALLYMAN_SOURCE_DIR;
const out = process.env.TALLYMAN_CONSOLE_OUT || path.resolve('console-output');
assert.ok(bin && source, 'TALLYMAN_BIN and TALLYMAN_SOURCE_DIR must be set (ctest sets them)');
fs.mkdirSync(out, { recursive: true });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tallyman-console-'));
const db = 'sqlite:' + path.join(dir, 'console.db');
const tallyman = (...args) => execFileSync(bin, [...args, '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

tallyman('migrate');
for (const kind of ['customers', 'invoices', 'payments'])
  tallyman('import', kind, path.join(source, 'docs/examples', kind + '.csv'));
const keys = {
  finance: tallyman('keys', 'create', '--role', 'finance', '--name', 'fiona'),
  sales: tallyman('keys', 'create', '--role', 'sales', '--name', 'sam'),
  manager: tallyman('keys', 'create', '--role', 'manager', '--name', 'mia'),
};

// The service, on a port the system picks; its first line says which.
const server = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0'], {
  env: { ...process.env, TALLYMAN_DUNNING_AT: 'off', TALLYMAN_GRADING_AT: 'off' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
const base = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = text.match(/listening on (http:\/\/[^ ]+)/);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error('tallyman serve exited with ' + code + ': ' + serverLog)));
  setTimeout(() => reject(new Error('tallyman serve did not start: ' + serverLog)), 20000);
});

async function api(method, target, body, role = 'finance', accept) {
  const headers = { Authorization: 'Bearer ' + keys[role] };
  if (body) headers['Content-Type'] = 'application/json';
  if (accept) headers.Accept = accept;
  const r = await fetch(base + target, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  assert.ok(r.ok, method + ' ' + target + ' -> ' + r.status + ' ' + text);
  return accept ? text : JSON.parse(text);
}

const today = new Date().toISOString().slice(0, 10);  // the service's and the browser's zone: UTC
const money = (minor) => (minor < 0 ? '-' : '') + String(Math.abs(minor)).padStart(3, '0').replace(/(\d+)(\d\d)$/,
  (_, whole, cents) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + cents) + ' EUR';

// More of a book: grades, a current invoice, and the day's dunning run for a worklist.
await api('PATCH', '/v1/customers/C-1003', { grade: 'C' });
await api('PATCH', '/v1/customers/C-1002', { grade: 'B' });
await api('POST', '/v1/invoices', { number: 'INV-FUTURE', customer: 'C-1001', issue_date: today, due_date: '2099-01-31',
  amount: 50000, currency: 'EUR' });
await api('POST', '/v1/dunning-runs', { as_of: today });
// Requests for a second person, from finance: a write-off, a limit raise; and a declined order.
const writeOff = await api('POST', '/v1/write-offs', { invoice: 'INV-2026-0003', amount: 1000, reason: 'rounding' });
const raise = await api('PATCH', '/v1/customers/C-1003', { credit_limit: 900000 });
await api('POST', '/v1/credit-checks', { customer: 'C-1004', order_ref: 'SO-NO-LIMIT', amount: 5000, currency: 'EUR' }, 'sales');
await api('POST', '/v1/invoices/INV-2026-0004/dispute', { reason: 'short delivery' });
await api('POST', '/v1/customers', { id: 'C-2000', name: 'Fresh Trading Ltd', currency: 'EUR', credit_limit: 500000 });
// A customer near its limit: on the watch-list and on its page.
await api('POST', '/v1/customers', { id: 'C-2001', name: 'Stretched Ltd', currency: 'EUR', credit_limit: 100000 });
await api('POST', '/v1/invoices', { number: 'INV-NEAR', customer: 'C-2001', issue_date: today, due_date: '2099-01-31',
  amount: 95000, currency: 'EUR' });

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.TALLYMAN_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  // A laptop's screen: every page must fit 1366 px without scrolling sideways.
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    // A refused key (401) and a customer with no score yet (404) show as failed resource
    // loads: expected, the page handles them. Anything else, a CSP violation above all, is a defect.
    if (m.type() === 'error' && !/status of 40[14]/.test(m.text())) problems.push('console: ' + m.text());
  });
  const step = (name) => console.log('console test: ' + name);
  // A screenshot of the page, once it is checked not to scroll sideways, neither the page nor
  // any table's box.
  const shot = async (name, p = page) => {
    const wide = await p.evaluate(() => {
      const out = [];
      if (document.documentElement.scrollWidth > window.innerWidth + 1)
        out.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
      for (const box of document.querySelectorAll('main > section:not([hidden]) .scroll'))
        if (box.scrollWidth > box.clientWidth + 1) out.push('a table box is ' + box.scrollWidth + ' px for ' + box.clientWidth);
      return out;
    });
    assert.deepEqual(wide, [], name + ' fits the window\'s width');
    await p.screenshot({ path: path.join(out, name + '.png'), fullPage: true });
  };

  step('the page comes with a strict Content-Security-Policy');
  const root = await fetch(base + '/');
  assert.equal(root.status, 200);
  assert.match(root.headers.get('content-security-policy'), /script-src 'self'/);
  assert.doesNotMatch(await root.text(), /<script>|onclick=|style=/, 'no inline script or style');

  step('an invalid key is refused with a clear message');
  await page.goto(base + '/');
  await page.locator('#view-signin').waitFor();
  await page.fill('#key', 'tm_this-key-was-never-given');
  await page.click('#signin-form button');
  await page.locator('#signin-error').waitFor();
  assert.match(await page.textContent('#signin-error'), /not valid/);
  assert.equal(await page.isVisible('#nav'), false);
  await shot('signin-invalid-key');

  step('finance signs in; the aging chart and table equal the API');
  await page.fill('#key', keys.finance);
  await page.click('#signin-form button');
  await page.locator('#aging-totals td').first().waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tallyman.key')), keys.finance);
  assert.ok(!page.url().includes(keys.finance), 'the key is never in a URL');
  const aging = await api('GET', '/v1/reports/aging?customers=false&as_of=' + today);
  const bars = await page.$$eval('#aging-chart rect', (rs) => rs.map((r) => [r.dataset.bucket, Number(r.dataset.amount)]));
  assert.deepEqual(bars, aging.buckets.map((b) => [b, aging.totals[b]]));
  const cells = await page.$$eval('#aging-totals td', (tds) => Object.fromEntries(tds.map((td) => [td.dataset.col, Number(td.dataset.amount)])));
  assert.deepEqual(cells, aging.totals);
  assert.equal(await page.textContent('#aging-totals td[data-col="total"]'), money(aging.totals.total));
  assert.ok(aging.totals.current > 0 && aging.totals['91+'] > 0, 'the seeded book has current and old money');

  step('the overdue list, largest first, filtered by collector, grade and days');
  const overdue = (await api('GET', '/v1/reports/overdue?as_of=' + today)).items;
  const listed = () => page.$$eval('#overdue-table tbody tr', (trs) =>
    trs.filter((tr) => tr.cells.length > 1).map((tr) => tr.querySelector('a').getAttribute('href').split('/').pop()));
  await page.locator('#overdue-table a').first().waitFor();
  assert.deepEqual(await listed(), overdue.map((r) => r.customer));
  const filterBy = async (collector, grade, minDays) => {
    await page.fill('#overdue-collector', collector);
    await page.selectOption('#overdue-grade', grade);
    await page.fill('#overdue-min-days', minDays);
    const before = await page.getAttribute('#overdue-table', 'data-version');
    await page.click('#overdue-filters button:not([type])');
    await page.waitForFunction((v) => document.getElementById('overdue-table').dataset.version !== v, before);
  };
  await filterBy('bob', '', '');
  assert.deepEqual(await listed(), overdue.filter((r) => r.collector === 'bob').map((r) => r.customer));
  await filterBy('', 'C', '');
  assert.deepEqual(await listed(), ['C-1003']);
  await filterBy('', '', '3000');
  assert.deepEqual(await listed(), []);
  await filterBy('alice', '', '1');
  const alices = overdue.filter((r) => r.collector === 'alice').map((r) => r.customer);
  assert.deepEqual(await listed(), alices);

  step('the list downloads as CSV');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#overdue-csv')]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.equal(csv, await api('GET', '/v1/reports/overdue?as_of=' + today + '&collector=alice&min_days=1&limit=1000', null, 'finance', 'text/csv'));
  assert.equal(csv.trim().split('\n').length, alices.length + 1);
  await shot('overview');

  step('a customer: credit summary, open invoices, record a promise');
  await page.click('#overdue-table a[href="#/customer/C-1002"]');
  await page.waitForFunction(() => document.getElementById('customer-title').textContent.includes('C-1002'));
  await page.locator('#customer-statement tbody tr').first().waitFor();
  const credit = await api('GET', '/v1/customers/C-1002/credit');
  assert.equal(await page.textContent('#customer-credit dd[data-field="exposure"]'), money(credit.exposure));
  assert.equal(await page.textContent('#customer-credit dd[data-field="overdue"]'), money(credit.overdue));
  assert.equal(await page.textContent('#customer-credit dd[data-field="grade"]'), 'B');
  const open = (await api('GET', '/v1/invoices?customer=C-1002&status=open')).items;
  assert.equal(await page.locator('#customer-invoices tbody tr').count(), open.length);
  assert.ok(await page.isVisible('#hold-toggle'), 'finance may put a customer on hold');
  await page.fill('#promise-amount', '1,000.50');
  await page.fill('#promise-date', '2099-06-30');
  await page.click('#promise-form button');
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('promise'));
  assert.equal(await page.textContent('#customer-promises td[data-col="status"]'), 'pending');
  const promises = (await api('GET', '/v1/customers/C-1002/promises')).items;
  assert.deepEqual(promises.map((p) => [p.amount, p.promised_date, p.made_by]), [[100050, '2099-06-30', 'fiona']]);
  await shot('customer');

  step('the worklist: a task marked done with a note');
  await page.goto(base + '/#/worklist');
  await page.fill('#worklist-collector', 'alice');
  const tasks = (await api('GET', '/v1/dunning-tasks?status=open&collector=alice')).items;
  assert.ok(tasks.length >= 1);
  await page.click('#worklist-form button');
  // The page first shows every collector's tasks; wait for alice's count, not for any count.
  await page.waitForFunction((n) => document.getElementById('worklist-count').textContent.startsWith(n + ' open task'), tasks.length);
  assert.equal(await page.locator('#worklist-table tbody tr').count(), tasks.length);
  const first = page.locator('#worklist-table tbody tr').first();
  const taskId = await first.locator('td[data-col="id"]').textContent();
  await first.locator('.task-note').fill('called, pays Friday');
  await first.locator('.task-done').click();
  await page.waitForFunction((id) => document.getElementById('message').textContent.includes('Task ' + id + ' marked done'), taskId);
  const done = (await api('GET', '/v1/dunning-tasks?status=done')).items.find((t) => t.id === taskId);
  assert.equal(done?.note, 'called, pays Friday');
  assert.equal(await page.locator('#worklist-table tbody tr').count(), Math.max(1, tasks.length - 1));
  await shot('worklist');

  step('finding a customer by name, in any case and without its accents');
  await page.fill('#customer-search-q', 'SOHNE');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('customers-count').textContent.includes('SOHNE'));
  assert.deepEqual(await page.$$eval('#customers-table td[data-col="id"] a', (as) => as.map((a) => a.textContent)),
    ['Bauer & Söhne KG (C-1002)']);
  await page.fill('#customers-q', '');
  await page.selectOption('#customers-sort', 'overdue');
  await page.selectOption('#customers-order', 'desc');
  let version = await page.getAttribute('#customers-table', 'data-version');
  await page.click('#customers-form button');
  await page.waitForFunction((v) => document.getElementById('customers-table').dataset.version !== v, version);
  const byOverdue = (await api('GET', '/v1/customers?sort=overdue&order=desc')).items.map((c) => c.name + ' (' + c.id + ')');
  assert.deepEqual(await page.$$eval('#customers-table td[data-col="id"] a', (as) => as.map((a) => a.textContent)), byOverdue);
  await shot('customers');

  step('a customer: a dispute resolved, a collector assigned, payments with where they went');
  await page.goto(base + '/#/customer/C-1002');
  await page.locator('#customer-disputes .resolve-dispute').waitFor();
  await page.click('#customer-disputes .resolve-dispute');
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('is resolved'));
  assert.equal((await api('GET', '/v1/invoices/INV-2026-0004')).disputed, false);
  await page.fill('#collector-name', 'carol');
  await page.click('#collector-form button');
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('carol now collects'));
  assert.equal((await api('GET', '/v1/customers/C-1002')).collector, 'carol');
  const paid = (await api('GET', '/v1/payments?customer=C-1002')).items;
  assert.equal(await page.locator('#customer-payments tbody tr').count(), Math.max(1, paid.length));
  await shot('customer-after');

  step('the month-end aging per customer, and its CSV');
  await page.goto(base + '/#/monthend');
  await page.locator('#monthend-table td[data-col="total"]').first().waitFor();
  const asOfMonthEnd = await page.inputValue('#monthend-as-of');
  assert.match(asOfMonthEnd, /^\d{4}-\d{2}-\d{2}$/);
  const monthAging = await api('GET', '/v1/reports/aging?as_of=' + asOfMonthEnd);
  assert.equal(await page.locator('#monthend-table tbody tr').count(), monthAging.customers.length + 1);
  const lastRow = page.locator('#monthend-table tbody tr').last();
  assert.equal(await lastRow.locator('td[data-col="total"]').textContent(), money(monthAging.totals.total));
  const [agingDownload] = await Promise.all([page.waitForEvent('download'), page.click('#monthend-csv')]);
  assert.equal(fs.readFileSync(await agingDownload.path(), 'utf8'),
    await api('GET', '/v1/reports/aging?as_of=' + asOfMonthEnd + '&buckets=30%2C60%2C90', null, 'finance', 'text/csv'));
  await shot('month-end');

  step('the finance dashboard: tiles with the month before, the trend, balances with CSV, provision, watch-list');
  await page.goto(base + '/#/finance');
  await page.locator('#finance-tiles .tile').first().waitFor();
  await page.fill('#finance-month', '2026-03');
  const balancesVersion = await page.getAttribute('#finance-balances', 'data-version');
  await page.click('#finance-form button');
  await page.waitForFunction((v) => document.getElementById('finance-balances').dataset.version !== v, balancesVersion);
  const trend = await api('GET', '/v1/reports/kpis/trend?from=2025-04-01&to=2026-03-31');
  assert.equal(trend.months.length, 12);
  const [feb, mar] = trend.months.slice(-2);
  const tileText = async (label) => page.textContent('#finance-tiles [data-tile="' + label + '"] .value');
  const days = (v) => (v === null ? '—' : v.toFixed(1) + ' days');
  assert.equal(await tileText('DSO'), days(mar.dso));
  assert.equal(await page.textContent('#finance-tiles [data-tile="DSO"] .before'), 'month before: ' + days(feb.dso));
  assert.equal(await tileText('Collected'), money(mar.collected));
  assert.equal(await page.locator('#finance-trend text').count(), 12, 'a label per month');
  assert.ok(await page.locator('#finance-trend rect').count() > 0, 'bars of AR');
  const marchBalances = await api('GET', '/v1/reports/balances?from=2026-03-01&to=2026-03-31');
  assert.equal(await page.locator('#finance-balances tbody tr').count(), marchBalances.customers.length + 1);
  assert.equal(await page.locator('#finance-balances tbody tr').last().locator('td[data-col="closing"]').textContent(),
    money(marchBalances.totals.closing));
  const [balancesDownload] = await Promise.all([page.waitForEvent('download'), page.click('#finance-balances-csv')]);
  assert.equal(fs.readFileSync(await balancesDownload.path(), 'utf8'),
    await api('GET', '/v1/reports/balances?from=2026-03-01&to=2026-03-31', null, 'finance', 'text/csv'));
  const marchProvision = await api('GET', '/v1/reports/provision?as_of=2026-03-31&compare_to=2026-02-28');
  assert.equal(await page.locator('#finance-provision tbody tr').last().locator('td[data-col="provision"]').textContent(),
    money(marchProvision.totals.provision));
  assert.equal(await page.locator('#finance-matrix tbody tr').count(), 5, 'a rate per bucket of the policy');
  const watch = await api('GET', '/v1/reports/watchlist');
  assert.ok(watch.customers.some((c) => c.customer === 'C-2001'));
  assert.equal(await page.locator('#finance-watch tbody tr').count(), watch.customers.length);
  await page.locator('#finance-watch li[data-code="near_limit"]', { hasText: '95.0%' }).waitFor();
  await shot('finance');

  step('a customer\'s page shows its early-warning signals');
  await page.goto(base + '/#/customer/C-2001');
  await page.locator('#customer-signals li[data-code="near_limit"]').waitFor();
  assert.match(await page.textContent('#customer-signals'), /balance 950\.00 is 95\.0% of the credit limit 1,000\.00/);
  await shot('customer-signals');

  step('cash: a statement imported from a file, the lines to decide, one applied in two clicks');
  await page.goto(base + '/#/cash');
  await page.locator('#cash-statements').waitFor();
  const camt = '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">' +
    '<BkToCstmrStmt><Stmt><Id>CONSOLE-1</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>EUR</Ccy></Acct>' +
    '<Ntry><Amt Ccy="EUR">12.34</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>' + today +
    '</Dt></BookgDt><AcctSvcrRef>CON-1</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>INV-2026-0002 INV-2026-0004</Ustrd>' +
    '</RmtInf></TxDtls></NtryDtls></Ntry>' +
    '<Ntry><Amt Ccy="EUR">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>' + today +
    '</Dt></BookgDt><AcctSvcrRef>CON-2</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>no clue</Ustrd></RmtInf>' +
    '</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>';
  await page.setInputFiles('#bank-statement-file', { name: 'statement.xml', mimeType: 'application/xml', buffer: Buffer.from(camt) });
  await page.click('#bank-statement-form button');
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('Statement CONSOLE-1 imported'));
  assert.equal(await page.textContent('#bank-statement-result dd[data-field="suggested"]'), '1');
  assert.equal(await page.textContent('#bank-statement-result dd[data-field="unmatched"]'), '1');
  const waiting = (await api('GET', '/v1/bank-statement-lines')).items;
  assert.equal(await page.locator('#cash-queue tbody tr').count(), waiting.length);
  const suggestedRow = page.locator('#cash-queue tbody tr', { hasText: 'INV-2026-0002 INV-2026-0004' });
  assert.equal(await suggestedRow.locator('option').count(), 2, 'the two invoices named are the candidates');
  await shot('cash');
  await suggestedRow.locator('.apply').click();
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('applied to'));
  const line = (await api('GET', '/v1/bank-statement-lines')).items;
  assert.equal(line.length, waiting.length - 1);
  const applied = (await api('GET', '/v1/bank-statements')).items[0];
  assert.equal(applied.matched, 1);

  step('runs: grading started from the console, dunning answered with the run that covered the day');
  await page.goto(base + '/#/runs');
  await page.locator('#runs-dunning tbody tr').first().waitFor();
  await page.click('#grading-run-form button');
  await page.waitForFunction(() => /Grading run \d+ as of/.test(document.getElementById('message').textContent));
  assert.equal((await api('GET', '/v1/grading-runs')).items.length, 1);
  assert.ok(await page.locator('#run-result dd[data-field="customers_graded"]').count() === 1);
  await page.click('#dunning-run-form button');
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('had run as of'));
  assert.equal((await api('GET', '/v1/dunning-runs')).items.length, 1);
  await shot('runs');

  step('the worklist at 1366 px: names, sorted by days overdue, several tasks closed at once');
  await page.goto(base + '/#/worklist');
  await page.fill('#worklist-collector', '');
  await page.selectOption('#worklist-sort', 'days');
  version = await page.getAttribute('#worklist-table', 'data-version');
  await page.click('#worklist-form button');
  await page.waitForFunction((v) => document.getElementById('worklist-table').dataset.version !== v, version);
  const openTasks = (await api('GET', '/v1/dunning-tasks?status=open')).items;
  const byDays = [...openTasks].sort((a, b) => b.days_overdue - a.days_overdue || Number(a.id) - Number(b.id));
  assert.deepEqual(await page.$$eval('#worklist-table td[data-col="id"]', (tds) => tds.map((td) => td.textContent)),
    byDays.map((t) => t.id));
  assert.ok(await page.locator('#worklist-table td[data-col="customer"] a').first().textContent().then((t) => t.includes('(')),
    'the customer is shown by name');
  for (const button of await page.locator('#worklist-table .task-done').all())
    assert.ok(await button.isVisible() && (await button.boundingBox()).x + 40 < 1366, 'the Done buttons are in view');
  await shot('worklist-1366');
  const chosen = byDays.slice(0, 2).map((t) => t.id);
  for (const id of chosen) await page.check('.task-select[value="' + id + '"]');
  await page.fill('#worklist-bulk-note', 'paid at the counter');
  await page.click('#worklist-bulk-done');
  await page.waitForFunction(() => /2 tasks marked done/.test(document.getElementById('message').textContent));
  const doneNow = (await api('GET', '/v1/dunning-tasks?status=done')).items.filter((t) => chosen.includes(t.id));
  assert.deepEqual(doneNow.map((t) => t.note), ['paid at the counter', 'paid at the counter']);

  step('a manager approves in place, by keyboard: a write-off approved, a raise rejected, an order overridden');
  await page.click('#signout');
  await page.fill('#key', keys.manager);
  await page.keyboard.press('Enter');
  await page.locator('#nav-approvals').waitFor();
  await page.goto(base + '/#/approvals');
  await page.locator('#approvals-writeoffs .approve').first().waitFor();
  assert.match(await page.textContent('#approvals-writeoffs tbody'), /score|exposure/);
  await shot('approvals');
  await page.focus('#approvals-writeoffs .approve');
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.getElementById('message').textContent.includes('Request ' + id + ' approved'), writeOff.id);
  assert.equal((await api('GET', '/v1/write-offs/' + writeOff.id)).status, 'approved');
  await page.locator('#approvals-limits .reject').first().waitFor();
  await page.click('#approvals-limits .reject');
  await page.waitForFunction((id) => document.getElementById('message').textContent.includes('Request ' + id + ' rejected'),
    raise.pending_limit_change.id);
  assert.equal((await api('GET', '/v1/limit-changes/' + raise.pending_limit_change.id)).status, 'rejected');
  const overrideRow = page.locator('#approvals-overrides tbody tr', { hasText: 'SO-NO-LIMIT' });
  await overrideRow.locator('.task-note').fill('known customer, pays cash');
  await overrideRow.locator('.override').click();
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('Order SO-NO-LIMIT is approved'));
  assert.equal((await api('GET', '/v1/reservations/SO-NO-LIMIT')).status, 'active');
  assert.equal((await api('GET', '/v1/credit-checks?waiting=true')).items.length, 0);

  step('a sales key sees only the credit summary');
  await page.click('#signout');
  await page.locator('#view-signin').waitFor();
  await page.fill('#key', keys.sales);
  await page.click('#signin-form button');
  await page.locator('#view-credit').waitFor();
  for (const hidden of ['#nav-overview', '#nav-worklist', '#nav-approvals', '#nav-runs', '#customer-search'])
    assert.equal(await page.isVisible(hidden), false, hidden + ' is not for sales');
  assert.equal(await page.isVisible('#nav-credit'), true);
  await page.fill('#credit-customer', 'C-1003');
  await page.click('#credit-form button');
  await page.locator('#credit-summary dd[data-field="available"]').waitFor();
  const c3 = await api('GET', '/v1/customers/C-1003/credit', null, 'sales');
  assert.equal(await page.textContent('#credit-summary dd[data-field="available"]'), money(c3.available));

  step('sales checks credit with a hold, sees it among the holds, and releases it');
  await page.fill('#credit-customer', 'C-2000');
  await page.click('#credit-form button');
  await page.waitForFunction(() => document.querySelector('#credit-summary dd[data-field="customer"]')?.textContent.includes('C-2000'));
  await page.fill('#check-order', 'SO-CONSOLE-1');
  await page.fill('#check-amount', '100.00');
  await page.click('#check-form button');
  await page.locator('#check-result[data-decision]').waitFor();
  const held = await api('GET', '/v1/reservations/SO-CONSOLE-1', null, 'sales');
  assert.equal(held.amount, 10000);
  assert.equal(await page.getAttribute('#check-result', 'data-decision'), 'approved');
  await page.locator('#credit-holds td[data-col="order_ref"]', { hasText: 'SO-CONSOLE-1' }).waitFor();
  await shot('sales');
  await page.locator('#credit-holds tbody tr', { hasText: 'SO-CONSOLE-1' }).locator('.release').click();
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('is released'));
  assert.equal((await api('GET', '/v1/reservations/SO-CONSOLE-1', null, 'sales')).status, 'released');
  await page.goto(base + '/#/overview');
  await page.locator('#view-denied').waitFor();
  assert.equal(await page.isVisible('#aging-chart'), false);

  step('on a phone-sized screen the overview fits the width');
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  phone.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await phone.goto(base + '/');
  await phone.fill('#key', keys.finance);
  await phone.click('#signin-form button');
  await phone.locator('#overdue-table a').first().waitFor();
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
    'the page does not scroll sideways (wide tables scroll inside their box)');
  await phone.screenshot({ path: path.join(out, 'overview-phone.png'), fullPage: true });

  assert.deepEqual(problems, [], 'no script errors and no Content-Security-Policy violations');
  console.log('console test: all passed; screenshots in ' + out);
} catch (e) {
  failed = true;
  console.error(e);
  for (const p of browser.contexts().flatMap((c) => c.pages()))
    console.error('the page said: ' + (await p.textContent('#message').catch(() => '?')) + ' (at ' + p.url() + ')');
  if (problems.length) console.error('browser problems:\n' + problems.join('\n'));
} finally {
  await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
