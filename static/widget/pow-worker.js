/* /embed-pow.js, a Web Worker: finds the number n <= maxNumber with SHA-256(salt + n) = challenge (ALTCHA),
   hashing a batch at a time with crypto.subtle, and posts it back (null when there is none). */

const BATCH = 1000;

self.onmessage = async ({ data }) => {
  const encoder = new TextEncoder();
  // The first 4 bytes of the wanted hash pick out the candidate; the full hex check confirms it.
  const head = parseInt(data.challenge.slice(0, 8), 16);
  for (let start = 0; start <= data.maxNumber; start += BATCH) {
    const end = Math.min(start + BATCH, data.maxNumber + 1);
    const work = [];
    for (let n = start; n < end; n++) work.push(crypto.subtle.digest("SHA-256", encoder.encode(data.salt + n)));
    const hashes = await Promise.all(work);
    for (let i = 0; i < hashes.length; i++) {
      if (new DataView(hashes[i]).getUint32(0) !== head) continue;
      const hex = Array.from(new Uint8Array(hashes[i]), (b) => b.toString(16).padStart(2, "0")).join("");
      if (hex === data.challenge) {
        self.postMessage(start + i);
        return;
      }
    }
  }
  self.postMessage(null);
};
