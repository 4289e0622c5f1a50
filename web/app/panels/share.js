// The "save and share" panel: download the current model as a file or as an
// ONNX model, load a model file or an .onnx model (the engine validates it; a
// bad file leaves the current model as it was and says why), go back to the
// pretrained model, and copy a link that reproduces the run's settings.

import { html, roles } from '../dom.js';

const markup = () => html`
  <p class="lead">A model file holds the network's layout and every weight; loading one puts its network into the
    editor. The page's address holds the network and the training settings and seed, so a link lets someone else
    run the same experiment.</p>
  <p class="lead">An ONNX file runs the same network in ONNX Runtime, PyTorch or Netron: its input is float32
    [N, 1, 28, 28] with pixels from 0 (background) to 1 (ink), its output the 10 class probabilities. An .onnx
    model made elsewhere (PyTorch, Keras) loads here too when it uses layers this engine has.</p>
  <p class="current-model" data-role="model-name">Model: loading…</p>
  <div class="buttons">
    <button type="button" class="button" data-testid="save-model" disabled>Download model</button>
    <button type="button" class="button" data-testid="save-onnx" disabled>Download as ONNX</button>
    <label class="button file-button">Load model file…<input type="file"
      accept=".cnn,.onnx,application/octet-stream" data-testid="load-model" disabled></label>
    <button type="button" class="button" data-testid="pretrained" hidden>Back to the pretrained model</button>
    <button type="button" class="button" data-testid="share">Copy link to these settings</button>
  </div>
  <p class="io-status" data-role="status" aria-live="polite"></p>
  <p class="io-error" data-testid="model-error" role="alert" hidden></p>`;

export const sharePanel = {
  id: 'share',
  title: 'Save and share',
  wide: true,
  mount(root, { client, settings }) {
    root.append(markup());
    const { status, 'model-name': modelName } = roles(root);
    return bind(root, { client, settings }, status, modelName);
  },
};

function bind(root, { client, settings }, status, modelName) {
  const saveButton = root.querySelector('[data-testid="save-model"]');
  const onnxButton = root.querySelector('[data-testid="save-onnx"]');
  const fileInput = root.querySelector('[data-testid="load-model"]');
  const pretrainedButton = root.querySelector('[data-testid="pretrained"]');
  const shareButton = root.querySelector('[data-testid="share"]');
  const error = root.querySelector('[data-testid="model-error"]');

  const say = (text) => {
    status.textContent = text;
    error.hidden = true;
    error.textContent = '';
  };
  const fail = (text) => {
    error.textContent = text;
    error.hidden = false;
    status.textContent = '';
  };

  // The worker's bytes as a download named after the model and its training so far.
  const download = async (command, extension) => {
    try {
      const { bytes, name, imagesSeen } = await client.request(command);
      const blob = new Blob([bytes], { type: 'application/octet-stream' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `${name}${imagesSeen ? `-${imagesSeen}` : ''}.${extension}`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      say(`Saved ${link.download} (${(bytes.length / 1024).toFixed(0)} KB).`);
    } catch (e) {
      fail(`Could not save: ${e.message}`);
    }
  };
  saveButton.addEventListener('click', () => download('save', 'cnn'));
  onnxButton.addEventListener('click', () => download('exportOnnx', 'onnx'));

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { name, net } = await client.request('load', { bytes, fileName: file.name });
      // The file's network becomes the settings' (the editor shows it, the link carries it).
      let linked = '';
      try {
        settings.set({ net });
      } catch (e) {
        linked = ` Its network cannot go into a link (${e.message}).`;
      }
      say(`Loaded ${name}. Testing it on the 10,000 test digits…${linked}`);
    } catch (e) {
      fail(`“${file.name}” was not loaded: ${e.message}. The current model is unchanged.`);
    } finally {
      fileInput.value = ''; // choosing the same file again fires change again
    }
  });

  pretrainedButton.addEventListener('click', async () => {
    try {
      await client.request('pretrained');
      say('Back to the pretrained model of this data set.');
    } catch (e) {
      fail(e.message);
    }
  });

  shareButton.addEventListener('click', async () => {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      say('Link copied: it opens this page with these settings and seed.');
    } catch {
      // No clipboard permission (or not a secure context): show the link instead.
      say(`Link to these settings: ${url}`);
    }
  });

  const off = [
    client.on('model', (info) => {
      const weights = info.params.toLocaleString('en');
      modelName.textContent = `${info.name} · ${info.preset ?? 'custom network'} · ${weights} weights`;
      pretrainedButton.hidden = info.source === 'pretrained';
    }),
    client.on('ready', (info) => {
      pretrainedButton.disabled = Boolean(info.warning);
      saveButton.disabled = false;
      onnxButton.disabled = false;
      fileInput.disabled = false;
    }),
  ];
  return { destroy: () => off.forEach((fn) => fn()) };
}
