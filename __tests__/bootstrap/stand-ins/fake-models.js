// The files a fake model is made of, as the fake registry (the ollama stand-in's pull) writes them
// and as a test seeds them into the fake weight cache: a manifest naming a config blob and two
// layers, the weights (one per model) and a license every model shares, each blob named by the
// sha256 of its content as Ollama names them. Loaded by sandbox.ts, and prepended to the ollama
// stand-in in the fake release archives.
"use strict";

function fakeModel(displayName) {
  const sha256 = (text) => require("crypto").createHash("sha256").update(text).digest("hex");
  const parts = [
    ["application/vnd.docker.container.image.v1+json", JSON.stringify({ model_format: "gguf", model: displayName })],
    ["application/vnd.ollama.image.model", `fake weights of ${displayName}\n`],
    ["application/vnd.ollama.image.license", "fake license every model shares\n"],
  ].map(([mediaType, content]) => ({ mediaType, content, digest: `sha256:${sha256(content)}`, size: Buffer.byteLength(content) }));
  const layer = ({ mediaType, digest, size }) => ({ mediaType, digest, size });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: layer(parts[0]),
    layers: parts.slice(1).map(layer),
  });
  const blobs = Object.fromEntries(parts.map((p) => [p.digest.replace(":", "-"), p.content]));
  return { manifest, blobs };
}

if (typeof module !== "undefined") module.exports = { fakeModel };
