// The "save and share" panel: download the current model as a file, load a
// model file (the engine validates it; a bad file leaves the current model
// as it was and says why), go back to the pretrained model, and copy a link
// that reproduces the run's settings.

export function createModelPanel({ root, engine }) {
  const $ = (role) => root.querySelector(`[data-role="${role}"]`);
  const saveButton = root.querySelector('[data-testid="save-model"]');
  const fileInput = root.querySelector('[data-testid="load-model"]');
  const pretrainedButton = root.querySelector('[data-testid="pretrained"]');
  const shareButton = root.querySelector('[data-testid="share"]');
  const error = root.querySelector('[data-testid="model-error"]');
  const status = $('status');
  const modelName = $('model-name');

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

  saveButton.addEventListener('click', async () => {
    try {
      const { bytes, name, imagesSeen } = await engine.request('save');
      const blob = new Blob([bytes], { type: 'application/octet-stream' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `${name}${imagesSeen ? `-${imagesSeen}` : ''}.cnn`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      say(`Saved ${link.download} (${(bytes.length / 1024).toFixed(0)} KB).`);
    } catch (e) {
      fail(`Could not save: ${e.message}`);
    }
  });

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { name } = await engine.request('load', { bytes, fileName: file.name }, [bytes.buffer]);
      say(`Loaded ${name}. Testing it on the 10,000 test digits…`);
    } catch (e) {
      fail(`“${file.name}” was not loaded: ${e.message}. The current model is unchanged.`);
    } finally {
      fileInput.value = ''; // choosing the same file again fires change again
    }
  });

  pretrainedButton.addEventListener('click', async () => {
    try {
      await engine.request('pretrained');
      say('Back to the pretrained LeNet-5.');
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

  return {
    setModel(info) {
      const params = info.params.toLocaleString('en');
      modelName.textContent = `${info.name} · ${info.preset ?? 'custom network'} · ${params} weights`;
      pretrainedButton.hidden = info.source === 'pretrained';
    },
    setPretrainedAvailable(available) {
      pretrainedButton.disabled = !available;
    },
    setReady() {
      saveButton.disabled = false;
      fileInput.disabled = false;
    },
  };
}
