// The jobs page: upload a document to POST /v1/jobs and follow it live through its event stream
// (GET /v1/jobs/:id/events: a progress bar with pages done / failed / total, each finished page as
// it finishes, the final state), then show its region count and offer the results as JSON; a
// running job can be canceled (DELETE). The server has no list of jobs, so the ids this page
// submitted are kept in localStorage and followed again after a reload (durable jobs outlive a
// server restart).
import { ApiError, fetchJson, watchService } from './api.js';
import { followEvents } from './job-events.js';
import { outputName } from './names.js';

const FINISHED = new Set(['completed', 'failed', 'canceled']);
const STORAGE = 'doclayout.jobs';
/** Jobs remembered across reloads; older ones are forgotten. */
const KEEP = 50;
/** Page marks shown per job; a long document shows the latest ones. */
const MARKS = 120;

const $ = (id) => document.getElementById(id);
const tbody = $('jobs-table').querySelector('tbody');

function showError(err) {
  $('error-text').textContent = err.message;
  $('error-code').textContent = err instanceof ApiError ? err.code : '';
  $('error-banner').classList.add('show');
}
$('error-close').addEventListener('click', () => $('error-banner').classList.remove('show'));

function remembered() {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE) ?? '[]');
    return Array.isArray(list) ? list.filter((j) => typeof j?.id === 'string') : [];
  } catch {
    return [];
  }
}
function remember(id, name) {
  localStorage.setItem(STORAGE, JSON.stringify([{ id, name }, ...remembered().filter((j) => j.id !== id)].slice(0, KEEP)));
}
function forget(id) {
  localStorage.setItem(STORAGE, JSON.stringify(remembered().filter((j) => j.id !== id)));
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function newRow(id, name) {
  $('jobs-empty').hidden = true;
  const row = document.createElement('tr');
  row.dataset.id = id;
  const progress = cell('', 'progress');
  progress.innerHTML = '<span class="bar"><i></i></span><span class="marks"></span>';
  row.append(cell(name), cell('', 'state'), progress, cell('', 'count'), cell('–', 'regions'), cell('', 'actions'));
  return row;
}

/** What the row shows; page events and progress events both move it forward. */
function render(row, view) {
  const done = view.pagesDone;
  const total = view.pagesTotal;
  const fraction = total > 0 ? done / total : view.state === 'completed' ? 1 : 0;
  row.dataset.state = view.state;
  row.querySelector('.state').textContent = view.error ? `${view.state}: ${view.error.code}` : view.state;
  const bar = row.querySelector('.bar');
  bar.classList.toggle('warn', view.pagesFailed > 0);
  bar.querySelector('i').style.width = `${Math.round(Math.min(fraction, 1) * 100)}%`;
  row.querySelector('.count').textContent = `${done}/${total ?? '?'}${view.pagesFailed > 0 ? ` · ${view.pagesFailed} failed` : ''}`;
}

function addMark(row, page) {
  const marks = row.querySelector('.marks');
  const mark = document.createElement('i');
  mark.className = page.ok ? 'ok' : 'bad';
  mark.dataset.page = String(page.page);
  mark.title = page.ok ? `page ${page.page}: ${page.result.regions.length} regions` : `page ${page.page}: ${page.error?.code ?? 'failed'}`;
  marks.append(mark);
  if (marks.childElementCount > MARKS) marks.firstElementChild.remove();
}

function renderActions(row, view) {
  const actions = row.querySelector('.actions');
  actions.replaceChildren();
  if (!FINISHED.has(view.state)) {
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', () => fetchJson(`/v1/jobs/${encodeURIComponent(view.id)}`, { method: 'DELETE' }).catch(showError));
    actions.append(cancel);
  } else if (view.pages) {
    const regions = view.pages.filter((p) => p.ok).reduce((sum, p) => sum + p.result.regions.length, 0);
    row.querySelector('.regions').textContent = String(regions);
    const link = document.createElement('a');
    link.textContent = 'results.json';
    link.download = outputName(view.name || view.id, false, 'json');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(view, null, 2)], { type: 'application/json' }));
    actions.append(link);
  }
}

/** Follows one job from its current view to its end, through the event stream. */
function follow(row, job) {
  const statusUrl = `/v1/jobs/${encodeURIComponent(job.id)}`;
  let view = { ...job };
  const seen = { pages: 0, failed: 0, regions: 0 };
  const counted = (v) => ({ ...v, pagesDone: Math.max(v.pagesDone, seen.pages), pagesFailed: Math.max(v.pagesFailed, seen.failed) });
  render(row, view);
  renderActions(row, view);
  const finish = async () => {
    // One read of the finished job: its per-page results for the download.
    const full = await fetchJson(statusUrl).catch((err) => (showError(err), undefined));
    view = { ...view, ...(full ?? {}) };
    render(row, view);
    renderActions(row, view);
  };
  if (FINISHED.has(job.state)) {
    for (const page of job.pages ?? []) addMark(row, page);
    return;
  }
  followEvents(`${statusUrl}/events`, {
    page(page) {
      // The stream starts at the first page, so these counts are exact; a page counts as soon
      // as it is stored, before the progress event that follows it.
      seen.pages++;
      if (page.ok) seen.regions += page.result.regions.length;
      else seen.failed++;
      addMark(row, page);
      row.querySelector('.regions').textContent = String(seen.regions);
      view = counted({ ...view, state: FINISHED.has(view.state) ? view.state : 'running' });
      render(row, view);
    },
    progress(progress) {
      view = counted({ ...view, ...progress });
      render(row, view);
    },
    done(final) {
      view = counted({ ...view, ...final });
      render(row, view);
      finish();
    },
    lost(err) {
      showError(err);
      fetchJson(statusUrl).then((v) => { view = v; render(row, v); renderActions(row, v); }, () => undefined);
    },
  });
}

async function submit(file) {
  const body = new FormData();
  body.append('file', file, file.name);
  const pages = $('job-pages').value.trim();
  const url = pages ? `/v1/jobs?pages=${encodeURIComponent(pages)}` : '/v1/jobs';
  const job = await fetchJson(url, { method: 'POST', body });
  remember(job.id, file.name);
  const row = newRow(job.id, file.name);
  tbody.prepend(row);
  follow(row, job);
}

/** After a reload: the jobs this browser submitted, newest first, followed again where they run. */
async function restore() {
  for (const { id, name } of remembered()) {
    let job;
    try {
      job = await fetchJson(`/v1/jobs/${encodeURIComponent(id)}`);
    } catch (err) {
      // Gone (expired, another server, another data directory): forget it; otherwise say why.
      if (err instanceof ApiError && err.status === 404) forget(id);
      else showError(err);
      continue;
    }
    const row = newRow(id, name || job.name || id);
    tbody.append(row);
    follow(row, job);
  }
}

$('job-open').addEventListener('click', () => $('job-file').click());
$('job-file').addEventListener('change', () => {
  const file = $('job-file').files[0];
  if (file) submit(file).catch(showError);
  $('job-file').value = '';
});
restore();
watchService($('service-pill'));
