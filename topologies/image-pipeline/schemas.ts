// Avro schemas of the image pipeline's topics. Their TypeScript types follow from them, and the
// registry holds them under <topic>-value; change them BACKWARD-compatibly (new fields need defaults).
import { avro, type Infer } from '@vision-flow/core';

export const Box = avro.record('vision.Box', {
  x: avro.double(),
  y: avro.double(),
  width: avro.double(),
  height: avro.double(),
}, { doc: 'Pixels of the original image (after EXIF orientation): top-left corner and size' });

export const ImageSubmitted = avro.record('vision.ImageSubmitted', {
  id: avro.string(),
  image: avro.field(avro.bytes(), { doc: 'Encoded image (JPEG, PNG, WebP...) as submitted' }),
  contentType: avro.nullable(avro.string()),
  source: avro.field(avro.nullable(avro.string()), { doc: 'Where the image came from: a file path, a device id' }),
  submittedAt: avro.timestampMillis(),
});

export const ObjectDetection = avro.record('vision.ObjectDetection', { label: avro.string(), classId: avro.int(), score: avro.double(), box: Box });
export const FaceDetection = avro.record('vision.FaceDetection', { score: avro.double(), box: Box });

export const ObjectsDetected = avro.record('vision.ObjectsDetected', {
  id: avro.string(),
  source: avro.nullable(avro.string()),
  width: avro.int(),
  height: avro.int(),
  model: avro.string(),
  objects: avro.array(ObjectDetection),
  timings: avro.map(avro.double()),
});

export const FacesDetected = avro.record('vision.FacesDetected', {
  id: avro.string(),
  source: avro.nullable(avro.string()),
  width: avro.int(),
  height: avro.int(),
  model: avro.string(),
  faces: avro.array(FaceDetection),
  timings: avro.map(avro.double()),
});

export const ImageAnalysis = avro.record('vision.ImageAnalysis', {
  id: avro.string(),
  source: avro.nullable(avro.string()),
  width: avro.int(),
  height: avro.int(),
  objects: avro.array(ObjectDetection),
  faces: avro.array(FaceDetection),
  complete: avro.field(avro.boolean(), { doc: 'False when a detector was late or failed: a partial result, updated if the part arrives later' }),
  missing: avro.field(avro.array(avro.string()), { doc: 'Parts that had not arrived when this result was made: objects, faces' }),
  // 'late' came after the first version: an update of an earlier partial result of the same id.
  reason: avro.enum('vision.CollectReason', ['complete', 'timeout', 'window_closed', 'end_of_input', 'late'], {
    doc: 'Why this result was emitted; late: parts arrived after a partial result, which this one updates',
  }),
  submittedAt: avro.timestampMillis(),
  timings: avro.field(avro.map(avro.double()), { doc: 'Milliseconds per stage: objectsDecodeMs, objectsMs, facesDecodeMs, facesMs, joinWaitMs' }),
});

export type ImageAnalysis = Infer<typeof ImageAnalysis>;
