// Photo capture: camera or chosen photo, re-drawn on a canvas (no EXIF leaves), cropped to the minimum, uploaded; nothing kept on the device.
import { useCallback, useEffect, useRef, useState, type ChangeEvent } from "react";
import { isAbort, messageOf, uploadCapture, type PurposeOfUse } from "../api";
import { PurposeSelect } from "../components/PurposeSelect";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { plural } from "../format";

type Side = "left" | "right" | "top" | "bottom";
type Crop = Record<Side, number>;
const NO_CROP: Crop = { left: 0, right: 0, top: 0, bottom: 0 };
const SIDES: { side: Side; label: string }[] = [
  { side: "left", label: "Crop left" },
  { side: "right", label: "Crop right" },
  { side: "top", label: "Crop top" },
  { side: "bottom", label: "Crop bottom" },
];
/** Wipe a canvas's pixels and release its backing store. */
function wipe(c: HTMLCanvasElement | null): void {
  if (!c) return;
  c.getContext("2d")?.clearRect(0, 0, c.width, c.height);
  c.width = 0;
  c.height = 0;
}

function toJpeg(c: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error("The photo could not be encoded."))), "image/jpeg", 0.92));
}

function findingCount(f: unknown): number {
  if (typeof f === "number") return f;
  if (Array.isArray(f)) return f.length;
  return 0;
}

export function CapturePage() {
  const [mrn, setMrn] = useState("");
  const [purpose, setPurpose] = useState<PurposeOfUse>("treatment");
  const [cameraOn, setCameraOn] = useState(false);
  const [starting, setStarting] = useState(false);
  const [shot, setShot] = useState<{ width: number; height: number; round: number } | null>(null);
  const [crop, setCrop] = useState<Crop>(NO_CROP);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stored, setStored] = useState<{ findings: number; duplicate: boolean } | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const shotRef = useRef<HTMLCanvasElement | null>(null); // full frame, never attached to the page
  const previewRef = useRef<HTMLCanvasElement>(null); // the cropped photo: what is shown and what is uploaded
  const mounted = useRef(true);

  const stopCamera = useCallback(() => {
    for (const t of streamRef.current?.getTracks() ?? []) t.stop();
    streamRef.current = null;
    if (videoRef.current) videoRef.current.srcObject = null;
    setCameraOn(false);
  }, []);

  const discardShot = useCallback(() => {
    wipe(shotRef.current);
    shotRef.current = null;
    wipe(previewRef.current);
    setShot(null);
    setCrop(NO_CROP);
  }, []);

  // Leaving the page: camera off, pixels gone.
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      for (const t of streamRef.current?.getTracks() ?? []) t.stop();
      streamRef.current = null;
      wipe(shotRef.current);
      shotRef.current = null;
      wipe(previewRef.current);
    };
  }, []);

  // A hidden tab does not keep the camera open.
  useEffect(() => {
    const onHide = () => {
      if (document.visibilityState === "hidden") stopCamera();
    };
    document.addEventListener("visibilitychange", onHide);
    return () => document.removeEventListener("visibilitychange", onHide);
  }, [stopCamera]);

  useEffect(() => {
    const v = videoRef.current;
    if (cameraOn && v && streamRef.current) {
      v.srcObject = streamRef.current;
      v.play().catch(() => undefined);
    }
  }, [cameraOn]);

  // Live preview: the crop of the full frame, drawn at full resolution.
  useEffect(() => {
    const src = shotRef.current;
    const dst = previewRef.current;
    if (!shot || !src || !dst) return;
    const sx = Math.round((src.width * crop.left) / 100);
    const sy = Math.round((src.height * crop.top) / 100);
    const sw = Math.max(1, src.width - sx - Math.round((src.width * crop.right) / 100));
    const sh = Math.max(1, src.height - sy - Math.round((src.height * crop.bottom) / 100));
    dst.width = sw;
    dst.height = sh;
    dst.getContext("2d")?.drawImage(src, sx, sy, sw, sh, 0, 0, sw, sh);
  }, [shot, crop]);

  const keepShot = (c: HTMLCanvasElement) => {
    wipe(shotRef.current);
    shotRef.current = c;
    setCrop(NO_CROP);
    setStored(null);
    setShot((s) => ({ width: c.width, height: c.height, round: (s?.round ?? 0) + 1 }));
  };

  const startCamera = async () => {
    setError(null);
    setStored(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setError("This browser cannot open the camera here. Choose a photo instead.");
      return;
    }
    setStarting(true);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      if (!mounted.current) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      for (const t of streamRef.current?.getTracks() ?? []) t.stop();
      streamRef.current = stream;
      setCameraOn(true);
    } catch (e) {
      const why = e instanceof DOMException && e.name === "NotAllowedError" ? "permission was refused" : e instanceof DOMException && e.name === "NotFoundError" ? "no camera was found" : "it is not available";
      setError(`The camera could not be started: ${why}. Choose a photo instead.`);
    } finally {
      if (mounted.current) setStarting(false);
    }
  };

  const takePhoto = () => {
    const v = videoRef.current;
    if (!v || v.videoWidth === 0 || v.videoHeight === 0) {
      setError("The camera is not ready yet. Try again in a moment.");
      return;
    }
    const c = document.createElement("canvas");
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    c.getContext("2d")?.drawImage(v, 0, 0, c.width, c.height);
    stopCamera();
    setError(null);
    keepShot(c);
  };

  const choosePhoto = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    stopCamera();
    setError(null);
    try {
      // Decoding and re-drawing means only pixels leave: no EXIF, no GPS, no original file name.
      const bitmap = await createImageBitmap(file);
      const c = document.createElement("canvas");
      c.width = bitmap.width;
      c.height = bitmap.height;
      c.getContext("2d")?.drawImage(bitmap, 0, 0);
      bitmap.close();
      if (mounted.current) keepShot(c);
      else wipe(c);
    } catch {
      setError("This file could not be read as a photo.");
    } finally {
      input.value = "";
    }
  };

  const upload = async () => {
    const c = previewRef.current;
    const patientMrn = mrn.trim();
    if (!patientMrn) {
      setError("Enter the patient's MRN first.");
      return;
    }
    if (!c || !shot) {
      setError("Take or choose a photo first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const jpeg = await toJpeg(c);
      const r = await uploadCapture(patientMrn, purpose, jpeg);
      if (!mounted.current) return;
      setStored({ findings: findingCount(r.findings), duplicate: r.status === "duplicate" });
      discardShot();
      setMrn("");
    } catch (err) {
      if (!isAbort(err)) setError(messageOf(err));
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  return (
    <>
      <PageHeading>Photo capture</PageHeading>
      <p className="muted">The photo goes straight to the vault. Nothing is saved on this device.</p>
      <div className="stack">
        <div className="field">
          <label htmlFor="capture-mrn">Patient MRN</label>
          <input id="capture-mrn" required autoComplete="off" spellCheck={false} value={mrn} onChange={(e) => setMrn(e.target.value)} />
        </div>
        <PurposeSelect id="capture-purpose" label="Purpose" value={purpose} onChange={setPurpose} />
      </div>

      <section aria-labelledby="camera-heading" className="card">
        <h2 id="camera-heading">Take the photo</h2>
        <div className="row">
          <button type="button" onClick={() => void startCamera()} disabled={!mrn.trim() || cameraOn || starting}>
            Start camera
          </button>
          {cameraOn && (
            <button type="button" onClick={takePhoto}>
              Take photo
            </button>
          )}
          {cameraOn && (
            <button type="button" className="button-secondary" onClick={stopCamera}>
              Stop camera
            </button>
          )}
        </div>
        {cameraOn && <video ref={videoRef} className="camera" aria-label="Camera" playsInline muted autoPlay />}
        <div className="field">
          <label htmlFor="capture-file">Or choose a photo</label>
          <input id="capture-file" type="file" accept="image/*" capture="environment" onChange={(e) => void choosePhoto(e)} />
        </div>
      </section>

      {shot && (
        <section aria-labelledby="crop-heading" className="card">
          <h2 id="crop-heading">Crop to what is needed</h2>
          <p className="muted">Leave out faces, tattoos, wristbands and anything else that is not needed.</p>
          <div className="crop-controls">
            {SIDES.map(({ side, label }) => (
              <div className="field" key={side}>
                <label htmlFor={`crop-${side}`}>{label}</label>
                <div className="range-row">
                  <input
                    id={`crop-${side}`}
                    type="range"
                    min={0}
                    max={45}
                    step={1}
                    value={crop[side]}
                    aria-valuetext={`${crop[side]} percent`}
                    onChange={(e) => {
                      const n = Number(e.target.value);
                      setCrop((c) => ({ ...c, [side]: Number.isFinite(n) ? Math.min(45, Math.max(0, n)) : 0 }));
                    }}
                  />
                  <span className="range-value" aria-hidden="true">
                    {crop[side]}%
                  </span>
                </div>
              </div>
            ))}
          </div>
          <canvas ref={previewRef} className="capture-preview" role="img" aria-label="Photo to upload" />
          <div className="row">
            <button type="button" className="button-secondary" onClick={discardShot} disabled={busy}>
              Discard photo
            </button>
          </div>
        </section>
      )}

      <div className="row">
        <button type="button" onClick={() => void upload()} disabled={busy || !shot || !mrn.trim()}>
          Upload to the vault
        </button>
        {busy && <span className="muted">Uploading…</span>}
      </div>
      <Alert message={error} />
      {stored && (
        <>
          <p role="status" className="notice">{`Stored in the vault (${plural(stored.findings, "PHI finding", "PHI findings")} removed from the photo's metadata)${stored.duplicate ? ": this photo was already there" : ""}`}</p>
        </>
      )}
    </>
  );
}
