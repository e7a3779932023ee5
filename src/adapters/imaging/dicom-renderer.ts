/**
 * @module adapters/imaging/dicom-renderer
 * The ImageRenderer with dcmjs-imaging (its own wasm build of libjpeg 8/12/16-bit, CharLS, OpenJPEG and
 * OpenJPH decodes every transfer syntax we accept) and sharp (resizing and JPEG/PNG encoding, no
 * metadata written). The wasm decoder is loaded once, on first use.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { ImageRenderer, PreviewFormat, PreviewOptions, RenderedPreview } from "../../ports/image-renderer.ts";

import type * as DcmjsImaging from "dcmjs-imaging";

type Imaging = typeof DcmjsImaging;
interface Logger { setLevel(level: "silent"): void }
interface DcmjsLog { readonly log: Logger & { getLogger(name: string): Logger } }
let loading: Promise<Imaging> | undefined;

async function imaging(): Promise<Imaging> {
  loading ??= (async () => {
    // A UMD bundle: under ESM its API is the default export, whatever its typings say.
    const mod = (await import("dcmjs-imaging") as unknown as { default: Imaging }).default;
    // The parser's warnings ("Invalid vr type …") go to the console; a failure is reported as an error instead.
    mod.log.setLevel("silent");
    // dcmjs-imaging requires dcmjs as CommonJS, a different instance from an ESM import of it.
    const require = createRequire(import.meta.url);
    const dcmjs = require("dcmjs") as DcmjsLog;
    dcmjs.log.setLevel("silent");
    dcmjs.log.getLogger("validation.dcmjs").setLevel("silent");
    const wasm = join(dirname(require.resolve("dcmjs-imaging")), "dcmjs-native-codecs.wasm");
    await mod.NativePixelDecoder.initializeAsync({ webAssemblyModulePathOrUrl: wasm, logNativeDecodersMessages: false });
    return mod;
  })();
  return loading;
}

/** Encapsulated (compressed) transfer syntaxes: every 1.2.840.10008.1.2.4.*, RLE and deflate-free JPEG-XL/HTJ2K. */
const ENCAPSULATED = /^1\.2\.840\.10008\.1\.2\.(4\.|5$)/;

/**
 * dcmjs-imaging renders a truncated native pixel stream without complaint (what is missing shows as
 * black); a preview must not hide damage, so the stored length is checked against the image's size.
 */
function assertPixelsComplete(elements: Record<string, unknown>, transferSyntax: string, frames: number): void {
  const pixels = elements["PixelData"];
  if (!Array.isArray(pixels) || pixels.length === 0) throw new Error("no pixel data");
  if (ENCAPSULATED.test(transferSyntax)) return; // the codec reports a damaged stream itself
  const num = (k: string, d: number): number => Number(elements[k] ?? d);
  // YBR_FULL_422 stores two samples per pixel, not three (PS3.3 C.7.6.3.1.2).
  const samples = elements["PhotometricInterpretation"] === "YBR_FULL_422" ? 2 : num("SamplesPerPixel", 1);
  const bitsPerFrame = num("Rows", 0) * num("Columns", 0) * samples * num("BitsAllocated", 16);
  const have = (pixels as ArrayBuffer[]).reduce((n, b) => n + b.byteLength, 0);
  if (!(bitsPerFrame > 0) || have * 8 < bitsPerFrame * frames) throw new Error(`pixel data holds ${have} bytes, the image needs ${Math.ceil((bitsPerFrame * frames) / 8)}`);
}

export function dicomRenderer(): ImageRenderer {
  // Each file is parsed once while its bytes are in use, though its frames are rendered one call at a time.
  const parsed = new WeakMap<Uint8Array, { image: InstanceType<Imaging["DicomImage"]>; frames: number }>();
  return {
    async renderGrey(dicom: Uint8Array, frame: number) {
      const { DicomImage } = await imaging();
      try {
        let entry = parsed.get(dicom);
        if (!entry) {
          const image = new DicomImage(new Uint8Array(dicom).buffer);
          const frames = image.getNumberOfFrames();
          assertPixelsComplete(image.getElements(), image.getTransferSyntaxUid(), frames);
          entry = { image, frames };
          parsed.set(dicom, entry);
        }
        const { image, frames } = entry;
        const r = image.render({ frame, renderOverlays: false });
        const rgba = new Uint8Array(r.pixels);
        const grey = new Uint8Array(r.width * r.height);
        for (let p = 0; p < grey.length; p++) grey[p] = Math.round(0.299 * rgba[4 * p]! + 0.587 * rgba[4 * p + 1]! + 0.114 * rgba[4 * p + 2]!);
        return { grey, width: r.width, height: r.height, frames };
      } catch (cause) {
        throw new RayvaultError(ErrorCode.PixelsUndecodable, "the pixels could not be decoded", { cause });
      }
    },
    async renderPreview(dicom: Uint8Array, format: PreviewFormat, maxSide: number, options: PreviewOptions = {}): Promise<RenderedPreview> {
      const { DicomImage } = await imaging();
      const { default: sharp } = await import("sharp");
      let rendered;
      let frames: number;
      try {
        const copy = new Uint8Array(dicom).buffer; // a copy at offset 0 (a Buffer may sit inside a shared pool)
        const image = new DicomImage(copy);
        frames = image.getNumberOfFrames();
        assertPixelsComplete(image.getElements(), image.getTransferSyntaxUid(), frames);
        rendered = image.render({ frame: 0, renderOverlays: false });
      } catch (cause) {
        throw new RayvaultError(ErrorCode.PixelsUndecodable, "the pixels could not be decoded for a preview", { cause });
      }
      const fit = Math.max(rendered.width, rendered.height) > maxSide ? { width: maxSide, height: maxSide, fit: "inside" as const } : undefined;
      let img = sharp(new Uint8Array(rendered.pixels), { raw: { width: rendered.width, height: rendered.height, channels: 4 } }).removeAlpha();
      if (fit) img = img.resize(fit);
      // "auto": the luminance stretched between its 1st and 99th percentiles, for images whose header
      // window leaves them too dark or too flat to read.
      if (options.window === "auto") img = img.normalise({ lower: 1, upper: 99 });
      const { data, info } = await (format === "png" ? img.png() : img.jpeg({ quality: 90, mozjpeg: false })).toBuffer({ resolveWithObject: true });
      return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, frames };
    },
  };
}
