// Envelope's web page: plain DOM, no framework, no build step. Rules kept throughout:
// - the token lives in sessionStorage only (this tab), and signing out removes it;
// - data from the server is put on the page as text (textContent, attributes), never parsed as HTML;
// - uploads send the File object itself as the body and downloads are form posts the browser saves to disk,
//   so a file of any size never sits in the page's memory.
'use strict';

(function () {
  const TOKEN_KEY = 'envelope.token';
  const PAGE_SIZE = 100;
  const PARALLEL_UPLOADS = 2;

  const $ = (id) => document.getElementById(id);
  const ui = {
    error: $('error'), status: $('status'), signOut: $('sign-out'),
    signInView: $('sign-in-view'), signInForm: $('sign-in-form'), token: $('token'),
    filesView: $('files-view'), dropZone: $('drop-zone'), choose: $('choose-files'), picker: $('file-picker'),
    uploads: $('uploads'), filter: $('filter'), filterNote: $('filter-note'), refresh: $('refresh'),
    rows: $('file-rows'), empty: $('empty'), more: $('more'),
    share: $('share-dialog'), shareName: $('share-name'), shareForm: $('share-form'), shareExpiry: $('share-expiry'),
    shareMax: $('share-max'), shareCreate: $('share-create'), shareResult: $('share-result'), shareUrl: $('share-url'),
    shareCopy: $('share-copy'), shareInfo: $('share-info'), shareError: $('share-error'), shareClose: $('share-close'),
    del: $('delete-dialog'), delName: $('delete-name'), delCancel: $('delete-cancel'), delConfirm: $('delete-confirm'),
  };

  let nextCursor = null;
  let loaded = 0;
  const queue = [];
  const running = new Set();
  let pendingDelete = null;
  let sharing = null;

  // ---- the token ----

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function signIn(secret) {
    sessionStorage.setItem(TOKEN_KEY, secret);
    showFiles();
  }

  function signOut(message) {
    const uploads = [...running, ...queue];
    queue.length = 0; // first, so that no waiting upload starts while the others are cancelled
    for (const upload of uploads) {
      upload.cancel();
    }
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.clear();
    // Nothing of the tenant stays on the page for whoever signs in next.
    clearFiles();
    ui.uploads.replaceChildren();
    ui.filter.value = '';
    ui.token.value = '';
    closeDialog(ui.share);
    closeDialog(ui.del);
    ui.filesView.hidden = true;
    ui.signOut.hidden = true;
    ui.signInView.hidden = false;
    say(message || 'Signed out.');
    ui.token.focus();
  }

  // ---- messages ----

  function say(text) {
    ui.status.textContent = text;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  // The API's errors are application/problem+json: a stable code, a title and a detail sentence.
  const PLAIN = {
    'unauthenticated': 'The token was not accepted. Check that you pasted all of it, and that it has not expired or been revoked.',
    'forbidden': 'This token is not allowed to do that.',
    'not-found': 'That file does not exist (any more).',
    'too-large': 'That is larger than the server accepts.',
    'throttled': 'Too many failed sign-ins from this address. Wait a minute, then try again.',
    'tenant-shredded': 'The files of this token\'s tenant have been destroyed; its tokens no longer work.',
    'invalid-argument': 'The server could not accept that request.',
    'unavailable': 'The server cannot do that right now. Try again in a moment.',
    'invalid-ciphertext': 'The stored file failed its integrity check, so it was not handed out.',
    'internal': 'Something went wrong on the server.',
  };

  async function problemOf(response) {
    let problem = null;
    try {
      const type = response.headers.get('Content-Type') || '';
      if (type.includes('json')) {
        problem = await response.json();
      }
    } catch (ignored) {
      problem = null;
    }
    return plainWords(response.status, problem);
  }

  function plainWords(status, problem) {
    const code = problem && typeof problem.code === 'string' ? problem.code : '';
    const sentence = PLAIN[code] || (problem && problem.title ? problem.title + '.' : 'The server answered ' + status + '.');
    const detail = problem && typeof problem.detail === 'string' ? problem.detail : '';
    return detail ? sentence + ' (' + detail + ')' : sentence;
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { 'Authorization': 'Bearer ' + token() };
    const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'The server could not be reached.');
    }
    if (!response.ok) {
      throw new ApiError(response.status, await problemOf(response));
    }
    return response;
  }

  // A request failed: say so; a token the server no longer takes ends the session.
  function failed(what, error) {
    const text = what + ': ' + (error instanceof ApiError ? error.message : String(error));
    if (error instanceof ApiError && error.status === 401 && token()) {
      signOut();
      showError(text);
      return;
    }
    showError(text);
  }

  // ---- the list ----

  function clearFiles() {
    ui.rows.replaceChildren();
    nextCursor = null;
    loaded = 0;
    ui.more.hidden = true;
    ui.empty.hidden = true;
    ui.filterNote.textContent = '';
  }

  async function showFiles() {
    showError('');
    say('Loading your files…');
    clearFiles();
    try {
      await loadPage(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        ui.filesView.hidden = true;
        ui.signOut.hidden = true;
        ui.signInView.hidden = false;
        say('');
        showError('Sign-in failed: ' + e.message);
        ui.token.focus();
        return;
      }
      failed('Listing your files failed', e);
      return;
    }
    ui.signInView.hidden = true;
    ui.filesView.hidden = false;
    ui.signOut.hidden = false;
    ui.token.value = '';
    say('Signed in. ' + loaded + (loaded === 1 ? ' file' : ' files') + ' shown' + (nextCursor ? ', more to load.' : '.'));
  }

  async function loadPage(cursor) {
    const query = '?limit=' + PAGE_SIZE + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    const page = await (await api('GET', '/v1/files' + query)).json();
    for (const file of page.files) {
      ui.rows.append(row(file));
      loaded++;
    }
    nextCursor = page.nextCursor || null;
    ui.more.hidden = !nextCursor;
    applyFilter();
  }

  function row(file) {
    const tr = document.createElement('tr');
    tr.dataset.id = file.id;
    tr.dataset.name = file.name.toLowerCase();
    const name = cell(file.name, 'name');
    const size = cell(humanSize(file.size), 'num');
    size.title = file.size + ' bytes';
    const when = new Date(file.createdAt);
    const date = document.createElement('td');
    const time = document.createElement('time');
    time.dateTime = file.createdAt;
    time.textContent = when.toLocaleString();
    date.append(time);
    const actions = document.createElement('td');
    actions.className = 'actions';
    actions.append(
      button('Download', 'Download ' + file.name, () => download(file)),
      button('Share', 'Share ' + file.name, () => openShare(file)),
      button('Delete', 'Delete ' + file.name, () => askDelete(file, tr), 'danger'));
    tr.append(name, size, date, actions);
    return tr;
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    td.className = className;
    return td;
  }

  function button(text, label, onClick, className) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.setAttribute('aria-label', label);
    if (className) {
      b.className = className;
    }
    b.addEventListener('click', onClick);
    return b;
  }

  function humanSize(bytes) {
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit === 0 ? bytes + (bytes === 1 ? ' byte' : ' bytes') : value.toFixed(value < 10 ? 1 : 0) + ' ' + units[unit];
  }

  // The filter runs over the pages loaded so far (the API has no name search): "Load more" widens it.
  function applyFilter() {
    const wanted = ui.filter.value.trim().toLowerCase();
    let shown = 0;
    for (const tr of ui.rows.children) {
      tr.hidden = wanted !== '' && !tr.dataset.name.includes(wanted);
      if (!tr.hidden) {
        shown++;
      }
    }
    ui.empty.hidden = loaded !== 0;
    if (wanted === '') {
      ui.filterNote.textContent = '';
    } else {
      ui.filterNote.textContent = shown + ' of the ' + loaded + ' files loaded match' +
        (nextCursor ? '; load more to search older files.' : '.');
    }
  }

  // ---- uploads ----

  function enqueue(fileList) {
    for (const file of fileList) {
      const upload = newUpload(file);
      queue.push(upload);
    }
    pump();
  }

  function pump() {
    while (running.size < PARALLEL_UPLOADS && queue.length > 0) {
      const upload = queue.shift();
      running.add(upload);
      upload.start();
    }
  }

  function newUpload(file) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = file.name;
    const progress = document.createElement('progress');
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute('aria-label', 'Upload of ' + file.name);
    const state = document.createElement('span');
    state.className = 'state';
    state.textContent = 'Waiting';
    const cancel = button('Cancel', 'Cancel the upload of ' + file.name, () => upload.cancel());
    li.append(name, progress, state, cancel);
    ui.uploads.append(li);

    let xhr = null;
    let over = false;
    const finish = (text, kind) => {
      over = true;
      state.textContent = text;
      li.className = kind;
      cancel.remove();
      running.delete(upload);
      pump();
    };
    const upload = {
      start() {
        if (over) {
          return;
        }
        xhr = new XMLHttpRequest();
        xhr.open('POST', '/v1/files?name=' + encodeURIComponent(file.name));
        xhr.setRequestHeader('Authorization', 'Bearer ' + token());
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable && e.total > 0) {
            progress.value = Math.floor(e.loaded * 100 / e.total);
            state.textContent = progress.value + '%';
          }
        };
        xhr.onload = () => {
          if (xhr.status === 201) {
            progress.value = 100;
            finish('Done', 'done');
            say('Uploaded ' + file.name + '.');
            const stored = JSON.parse(xhr.responseText);
            ui.rows.prepend(row(stored));
            loaded++;
            applyFilter();
            return;
          }
          let problem = null;
          try {
            problem = JSON.parse(xhr.responseText);
          } catch (ignored) {
            problem = null;
          }
          const text = plainWords(xhr.status, problem);
          finish('Failed', 'failed');
          failed('Uploading ' + file.name + ' failed', new ApiError(xhr.status, text));
        };
        xhr.onerror = () => {
          finish('Failed', 'failed');
          showError('Uploading ' + file.name + ' failed: the connection broke.');
        };
        xhr.onabort = () => finish('Cancelled', 'cancelled');
        state.textContent = '0%';
        xhr.send(file); // the File itself: the browser streams it from disk
      },
      cancel() {
        if (over) {
          return;
        }
        const index = queue.indexOf(upload);
        if (index >= 0) {
          queue.splice(index, 1);
        }
        if (xhr) {
          xhr.abort(); // onabort finishes it
        } else {
          finish('Cancelled', 'cancelled');
        }
        say('Cancelled the upload of ' + file.name + '.');
      },
    };
    return upload;
  }

  // ---- download, delete, share ----

  async function download(file) {
    showError('');
    try {
      // A HEAD first, so that a file gone or a token refused is told here, not as a page the form lands on.
      await api('HEAD', '/v1/files/' + encodeURIComponent(file.id));
    } catch (e) {
      failed('Downloading ' + file.name + ' failed', e);
      return;
    }
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = '/v1/files/' + encodeURIComponent(file.id) + '/download';
    form.hidden = true;
    const field = document.createElement('input');
    field.type = 'hidden';
    field.name = 'token';
    field.value = token();
    form.append(field);
    document.body.append(form);
    form.submit(); // Content-Disposition: attachment, so the browser saves it and the page stays
    form.remove();
    say('Downloading ' + file.name + '…');
  }

  function askDelete(file, tr) {
    pendingDelete = { file, tr };
    ui.delName.textContent = file.name;
    ui.del.showModal();
    ui.delCancel.focus();
  }

  async function confirmDelete() {
    const target = pendingDelete;
    closeDialog(ui.del);
    if (!target) {
      return;
    }
    try {
      await api('DELETE', '/v1/files/' + encodeURIComponent(target.file.id));
    } catch (e) {
      failed('Deleting ' + target.file.name + ' failed', e);
      return;
    }
    target.tr.remove();
    loaded--;
    applyFilter();
    say('Deleted ' + target.file.name + '.');
    ui.refresh.focus();
  }

  function openShare(file) {
    sharing = file;
    ui.shareName.textContent = file.name;
    ui.shareResult.hidden = true;
    ui.shareError.hidden = true;
    ui.shareUrl.value = '';
    ui.shareInfo.textContent = '';
    ui.shareMax.value = '';
    ui.share.showModal();
    ui.shareExpiry.focus();
  }

  async function createLink(event) {
    event.preventDefault();
    ui.shareError.hidden = true;
    const body = { expiresIn: ui.shareExpiry.value };
    const max = ui.shareMax.value.trim();
    if (max !== '') {
      const n = Number(max);
      if (!Number.isInteger(n) || n < 1) {
        ui.shareError.textContent = 'Most downloads must be a whole number from 1 up, or empty.';
        ui.shareError.hidden = false;
        return;
      }
      body.maxDownloads = n;
    }
    let link;
    try {
      link = await (await api('POST', '/v1/files/' + encodeURIComponent(sharing.id) + '/links', body)).json();
    } catch (e) {
      ui.shareError.textContent = 'Creating the link failed: ' + e.message;
      ui.shareError.hidden = false;
      if (e instanceof ApiError && e.status === 401) {
        failed('Creating the link failed', e);
      }
      return;
    }
    ui.shareUrl.value = link.url;
    ui.shareInfo.textContent = 'Link created. It works until ' + new Date(link.expiresAt).toLocaleString() +
      (link.maxDownloads ? ', for ' + link.maxDownloads + ' downloads.' : '.');
    ui.shareResult.hidden = false;
    ui.shareUrl.focus();
    ui.shareUrl.select();
  }

  async function copyLink() {
    try {
      await navigator.clipboard.writeText(ui.shareUrl.value);
      ui.shareInfo.textContent = 'Copied.';
      return;
    } catch (e) {
      // No clipboard API here (a page not served over HTTPS or from localhost): select it instead.
    }
    ui.shareUrl.focus();
    ui.shareUrl.select();
    ui.shareInfo.textContent = document.execCommand && document.execCommand('copy')
      ? 'Copied.' : 'Selected: press Ctrl+C (or ⌘C) to copy.';
  }

  function closeDialog(dialog) {
    if (dialog.open) {
      dialog.close();
    }
  }

  // ---- wiring ----

  ui.signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const secret = ui.token.value.trim();
    if (secret === '') {
      showError('Paste a token first.');
      ui.token.focus();
      return;
    }
    signIn(secret);
  });
  ui.signOut.addEventListener('click', () => signOut());
  ui.choose.addEventListener('click', () => ui.picker.click());
  ui.picker.addEventListener('change', () => {
    enqueue(ui.picker.files);
    ui.picker.value = '';
  });
  ui.dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    ui.dropZone.classList.add('over');
  });
  ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
  ui.dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.dropZone.classList.remove('over');
    if (event.dataTransfer && event.dataTransfer.files.length > 0) {
      enqueue(event.dataTransfer.files);
    }
  });
  // A file dropped beside the zone must not make the browser leave the page to show it.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  ui.filter.addEventListener('input', applyFilter);
  ui.refresh.addEventListener('click', () => showFiles());
  ui.more.addEventListener('click', async () => {
    try {
      await loadPage(nextCursor);
      say(loaded + ' files shown' + (nextCursor ? ', more to load.' : '.'));
    } catch (e) {
      failed('Loading more files failed', e);
    }
  });
  ui.delCancel.addEventListener('click', () => closeDialog(ui.del));
  ui.delConfirm.addEventListener('click', confirmDelete);
  ui.del.addEventListener('close', () => {
    pendingDelete = null;
  });
  ui.shareForm.addEventListener('submit', createLink);
  ui.shareCopy.addEventListener('click', copyLink);
  ui.shareClose.addEventListener('click', () => closeDialog(ui.share));

  if (token()) {
    showFiles();
  } else {
    ui.token.focus();
  }
})();
