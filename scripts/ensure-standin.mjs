// Benchmarks need the stand-in model (unless a real one is in ../shared/models/); make it once.
// `--fast` makes the fast stand-in (bench:pipeline) instead.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
const fast = process.argv.includes('--fast');
const file = fast ? '../bench/models/pp-doclayoutv3-standin-fast.onnx' : '../bench/models/pp-doclayoutv3-standin.onnx';
if (!fs.existsSync(new URL(file, import.meta.url))) {
  execFileSync(process.execPath, [new URL('../dist/bench/make-standin.js', import.meta.url).pathname, ...(fast ? ['--fast'] : [])], { stdio: 'inherit' });
}
