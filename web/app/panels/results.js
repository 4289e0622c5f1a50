// "How well does it do?": accuracy on the whole test set, the confusion
// matrix (rows: the true digit, columns: what the network said) and a
// gallery of the digits it got wrong. Clicking a cell of the matrix filters
// the gallery to that mistake. By keyboard the mistake cells are one tab stop
// (../roving.js): arrows move, Enter or Space filters.
import { MNIST_PIXELS, MNIST_SIDE, formatCount } from '../../util.js';
import { el, html, roles } from '../dom.js';
import { createRoving } from '../roving.js';

const GALLERY_PAGE = 48;

function createResultsView(root) {
  const { summary, confusion: matrix, gallery, 'gallery-title': galleryTitle, more } = roles(root);
  let current = null;
  let filter = null; // {label, predicted} or null
  let shown = GALLERY_PAGE;
  const roving = createRoving(matrix, 'td.off', { rows: true, onActivate: (cell) => cell.click() });

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
    const table = el('table', { className: 'confusion' });
    const head = table.createTHead().insertRow();
    head.append(el('th', { className: 'corner' }, html`<span>true</span><span>said</span>`));
    for (let p = 0; p < 10; p++) head.append(el('th', { scope: 'col', textContent: p }));
    const body = table.createTBody();
    for (let t = 0; t < 10; t++) {
      const tr = body.insertRow();
      tr.append(el('th', { scope: 'row', textContent: t }));
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
          td.tabIndex = -1;
          td.dataset.label = t;
          td.dataset.predicted = p;
          if (filter && filter.label === t && filter.predicted === p) td.classList.add('is-selected');
        }
      }
    }
    matrix.replaceChildren(table);
    roving.refresh();
  }

  function renderGallery() {
    const { wrong } = current;
    const indices = [];
    for (let k = 0; k < wrong.index.length; k++) {
      if (!filter || (wrong.label[k] === filter.label && wrong.predicted[k] === filter.predicted)) indices.push(k);
    }
    const title = filter ? `${filter.label}s read as ${filter.predicted}` : 'Digits it got wrong';
    const shownAll = current.wrongTotal <= wrong.index.length || filter;
    const truncated = shownAll ? '' : ` (first ${wrong.index.length} of ${current.wrongTotal})`;
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
    const hadFocus = matrix.contains(document.activeElement);
    renderMatrix();
    renderGallery();
    // The matrix was redrawn: the same cell of the new one keeps the keyboard's place.
    const same = matrix.querySelector(`td.off[data-label="${next.label}"][data-predicted="${next.predicted}"]`);
    roving.moveTo(same, { focus: hadFocus });
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
      const where = results.imagesSeen ? ` after ${formatCount(results.imagesSeen)} training images` : '';
      summary.replaceChildren(html`<strong>${(results.accuracy * 100).toFixed(2)}%</strong> of the
        ${formatCount(results.count)} test digits right (${formatCount(results.wrongTotal)} wrong) —
        ${results.modelName}${where}.`);
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
  const canvas = el('canvas', { width: MNIST_SIDE, height: MNIST_SIDE });
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(MNIST_SIDE, MNIST_SIDE);
  for (let p = 0; p < MNIST_PIXELS; p++) {
    const v = wrong.pixels[k * MNIST_PIXELS + p];
    image.data[4 * p] = image.data[4 * p + 1] = image.data[4 * p + 2] = v;
    image.data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  const said = wrong.predicted[k], truth = wrong.label[k];
  const caption = el('figcaption', {}, html`<span class="said">${said}</span><span class="truth">was ${truth}</span>`);
  const title = `Test digit #${wrong.index[k]}: a ${wrong.label[k]}, the network said ${wrong.predicted[k]}`;
  return el('figure', { className: 'mistake', title }, canvas, caption);
}

export const resultsPanel = {
  id: 'results',
  title: 'How well does it do?',
  wide: true,
  mount(section, app) {
    section.append(html`
      <p class="lead">The real test: 10,000 images the network never trained on. The confusion matrix counts, for each
        true class (row), what the network said (column); everything off the diagonal is a mistake. Click a mistake
        to see those images.</p>
      <p class="summary" data-role="summary"></p>
      <div class="results-grid">
        <div class="confusion-wrap" data-role="confusion"></div>
        <div class="gallery-wrap">
          <h3 data-role="gallery-title" aria-live="polite"></h3>
          <div class="gallery" data-role="gallery"></div>
          <button type="button" class="button secondary" data-role="more" hidden>Show more</button>
        </div>
      </div>`);
    const view = createResultsView(section);
    view.clear('Testing the model on the 10,000 test images…');
    // The test set (1.6 MB) downloads only when these results are wanted: when
    // the panel comes on screen with a model that has none yet. A fresh
    // network gets its results from training.
    let visible = false;
    let owed = false;
    const askIfOwed = () => {
      if (!visible || !owed) return;
      owed = false;
      app.client.request('evaluate').catch((error) => view.clear(error.message));
    };
    const observer = new IntersectionObserver((entries) => {
      visible = entries.some((e) => e.isIntersecting);
      askIfOwed();
    });
    observer.observe(section);
    const off = [
      app.client.on('results', (r) => {
        owed = false;
        view.show(r);
      }),
      // Results describe the model they were measured on; a new one starts blank.
      app.client.on('model', (info) => {
        if (!info.changed) return;
        owed = info.source !== 'fresh';
        view.clear(owed ? 'Testing the model on the 10,000 test images…'
          : 'Train the network: at the end of each epoch its results on all 10,000 test images appear here.');
        askIfOwed();
      }),
      app.client.on('data', ({ stage, message }) => stage === 'test-error' && view.clear(message)),
    ];
    return {
      destroy() {
        observer.disconnect();
        off.forEach((fn) => fn());
      },
    };
  },
};
