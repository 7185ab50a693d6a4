// Avro schemas of the image analytics topology's topics (keys and values). Change them
// BACKWARD-compatibly: the registry holds them under <topic>-key and <topic>-value.
import { avro, windowedKey, type Infer } from '@vision-flow/core';

/** What the per-label counts are grouped by. */
export const CameraLabel = avro.record('vision.analytics.CameraLabel', {
  camera: avro.field(avro.string(), { doc: "The image id's folder (the part before its last /), or 'default'" }),
  label: avro.field(avro.string(), { doc: "COCO's official class name: person, car, tv, couch, ..." }),
});
export type CameraLabel = Infer<typeof CameraLabel>;

/** One detected object of one image: what the repartition topic of the label counts carries. */
export const Sighting = avro.record('vision.analytics.Sighting', {
  imageId: avro.string(),
  camera: avro.string(),
  label: avro.string(),
});
export type Sighting = Infer<typeof Sighting>;

/** One analysed image of a camera: what the repartition topic of the activity view carries. */
export const ImageSeen = avro.record('vision.analytics.ImageSeen', {
  imageId: avro.string(),
  objects: avro.field(avro.int(), { doc: 'Objects detected in the image' }),
  people: avro.field(avro.int(), { doc: 'Of those, how many are persons' }),
});
export type ImageSeen = Infer<typeof ImageSeen>;

/** A camera's activity session: its window is in the key, [first image, last image], both inclusive. */
export const Activity = avro.record('vision.analytics.Activity', {
  images: avro.long(),
  objects: avro.long(),
  people: avro.long(),
});
export type Activity = Infer<typeof Activity>;

/** Keys of the output topics: the group key and its window (`{ key, start, end }`). */
export const WindowedCameraLabel = windowedKey(CameraLabel);
export const WindowedCamera = windowedKey(avro.string());
