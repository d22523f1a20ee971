// Benchmarks need the stand-in model (unless a real one is in ../shared/models/); make it once.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
if (!fs.existsSync(new URL('../bench/models/pp-doclayoutv3-standin.onnx', import.meta.url))) {
  execFileSync(process.execPath, [new URL('../dist/bench/make-standin.js', import.meta.url).pathname], { stdio: 'inherit' });
}
