// An unknown hash route: say so and point back to the studies.
import { PageHeading } from "../components/PageHeading";

export function NotFoundPage() {
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>
        <a href="#/studies">Go to the studies</a>
      </p>
    </>
  );
}
