import sharp from "sharp";
const [src, out] = process.argv.slice(2);
await sharp(src).withExif({ IFD0: { Artist: "Jane Roe" } }).withMetadata({ orientation: 6 }).avif().toFile(out);
