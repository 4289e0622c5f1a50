// The results panel: accuracy on the whole MNIST test set, the confusion
// matrix (rows: the true digit, columns: what the network said) and a
// gallery of the digits it got wrong. Clicking a cell of the matrix filters
// the gallery to that mistake.

const GALLERY_PAGE = 48;

export function createResultsPanel(root) {
  const summary = root.querySelector('[data-role="summary"]');
  const matrix = root.querySelector('[data-role="confusion"]');
  const gallery = root.querySelector('[data-role="gallery"]');
  const galleryTitle = root.querySelector('[data-role="gallery-title"]');
  const more = root.querySelector('[data-role="more"]');
  let current = null;
  let filter = null; // {label, predicted} or null
  let shown = GALLERY_PAGE;

  function renderMatrix() {
    const { confusion } = current;
    let maxOff = 1;
    const rowTotals = new Array(10).fill(0);
    for (let t = 0; t < 10; t++) {
      for (let p = 0; p < 10; p++) {
        rowTotals[t] += confusion[t * 10 + p];
        if (t !== p) maxOff = Math.max(maxOff, confusion[t * 10 + p]);
      }
    }
    const table = document.createElement('table');
    table.className = 'confusion';
    const head = table.createTHead().insertRow();
    head.append(Object.assign(document.createElement('th'), { className: 'corner', innerHTML: '<span>true</span><span>said</span>' }));
    for (let p = 0; p < 10; p++) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: p }));
    const body = table.createTBody();
    for (let t = 0; t < 10; t++) {
      const tr = body.insertRow();
      tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: t }));
      for (let p = 0; p < 10; p++) {
        const n = confusion[t * 10 + p];
        const td = tr.insertCell();
        td.textContent = n ? String(n) : '';
        if (t === p) {
          td.className = 'diag';
          td.style.setProperty('--level', rowTotals[t] ? (n / rowTotals[t]).toFixed(3) : '0');
          td.title = `${n} of ${rowTotals[t]} ${t}s recognised`;
        } else if (n) {
          // Square root so a few mistakes are still visible next to many.
          td.className = 'off';
          td.style.setProperty('--level', Math.sqrt(n / maxOff).toFixed(3));
          td.title = `${n} × a ${t} read as ${p} (click to see them)`;
          td.tabIndex = 0;
          td.dataset.label = t;
          td.dataset.predicted = p;
          if (filter && filter.label === t && filter.predicted === p) td.classList.add('is-selected');
        }
      }
    }
    matrix.replaceChildren(table);
  }

  function renderGallery() {
    const { wrong } = current;
    const indices = [];
    for (let k = 0; k < wrong.index.length; k++) {
      if (!filter || (wrong.label[k] === filter.label && wrong.predicted[k] === filter.predicted)) indices.push(k);
    }
    const title = filter ? `${filter.label}s read as ${filter.predicted}` : 'Digits it got wrong';
    const truncated = current.wrongTotal > wrong.index.length && !filter ? ` (first ${wrong.index.length} of ${current.wrongTotal})` : '';
    galleryTitle.textContent = `${title}: ${indices.length}${truncated}`;
    const fragment = document.createDocumentFragment();
    for (const k of indices.slice(0, shown)) fragment.append(galleryItem(wrong, k));
    gallery.replaceChildren(fragment);
    more.hidden = indices.length <= shown;
  }

  matrix.addEventListener('click', (event) => {
    const cell = event.target.closest('td.off');
    if (!cell) return;
    const next = { label: Number(cell.dataset.label), predicted: Number(cell.dataset.predicted) };
    filter = filter && filter.label === next.label && filter.predicted === next.predicted ? null : next;
    shown = GALLERY_PAGE;
    renderMatrix();
    renderGallery();
  });
  matrix.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && event.target.matches('td.off')) {
      event.preventDefault();
      event.target.click();
    }
  });
  more.addEventListener('click', () => {
    shown += GALLERY_PAGE;
    renderGallery();
  });

  return {
    show(results) {
      current = results;
      filter = null;
      shown = GALLERY_PAGE;
      root.classList.remove('is-empty');
      const where = results.imagesSeen ? ` after ${results.imagesSeen.toLocaleString('en')} training images` : '';
      summary.innerHTML =
        `<strong>${(results.accuracy * 100).toFixed(2)}%</strong> of the ${results.count.toLocaleString('en')} test digits ` +
        `right (${results.wrongTotal.toLocaleString('en')} wrong) — ${escapeHtml(results.modelName)}${where}.`;
      renderMatrix();
      renderGallery();
    },
    clear(message) {
      current = null;
      root.classList.add('is-empty');
      summary.textContent = message;
      matrix.replaceChildren();
      gallery.replaceChildren();
      galleryTitle.textContent = '';
      more.hidden = true;
    },
  };
}

function galleryItem(wrong, k) {
  const figure = document.createElement('figure');
  figure.className = 'mistake';
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 28;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(28, 28);
  for (let p = 0; p < 784; p++) {
    const v = wrong.pixels[k * 784 + p];
    image.data[4 * p] = image.data[4 * p + 1] = image.data[4 * p + 2] = v;
    image.data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  const caption = document.createElement('figcaption');
  caption.innerHTML = `<span class="said">${wrong.predicted[k]}</span><span class="truth">was ${wrong.label[k]}</span>`;
  figure.title = `Test digit #${wrong.index[k]}: a ${wrong.label[k]}, the network said ${wrong.predicted[k]}`;
  figure.append(canvas, caption);
  return figure;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
