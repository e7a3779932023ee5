// An image fetched with request headers (purpose of use, pickup cookie) and shown through an object URL that is revoked on change and unmount.
import { useEffect, useState } from "react";
import { isAbort, messageOf } from "../api";

interface Props {
  /** Identifies the image: a new key fetches again and revokes the old URL. */
  imageKey: string;
  load: (signal: AbortSignal) => Promise<Blob>;
  alt: string;
  className?: string;
  width?: number;
  height?: number;
}

export function BlobImage({ imageKey, load, alt, className, width, height }: Props) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    let made: string | null = null;
    setUrl(null);
    setError(null);
    load(ac.signal).then(
      (b) => {
        if (ac.signal.aborted) return;
        made = URL.createObjectURL(b);
        setUrl(made);
      },
      (e: unknown) => {
        if (ac.signal.aborted || isAbort(e)) return;
        setError(messageOf(e));
      },
    );
    return () => {
      ac.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [imageKey]);
  if (error) {
    return (
      <p role="alert" className="alert image-placeholder">
        {alt}: {error}
      </p>
    );
  }
  if (!url) return <div className="image-placeholder" aria-hidden="true" />;
  return <img src={url} alt={alt} className={className} width={width} height={height} decoding="async" />;
}
