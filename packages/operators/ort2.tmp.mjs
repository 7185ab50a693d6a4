import ort from 'onnxruntime-node'; import sharp from 'sharp'; import fs from 'node:fs';
const M='/work/shared/models/'; const D='/work/shared/images/coco/';
const files = fs.readdirSync(D).slice(0, 20);
const yin = [], fin = [];
for (const f of files) {
  const y = await sharp(D+f).resize(416,416,{fit:'fill'}).removeAlpha().raw().toBuffer(); const a = new Float32Array(3*416*416); for (let i=0;i<416*416;i++) for (let c=0;c<3;c++) a[c*416*416+i]=y[i*3+(2-c)]; yin.push(a);
  const z = await sharp(D+f).resize(320,240,{fit:'fill'}).removeAlpha().raw().toBuffer(); const b = new Float32Array(3*240*320); for (let i=0;i<240*320;i++) for (let c=0;c<3;c++) b[c*240*320+i]=(z[i*3+c]-127)/128; fin.push(b);
}
async function bench(extra, label, opt='all') {
  const o = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3, graphOptimizationLevel: opt, ...extra };
  const y = await ort.InferenceSession.create(M+'yolox-nano.onnx', o); const f = await ort.InferenceSession.create(M+'ultraface-rfb-320.onnx', o);
  for (let i=0;i<5;i++){ await y.run({images:new ort.Tensor('float32',yin[i],[1,3,416,416])}); await f.run({input:new ort.Tensor('float32',fin[i],[1,3,240,320])}); }
  let c0=process.cpuUsage(); for (let r=0;r<3;r++) for (const a of yin) await y.run({images:new ort.Tensor('float32',a,[1,3,416,416])}); let c=process.cpuUsage(c0); const ty=(c.user+c.system)/1000/(3*yin.length);
  c0=process.cpuUsage(); for (let r=0;r<3;r++) for (const a of fin) await f.run({input:new ort.Tensor('float32',a,[1,3,240,320])}); c=process.cpuUsage(c0); const tf=(c.user+c.system)/1000/(3*fin.length);
  console.log(label.padEnd(28), 'yolox', ty.toFixed(2), 'ms  ultraface', tf.toFixed(2), 'ms');
}
for (let k=0;k<2;k++){
await bench({}, 'default');
await bench({ extra: { session: { set_denormal_as_zero: '1' } } }, 'denormal_as_zero');
await bench({ enableCpuMemArena: false }, 'no arena');
await bench({ executionMode: 'sequential', enableMemPattern: true, extra: { session: { 'intra_op.allow_spinning': '0' } } }, 'no spinning');
}
