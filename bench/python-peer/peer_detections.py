"""The Python peer's detections per image, for bench/pipeline.ts to compare with vision-flow's.
The same steps as the peer's worker loop (../shared/peers/python-ort/yolox_ultraface_peer.py, whose
letterbox, grids and nms this imports), one process, each distinct file once, writing one JSON line
per image: {"file", "width", "height", "objects": [{classId, score, box}], "faces": [{score, box}]},
boxes as [x, y, width, height] in original pixels. The timed figure comes from the peer as written.
Usage: python3 peer_detections.py SHARED_DIR OUT.jsonl"""
import glob, json, os, sys
import numpy as np
import cv2, onnxruntime as ort
from yolox_ultraface_peer import letterbox, grids, nms

def main():
    shared, out_path = sys.argv[1], sys.argv[2]
    so = ort.SessionOptions(); so.intra_op_num_threads = 1; so.inter_op_num_threads = 1; so.log_severity_level = 3
    yolo = ort.InferenceSession(os.path.join(shared, 'models/yolox-nano.onnx'), so, providers=['CPUExecutionProvider'])
    face = ort.InferenceSession(os.path.join(shared, 'models/ultraface-rfb-320.onnx'), so, providers=['CPUExecutionProvider'])
    G, S = grids()
    seen = set()
    with open(out_path, 'w') as out:
        for f in sorted(glob.glob(os.path.join(shared, 'images/coco/*.jpg'))):
            b = open(f, 'rb').read()
            digest = hash(b)
            if digest in seen:
                continue
            seen.add(digest)
            img = cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR)
            lb, r = letterbox(img)
            x = lb.transpose(2, 0, 1)[None].astype(np.float32)
            o = yolo.run(None, {'images': x})[0][0]
            xy = (o[:, :2] + G) * S; wh = np.exp(o[:, 2:4]) * S
            sc = o[:, 4:5] * o[:, 5:]
            cls = sc.argmax(1); conf = sc.max(1); keep = conf > 0.3
            objects = []
            if keep.any():
                bx = np.concatenate([xy[keep] - wh[keep] / 2, wh[keep]], 1) / r
                for i in nms(bx, conf[keep], 0.45):
                    objects.append({'classId': int(cls[keep][i]), 'score': float(conf[keep][i]), 'box': [float(v) for v in bx[i]]})
            h, w = img.shape[:2]
            fi = cv2.resize(img, (320, 240))[:, :, ::-1]
            fx = ((fi.astype(np.float32) - 127) / 128).transpose(2, 0, 1)[None]
            scores, boxes = face.run(None, {'input': fx})
            fs = scores[0][:, 1]; k = fs > 0.7
            faces = []
            if k.any():
                fb = boxes[0][k] * [w, h, w, h]
                xywh = np.concatenate([fb[:, :2], fb[:, 2:] - fb[:, :2]], 1)
                for i in nms(xywh, fs[k], 0.3):
                    faces.append({'score': float(fs[k][i]), 'box': [float(v) for v in xywh[i]]})
            out.write(json.dumps({'file': os.path.basename(f), 'width': w, 'height': h, 'objects': objects, 'faces': faces}) + '\n')

if __name__ == '__main__':
    main()
