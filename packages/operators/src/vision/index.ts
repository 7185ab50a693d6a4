// Vision operators: decode images, detect objects and faces, draw what was found.

// --- Operators
export { decodeImage, type DecodeImageOptions, type ImageInput, type DecodedImage } from './decode-image.js';
export { detectObjects, type DetectObjectsOptions, type ObjectDetections, type ObjectDetection } from './detect-objects.js';
export { detectFaces, type DetectFacesOptions, type FaceDetections, type FaceDetection } from './detect-faces.js';

// --- Values
export { frameScale, type Frame, type FramePixels } from './frame.js';
export type { Box } from './box.js';

// --- Drawing
export { annotateImage, type Annotations, type AnnotateOptions } from './annotate-image.js';

// --- Models
export {
  catalogue, modelNames, isModelName,
  type ModelName, type ObjectModelName, type FaceModelName, type ModelSpec, type InputContract, type OutputContract, type YoloxOutput, type UltrafaceOutput,
} from '../models/catalogue.js';
export { resolveModel, modelDirectory, type ResolveModelOptions, type ResolvedModel } from '../models/resolve-model.js';

// --- Inference workers
export { InferencePool, prestartInferencePool, runInferencePool, type InferencePoolOptions } from './inference-pool.js';
export { InferenceWorkers, type InferenceWorkersOptions } from './inference-workers.js';
