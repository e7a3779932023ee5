// Ambient module types for the non-TypeScript imports Vite bundles (the stylesheet).
declare module "*.css";
