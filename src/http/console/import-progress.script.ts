/**
 * The console's one script, served from our own origin (`script-src 'self'`, nothing inline):
 * while a CSV import is read and stored (a large file takes a while, and the browser shows
 * only its own spinner), the form says so in words and a progress bar, and its button is
 * disabled so that a second click does not post the file twice. Without JavaScript the form
 * posts just the same and the report page follows.
 */
export const IMPORT_PROGRESS_PATH = '/assets/import-progress.js';

export const IMPORT_PROGRESS_SCRIPT = `const form = document.querySelector('form[data-import-progress]');
const status = document.getElementById('import-progress');
if (form && status) {
  form.addEventListener('submit', () => {
    const file = form.querySelector('input[type=file]').files[0];
    const size = file ? ' (' + Math.max(1, Math.round(file.size / 1024)).toLocaleString() + ' kB)' : '';
    status.querySelector('.import-progress-text').textContent =
      'Importing ' + (file ? file.name : 'the file') + size + ': every line is checked and stored; the report opens when it is done.';
    status.querySelector('progress').hidden = false;
    for (const button of form.querySelectorAll('button[type=submit]')) button.disabled = true;
  });
}
`;
