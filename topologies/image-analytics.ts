// Windowed analytics over the image pipeline's results (topologies/image-pipeline.ts): run it next
// to, or after, the pipeline; it only reads `vision.analyses`.
//
//   vision-flow run topologies/image-analytics.ts --query-port 7070
//   vision-flow query topologies/image-analytics.ts label-counts '{"camera":"coco","label":"person"}'
//   vision-flow query topologies/image-analytics.ts activity coco
//
// Camera: the image id's folder, i.e. the part of the analysis key before its last "/" (the
// directory source keys `<dir>/coco/000000000139.jpg` as `coco/000000000139`, so each folder under
// --images is a camera; an HTTP device would submit ids `<device>/<frame>`); ids without a "/"
// count under camera "default". A key prefix rather than `source`, which is a path on the ingest
// machine and null for images submitted over HTTP.
//
// Event time: the image's submittedAt (the record timestamps are set to it before re-keying), so
// windows follow when images were taken in, not when their analysis finished.
//
// Counting: each image counts once, from its first analysis. A `late` analysis updates an earlier
// partial result of the same image (a detector missed the join's timeout) and is skipped, so an
// object detector late past that timeout leaves its objects uncounted rather than counted twice.
//
// - label-counts: objects per camera, label (COCO's official names) and 1-minute tumbling window,
//   emitted once per window when it closes (end + 30 s grace of stream time), to
//   `vision.analytics.label-counts` keyed by `{ key: { camera, label }, start, end }`.
// - activity: per camera, sessions of images no more than 5 minutes apart ([first, last] image
//   time in the key) with images, objects and persons seen, emitted on every update to
//   `vision.analytics.activity` (a tombstone for a session merged into a later one).
// Both stores are readable through the query views (`--query-port`).
import { mergeMap } from 'rxjs';
import { avro, named, session, topic, topology, tumbling, windowedBy, type Rec } from '@vision-flow/core';
import { analyses } from './image-pipeline.js';
import type { ImageAnalysis } from './image-pipeline/schemas.js';
import { Activity, CameraLabel, ImageSeen, Sighting, WindowedCamera, WindowedCameraLabel } from './image-analytics/schemas.js';

export const labelCounts = topic('vision.analytics.label-counts', { key: WindowedCameraLabel, value: avro.long(), partitions: 6 });
export const activity = topic('vision.analytics.activity', { key: WindowedCamera, value: avro.nullable(Activity), partitions: 6 });

/** The camera of an image id: its folder, else "default". */
export function cameraOf(imageId: string): string {
  const slash = imageId.lastIndexOf('/');
  return slash > 0 ? imageId.slice(0, slash) : 'default';
}

/** Whether an analysis is the first of its image (a `late` one updates an earlier partial result). */
export const isFirstResult = (a: ImageAnalysis): boolean => a.reason !== 'late';

/** One record per object detected in an image, timestamped with the image's submission. */
function sightings(r: Rec<string, ImageAnalysis>): Array<Rec<string, Sighting>> {
  if (!isFirstResult(r.value)) return [];
  const camera = cameraOf(r.value.id);
  return r.value.objects.map((o) => r.withValue({ imageId: r.value.id, camera, label: o.label }).withTimestamp(r.value.submittedAt));
}

function imageSeen(r: Rec<string, ImageAnalysis>): Array<Rec<string, ImageSeen>> {
  if (!isFirstResult(r.value)) return [];
  const people = r.value.objects.filter((o) => o.label === 'person').length;
  return [r.withValue({ imageId: r.value.id, objects: r.value.objects.length, people }).withTimestamp(r.value.submittedAt)];
}

const noActivity = (): Activity => ({ images: 0, objects: 0, people: 0 });
const addImage = (a: Activity, v: ImageSeen): Activity => ({ images: a.images + 1, objects: a.objects + v.objects, people: a.people + v.people });
const mergeActivity = (a: Activity, b: Activity): Activity => ({ images: a.images + b.images, objects: a.objects + b.objects, people: a.people + b.people });

export default topology('image-analytics')
  .node('label-counts', (n) =>
    n.from(analyses)
      .pipe(named('sightings', mergeMap(sightings)))
      .groupBy((r) => ({ camera: r.value.camera, label: r.value.label }), { name: 'by-camera-label', key: CameraLabel, value: Sighting })
      .pipe(windowedBy(tumbling('1m').grace('30s')).count({ name: 'label-counts', key: CameraLabel, emit: 'final' }))
      .to(labelCounts),
  )
  .node('activity', (n) =>
    n.from(analyses)
      .pipe(named('images', mergeMap(imageSeen)))
      .groupBy((r) => cameraOf(r.value.imageId), { name: 'by-camera', key: avro.string(), value: ImageSeen })
      .pipe(windowedBy(session('5m').grace('30s')).aggregate(noActivity, addImage, { name: 'activity', key: avro.string(), value: Activity, merge: mergeActivity }))
      .to(activity),
  );
