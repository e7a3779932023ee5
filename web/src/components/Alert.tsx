// The one way errors are shown: the server's message in a role="alert" element (nothing rendered when there is none).
export function Alert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="alert">
      {message}
    </p>
  );
}
