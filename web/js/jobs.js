// The jobs page: upload a document to POST /v1/jobs, follow it (GET /v1/jobs/:id every half
// second: state and pages done/total as a progress bar), then show per-page region counts and
// offer the results as JSON; a running job can be canceled (DELETE).
import { ApiError, fetchJson, watchService } from './api.js';
import { outputName } from './names.js';

const POLL_MS = 500;
const FINISHED = new Set(['completed', 'failed', 'canceled']);

const $ = (id) => document.getElementById(id);
const tbody = $('jobs-table').querySelector('tbody');

function showError(err) {
  $('error-text').textContent = err.message;
  $('error-code').textContent = err instanceof ApiError ? err.code : '';
  $('error-banner').classList.add('show');
}
$('error-close').addEventListener('click', () => $('error-banner').classList.remove('show'));

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function render(row, job) {
  const total = job.pagesTotal ?? 0;
  const fraction = total > 0 ? job.pagesDone / total : job.state === 'completed' ? 1 : 0;
  row.dataset.state = job.state;
  row.querySelector('.state').textContent = job.error ? `${job.state}: ${job.error.code}` : job.state;
  row.querySelector('.bar i').style.width = `${Math.round(fraction * 100)}%`;
  row.querySelector('.count').textContent = `${job.pagesDone}/${job.pagesTotal ?? '?'}`;
  const regions = (job.pages ?? []).filter((p) => p.ok).reduce((sum, p) => sum + p.result.regions.length, 0);
  row.querySelector('.regions').textContent = job.pages ? String(regions) : '–';
  const actions = row.querySelector('.actions');
  actions.replaceChildren();
  if (!FINISHED.has(job.state)) {
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', () => fetchJson(job.statusUrl, { method: 'DELETE' }).then((j) => render(row, j), showError));
    actions.append(cancel);
  } else if (job.pages) {
    const link = document.createElement('a');
    link.textContent = 'results.json';
    link.download = outputName(job.name || job.id, false, 'json');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(job, null, 2)], { type: 'application/json' }));
    actions.append(link);
  }
}

async function follow(row, job) {
  render(row, job);
  while (!FINISHED.has(job.state)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await fetchJson(job.statusUrl);
    render(row, job);
  }
}

async function submit(file) {
  const body = new FormData();
  body.append('file', file, file.name);
  const pages = $('job-pages').value.trim();
  const url = pages ? `/v1/jobs?pages=${encodeURIComponent(pages)}` : '/v1/jobs';
  const job = await fetchJson(url, { method: 'POST', body });
  $('jobs-empty').hidden = true;
  const row = document.createElement('tr');
  row.dataset.id = job.id;
  const progress = document.createElement('td');
  progress.innerHTML = '<span class="bar"><i></i></span>';
  const state = cell('');
  state.className = 'state';
  const count = cell('');
  count.className = 'count';
  const regions = cell('');
  regions.className = 'regions';
  const actions = cell('');
  actions.className = 'actions';
  row.append(cell(file.name), state, progress, count, regions, actions);
  tbody.prepend(row);
  await follow(row, job);
}

$('job-open').addEventListener('click', () => $('job-file').click());
$('job-file').addEventListener('change', () => {
  const file = $('job-file').files[0];
  if (file) submit(file).catch(showError);
  $('job-file').value = '';
});
watchService($('service-pill'));
