// Removes every custom section (`name`, `producers`, `target_features`, ...) from wasm files,
// in place, byte for byte otherwise: no re-encoding. The Worker needs none of them to run.
// worker-build keeps the `name` section on purpose (it runs wasm-opt with --debuginfo), and
// `strip = true` in Cargo's profile would also drop `target_features` before wasm-bindgen
// reads it, so the Makefile strips here, after worker-build.
//
//   node scripts/strip-wasm.mjs FILE.wasm...
import { readFileSync, writeFileSync } from "node:fs";

function leb(bytes, at) {
    let value = 0, shift = 0, byte;
    do {
        byte = bytes[at++];
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
    } while (byte & 0x80);
    return [value, at];
}

for (const file of process.argv.slice(2)) {
    const bytes = readFileSync(file);
    if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file}: not a wasm module`);
    const kept = [bytes.subarray(0, 8)];
    const dropped = {};
    let at = 8;
    while (at < bytes.length) {
        const start = at;
        const id = bytes[at++];
        let size;
        [size, at] = leb(bytes, at);
        const end = at + size;
        if (end > bytes.length) throw new Error(`${file}: truncated section at byte ${start}`);
        if (id === 0) {
            const [len, nameAt] = leb(bytes, at);
            const name = bytes.subarray(nameAt, nameAt + len).toString("utf8");
            dropped[name] = (dropped[name] || 0) + (end - start);
        } else {
            kept.push(bytes.subarray(start, end));
        }
        at = end;
    }
    const out = Buffer.concat(kept);
    writeFileSync(file, out);
    const list = Object.entries(dropped).map(([n, b]) => `${n} ${b} B`).join(", ") || "nothing";
    console.error(`==> ${file}: ${bytes.length} -> ${out.length} bytes (dropped ${list})`);
}
