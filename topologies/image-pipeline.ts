// The image pipeline: ingest → (objects ‖ faces) → aggregate → deliver.
//
//   vision-flow run topologies/image-pipeline.ts --images ../shared/images
//
// Every node is its own service: `--node objects` runs just that one (on Kafka, one process each).
// Ingest accepts images fast; two independent detectors each do one task; aggregate owns its state
// (a change-logged store) and joins their results per image id, emitting a partial result when a
// detector is late and the complete one (reason `late`) once its part arrives; deliver writes
// results for client teams, the latest result of an id being the best.
// The same pipeline behind the HTTP front door: topologies/image-pipeline-http.ts (docs/ingest.md).
import { map } from 'rxjs';
import { named, param, session, topic, topology, type NodeBuilder, type NodeOptions, type Rec, type Source } from '@vision-flow/core';
import {
  annotateToFolder,
  collectByKey,
  decodeImage,
  detectFaces,
  detectObjects,
  directorySource,
  jsonLinesSink,
  verifyToken,
  type Collected,
  type SubmittedImage,
  type TokenAuth,
} from '@vision-flow/operators';
import { FacesDetected, ImageAnalysis, ImageSubmitted, ObjectsDetected } from './image-pipeline/schemas.js';

export const images = topic('images.submitted', { value: ImageSubmitted, partitions: 6, maxMessageBytes: 16 << 20 });
export const objects = topic('vision.objects', { value: ObjectsDetected, partitions: 6 });
export const faces = topic('vision.faces', { value: FacesDetected, partitions: 6 });
export const analyses = topic('vision.analyses', { value: ImageAnalysis, partitions: 6 });

type Parts = { objects: typeof objects; faces: typeof faces };

/** One analysis per image from whatever parts arrived. */
function toAnalysis(r: Rec<string, Collected<Parts>>): Rec<string, ImageAnalysis> {
  const { objects: o, faces: f } = r.value.parts;
  const timings: { [stage: string]: number } = { joinWaitMs: r.value.waitedMs };
  if (o) Object.assign(timings, { objectsDecodeMs: o.timings.decodeMs ?? 0, objectsMs: o.timings.objectsMs ?? 0 });
  if (f) Object.assign(timings, { facesDecodeMs: f.timings.decodeMs ?? 0, facesMs: f.timings.facesMs ?? 0 });
  return r.withValue({
    id: r.key,
    source: o?.source ?? f?.source ?? null,
    width: o?.width ?? f?.width ?? 0,
    height: o?.height ?? f?.height ?? 0,
    objects: o?.objects ?? [],
    faces: f?.faces ?? [],
    complete: r.value.complete,
    missing: r.value.missing,
    reason: r.value.reason.replace(/-/g, '_') as ImageAnalysis['reason'],
    submittedAt: r.timestamp,
    timings,
  });
}

/**
 * The pipeline with `ingest` as its source: a folder of images here, the HTTP front door in
 * image-pipeline-http.ts. With `tokens`, the nodes that read the images first verify each record's
 * token again (verifyToken): a record written to the image topic by anyone but the front door, or
 * with its tenant changed, is dead-lettered before it costs a detector anything or yields a result.
 * The aggregate carries the tenant and token to its results, and deliver verifies them again before
 * it hands a result to anyone.
 */
export function imagePipeline(ingest: Source<string, SubmittedImage>, ingestOptions: NodeOptions = { maxInFlight: 16 }, tokens?: TokenAuth) {
  const imagesIn = (n: NodeBuilder) => (tokens ? n.from(images).pipe(verifyToken({ auth: tokens })) : n.from(images));
  return topology('image-pipeline')
    .node('ingest', (n) => n.source(ingest).to(images), ingestOptions)
    .node('objects', (n) => imagesIn(n).pipe(decodeImage(), detectObjects({ model: 'yolox-nano' })).to(objects), { maxInFlight: 8, ordering: 'unordered' })
    .node('faces', (n) => imagesIn(n).pipe(decodeImage(), detectFaces({ model: 'ultraface-rfb-320' })).to(faces), { maxInFlight: 8, ordering: 'unordered' })
    .node('aggregate', (n) =>
      n.from(objects, faces).pipe(collectByKey({ parts: { objects, faces }, window: session('30s'), timeout: param('timeout', { default: '10s' }) }), named('toAnalysis', map(toAnalysis))).to(analyses),
    )
    .node('deliver', (n) =>
      (tokens ? n.from(analyses).pipe(verifyToken({ auth: tokens })) : n.from(analyses)).pipe(
        annotateToFolder({ dir: param('annotate', { default: null, description: 'folder for annotated pictures' }) }),
        jsonLinesSink({ to: param('out', { default: '-' }), format: (r) => ({ ...r.value, endToEndMs: Date.now() - r.value.submittedAt }) }),
      ),
    );
}

export default imagePipeline(directorySource({ dir: param('images', { description: 'folder of images to submit' }), repeat: param('repeat', { default: 1 }) }));
