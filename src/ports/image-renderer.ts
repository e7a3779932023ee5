/**
 * @module ports/image-renderer
 * Turning a DICOM instance's pixels into a picture a person can look at (a preview beside the DICOM
 * files in a package, later the portal's viewer), behind one interface so use-cases do not depend on a
 * codec library.
 */
export type PreviewFormat = "jpeg" | "png";

export interface RenderedPreview {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Frames in the instance; the preview shows the first. */
  readonly frames: number;
}

export interface PreviewOptions {
  /** header (default): the header's first window; auto: stretched to the image's own range (1st–99th percentile). */
  readonly window?: "header" | "auto";
}

export interface ImageRenderer {
  /**
   * Renders the first frame with the header's first window (or the pixel range when it has none),
   * MONOCHROME1 shown inverted, overlays left out; scaled down to fit `maxSide`. Throws a RayvaultError
   * when the pixels cannot be decoded: a preview that cannot be made is not skipped silently.
   */
  renderPreview(dicom: Uint8Array, format: PreviewFormat, maxSide: number, options?: PreviewOptions): Promise<RenderedPreview>;
  /** One frame, full size, as 8-bit grey (the header's window, MONOCHROME1 inverted); for text recognition. */
  renderGrey(dicom: Uint8Array, frame: number): Promise<{ readonly grey: Uint8Array; readonly width: number; readonly height: number; readonly frames: number }>;
}
