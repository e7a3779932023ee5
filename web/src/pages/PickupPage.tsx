// Recipient pickup (/p/<token>): prove it is you with a code or passcode, then see the shared images and download the package.
import { useState, type FormEvent } from "react";
import { messageOf, portalImage, portalImages, portalPackageUrl, portalSendCode, portalVerify } from "../api";
import { Alert } from "../components/Alert";
import { BlobImage } from "../components/BlobImage";
import { FormButtons } from "../components/FormButtons";
import { LoadStatus } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { useLoad } from "../hooks";

function SharedImages({ token }: { token: string }) {
  const { data: images, error, loading } = useLoad((signal) => portalImages(token, signal), token);
  return (
    <section aria-labelledby="shared-heading">
      <h2 id="shared-heading">Shared images</h2>
      <p>
        <a href={portalPackageUrl(token)} download>
          Download the package
        </a>
      </p>
      <LoadStatus loading={loading && !images} error={error}>
        Loading the images…
      </LoadStatus>
      {images && images.length === 0 && <p>No images can be shown here; download the package to see the study.</p>}
      {images && images.length > 0 && (
        <ul className="image-grid">
          {images.map((img, i) => (
            <li key={img.n} className="image-card">
              <BlobImage
                imageKey={`${token}/${img.n}`}
                load={(signal) => portalImage(token, img.n, signal)}
                alt={`Shared image ${i + 1}`}
                className="preview"
                {...(img.width > 0 && img.height > 0 ? { width: img.width, height: img.height } : {})}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function PickupPage({ token }: { token: string }) {
  const [factor, setFactor] = useState<"mailbox" | "passcode" | null>(null);
  const [code, setCode] = useState("");
  const [sending, setSending] = useState(false);
  const [checking, setChecking] = useState(false);
  const [verified, setVerified] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const sendCode = async () => {
    setSending(true);
    setError(null);
    try {
      const r = await portalSendCode(token);
      setFactor(r.factor);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSending(false);
    }
  };

  const check = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const c = code.trim();
    if (!c) {
      setError("Enter the code or passcode.");
      return;
    }
    setChecking(true);
    setError(null);
    try {
      await portalVerify(token, c);
      setCode("");
      setVerified(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setChecking(false);
    }
  };

  return (
    <main id="main" className="page page-narrow">
      <PageHeading>Secure pickup</PageHeading>
      {!token ? (
        <p role="alert" className="alert">
          This link is not complete. Open the whole link from the message you received.
        </p>
      ) : verified ? (
        <SharedImages token={token} />
      ) : (
        <>
          <p>Before anything is shown, prove it is you.</p>
          <div className="row">
            <button type="button" onClick={() => void sendCode()} disabled={sending}>
              Send me a code
            </button>
          </div>
          {factor === "passcode" && <p className="notice">Enter the passcode the sender gave you.</p>}
          {factor === "mailbox" && <p className="notice">A code was sent to your address.</p>}
          <form className="stack" onSubmit={(e) => void check(e)}>
            <div className="field">
              <label htmlFor="pickup-code">Code or passcode</label>
              <input id="pickup-code" autoComplete="one-time-code" autoCapitalize="none" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} />
            </div>
            <FormButtons submit="Check" disabled={checking} />
          </form>
          <Alert message={error} />
        </>
      )}
    </main>
  );
}
