// @vision-flow/operators/testing: the vision operators' steps one at a time, on the calling thread
// and without the worker pool, for tests and measurements (bench/inference-rate.ts --compare-designs).
// Not for production code: a node runs them through decodeImage, detectObjects and detectFaces.

// --- Decoding
export { decodeFrame, decodeLimits, type DecodeLimits } from '../vision/decode-image.js';

// --- Inference
export { openOnnxModel, type OnnxModel, type OnnxSessionOptions } from '../vision/onnx-session.js';
export { runDetector, type DetectParams, type DetectorResult, type DetectorTimings } from '../vision/run-detector.js';
