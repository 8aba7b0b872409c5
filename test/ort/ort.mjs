// Runs an ONNX model with onnxruntime-node (CPU, one thread) for Prova's
// reference comparisons. Inputs and outputs are raw little-endian float32.
//
//   node ort.mjs run   MODEL DIMS IN.f32 OUT.f32   one inference per input
//   node ort.mjs bench MODEL DIMS IN.f32 SECONDS    single-thread throughput
//
// DIMS is the input shape of one inference, e.g. 1,784 or 1,1,28,28. IN.f32
// holds N inputs back to back; run writes the N outputs back to back. bench
// prints {"runs": R, "ns_per_run": X} for runs over the inputs in turn.
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';

const [mode, model, dimsArg, input, last] = process.argv.slice(2);
if (!['run', 'bench'].includes(mode) || !last) {
  console.error('usage: node ort.mjs run|bench MODEL DIMS IN.f32 OUT.f32|SECONDS');
  process.exit(2);
}
const dims = dimsArg.split(',').map(Number);
const per = dims.reduce((a, b) => a * b, 1);
const buf = fs.readFileSync(input);
const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
if (all.length % per !== 0) {
  console.error(`input of ${all.length} floats is not a multiple of ${per}`);
  process.exit(2);
}
const n = all.length / per;
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const inName = session.inputNames[0];
const outName = session.outputNames[0];
const feed = (i) => ({ [inName]: new ort.Tensor('float32', all.subarray(i * per, (i + 1) * per), dims) });

if (mode === 'run') {
  const parts = [];
  for (let i = 0; i < n; i++) {
    const out = await session.run(feed(i));
    parts.push(Buffer.from(new Float32Array(out[outName].data).buffer));
  }
  fs.writeFileSync(last, Buffer.concat(parts));
} else {
  const seconds = Number(last);
  for (let i = 0; i < Math.min(n, 200); i++) await session.run(feed(i)); // warm up
  let runs = 0;
  const start = process.hrtime.bigint();
  const stop = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < stop) {
    await session.run(feed(runs % n));
    runs++;
    now = process.hrtime.bigint();
  }
  console.log(JSON.stringify({ runs, ns_per_run: Number(now - start) / runs }));
}
