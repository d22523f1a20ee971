// How a file reaches the Analyze page: the Open button, the drop zone (click or Enter/Space),
// or a drop anywhere on the page view.

/** els: { stage, dropzone, openButton, fileInput }; onFile(file) for each chosen or dropped file. */
export function wireFileIntake(els, onFile) {
  els.openButton.addEventListener('click', () => els.fileInput.click());
  els.dropzone.addEventListener('click', () => els.fileInput.click());
  els.dropzone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') els.fileInput.click();
  });
  els.fileInput.addEventListener('change', () => {
    const file = els.fileInput.files[0];
    if (file) onFile(file);
    els.fileInput.value = '';
  });
  let dragDepth = 0;
  els.stage.addEventListener('dragenter', (e) => {
    e.preventDefault();
    dragDepth++;
    els.stage.classList.add('dragging');
  });
  els.stage.addEventListener('dragleave', () => {
    if (--dragDepth <= 0) els.stage.classList.remove('dragging');
  });
  els.stage.addEventListener('dragover', (e) => e.preventDefault());
  els.stage.addEventListener('drop', (e) => {
    e.preventDefault();
    dragDepth = 0;
    els.stage.classList.remove('dragging');
    const file = e.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
}
