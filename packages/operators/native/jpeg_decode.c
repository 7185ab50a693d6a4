// libjpeg-turbo's TurboJPEG decoder for Node, as the inference workers use it: one JPEG to packed
// RGB, with the library's accurate integer DCT and smooth chroma upsampling. Those are the defaults
// of libjpeg, OpenCV and libvips, so the pixels are bit for bit the ones sharp and cv2.imdecode
// give; the npm bindings of libjpeg-turbo hard-code its fast DCT, which changes pixels (by up to 22
// levels on the COCO samples). sharp stays the decoder for everything else (docs/performance.md).
//
// decodeRgb(jpeg, out, width, height) -> null when `out` holds the pixels, or a string saying why
// not: the caller then decodes with sharp, which explains bad input. Warnings (a truncated scan,
// corrupt data) stop the decode here: sharp's `failOn` decides what they mean.
#include <stdlib.h>
#include <node_api.h>
#include <turbojpeg.h>

// One TurboJPEG handle per thread (per Node environment): made on first use, freed with the thread.
typedef struct {
  tjhandle tj;
} ThreadState;

static void free_state(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  ThreadState* state = data;
  if (state->tj != NULL) tjDestroy(state->tj);
  free(state);
}

static napi_value str(napi_env env, const char* text) {
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  return value;
}

static int bytes_of(napi_env env, napi_value value, unsigned char** data, size_t* length) {
  napi_typedarray_type type;
  size_t count;
  void* base;
  napi_value buffer;
  size_t offset;
  bool is_typed;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, &type, &count, &base, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = base;
  *length = count;
  return 1;
}

static napi_value decode_rgb(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_value result;
  napi_get_null(env, &result);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return str(env, "decodeRgb takes (jpeg, out, width, height)");

  unsigned char *jpeg, *out;
  size_t jpeg_length, out_length;
  int32_t want_width, want_height;
  if (!bytes_of(env, argv[0], &jpeg, &jpeg_length) || !bytes_of(env, argv[1], &out, &out_length)) return str(env, "jpeg and out must be Uint8Arrays");
  if (napi_get_value_int32(env, argv[2], &want_width) != napi_ok || napi_get_value_int32(env, argv[3], &want_height) != napi_ok) return str(env, "width and height must be numbers");

  ThreadState* state = NULL;
  napi_get_instance_data(env, (void**)&state);
  if (state == NULL) {
    state = calloc(1, sizeof(ThreadState));
    if (state == NULL) return str(env, "out of memory");
    napi_set_instance_data(env, state, free_state, NULL);
  }
  if (state->tj == NULL) state->tj = tjInitDecompress();
  if (state->tj == NULL) return str(env, tjGetErrorStr2(NULL));

  int width, height, subsampling, colorspace;
  if (tjDecompressHeader3(state->tj, jpeg, (unsigned long)jpeg_length, &width, &height, &subsampling, &colorspace) != 0) return str(env, tjGetErrorStr2(state->tj));
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) return str(env, "CMYK JPEG");
  if (width != want_width || height != want_height) return str(env, "size differs from the header read before");
  if (out_length < (size_t)width * (size_t)height * 3) return str(env, "out is too small");
  if (tjDecompress2(state->tj, jpeg, (unsigned long)jpeg_length, out, width, 0, height, TJPF_RGB, TJFLAG_STOPONWARNING) != 0) return str(env, tjGetErrorStr2(state->tj));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "decodeRgb", NAPI_AUTO_LENGTH, decode_rgb, NULL, &fn);
  napi_set_named_property(env, exports, "decodeRgb", fn);
  return exports;
}
