// Opens a page in headless Chromium and reports what a reader would see, as JSON on stdout.
//
//   node tests/browser/check.mjs CHROMIUM URL WIDTH SCREENSHOT.png [CLIP_Y CLIP_H]
//
// Drives Chromium over its DevTools protocol on a pipe (--remote-debugging-pipe: commands on
// fd 3, replies on fd 4, each message JSON ended by a NUL), so nothing but Node and Chromium is
// needed. Reports: console messages of level error/warning, uncaught exceptions, failed
// requests, every <img> and <svg> with its rendered size (and whether the image decoded), the
// document's scroll width against the viewport's, and a full-page screenshot (saved, and
// decoded here: its size, the number of distinct colours, the commonest colour (the background)
// and the share of other pixels).
// Used by tests/report.rs; exits 0 when it could measure, whatever it found.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

// Optional CLIP_Y CLIP_H: screenshot only that band of the page (for looking at one part).
const [chromium, url, widthArg, shotPath, clipY, clipH] = process.argv.slice(2);
if (!chromium || !url || !widthArg || !shotPath) {
  console.error("usage: check.mjs CHROMIUM URL WIDTH SCREENSHOT.png");
  process.exit(2);
}
const width = Number(widthArg);
const height = 900;
const profile = mkdtempSync(join(tmpdir(), "fxsnap-chromium-"));
const child = spawn(
  chromium,
  [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
    `--user-data-dir=${profile}`, `--window-size=${width},${height}`, "--remote-debugging-pipe", "about:blank",
  ],
  { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
);
let stderr = "";
child.stderr.on("data", (d) => { stderr += d; });
const toBrowser = child.stdio[3];
const fromBrowser = child.stdio[4];

let nextId = 1;
const pending = new Map();
const events = [];
let buf = Buffer.alloc(0);
fromBrowser.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  let nul;
  while ((nul = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, nul).toString("utf8"));
    buf = buf.subarray(nul + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
    } else if (msg.method) {
      events.push(msg);
      for (const w of waiters.splice(0)) w();
    }
  }
});
const waiters = [];
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  toBrowser.write(JSON.stringify(msg) + "\0");
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const e = events.find(pred);
    if (e) return e;
    await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
  }
  throw new Error("timed out waiting for the page");
}

function fail(message) {
  console.error(`check.mjs: ${message}\n${stderr.slice(-2000)}`);
  try { child.kill("SIGKILL"); } catch {}
  try { rmSync(profile, { recursive: true, force: true, maxRetries: 5 }); } catch {}
  process.exit(1);
}
child.on("error", (e) => fail(`cannot start ${chromium}: ${e.message}`));
const guard = setTimeout(() => fail("no answer from Chromium in 60 s"), 60_000);

try {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const s = (m, p) => send(m, p, sessionId);
  await s("Runtime.enable");
  await s("Log.enable");
  await s("Network.enable");
  await s("Page.enable");
  await s("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: width < 600 });
  await s("Page.navigate", { url });
  await waitFor((e) => e.method === "Page.loadEventFired" && e.sessionId === sessionId, 30_000);
  const measure = `(() => {
    const r = (el) => { const b = el.getBoundingClientRect(); return { w: b.width, h: b.height }; };
    return JSON.stringify({
      scrollWidth: document.documentElement.scrollWidth,
      bodyScrollWidth: document.body.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      innerWidth: window.innerWidth,
      scrollHeight: document.documentElement.scrollHeight,
      images: [...document.images].map((i) => ({ src: i.getAttribute("src"), alt: i.alt, complete: i.complete,
        naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight, ...r(i) })),
      svgs: [...document.querySelectorAll("svg")].map((el) => r(el)),
      tables: document.querySelectorAll("table").length,
      wide: [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 5).map((el) => el.tagName + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : "")),
    });
  })()`;
  const { result } = await s("Runtime.evaluate", { expression: measure, returnByValue: true });
  const page = JSON.parse(result.value);
  const shot = await s("Page.captureScreenshot", { format: "png", captureBeyondViewport: true,
    clip: clipY === undefined
      ? { x: 0, y: 0, width, height: Math.min(page.scrollHeight, 16000), scale: 1 }
      : { x: 0, y: Number(clipY), width, height: Number(clipH), scale: 1 } });
  const png = Buffer.from(shot.data, "base64");
  writeFileSync(shotPath, png);
  const console_ = events
    .filter((e) => e.sessionId === sessionId)
    .flatMap((e) => {
      if (e.method === "Runtime.consoleAPICalled" && ["error", "warning", "assert"].includes(e.params.type))
        return [{ kind: "console." + e.params.type, text: e.params.args.map((a) => a.value ?? a.description).join(" ") }];
      if (e.method === "Log.entryAdded" && ["error", "warning"].includes(e.params.entry.level))
        return [{ kind: "log." + e.params.entry.level, text: e.params.entry.text + " " + (e.params.entry.url || "") }];
      if (e.method === "Runtime.exceptionThrown") return [{ kind: "exception", text: e.params.exceptionDetails.text }];
      if (e.method === "Network.loadingFailed") return [{ kind: "request-failed", text: e.params.errorText }];
      return [];
    });
  console.log(JSON.stringify({ ...page, console: console_, screenshot: analyse(png) }));
  clearTimeout(guard);
  await send("Browser.close").catch(() => {});
} catch (e) {
  fail(e.message);
}
const exited = new Promise((r) => child.once("exit", r));
child.kill("SIGKILL");
await exited;
try { rmSync(profile, { recursive: true, force: true, maxRetries: 5 }); } catch {}
process.exit(0);

// Decodes a PNG (8-bit RGB or RGBA, not interlaced: what Chromium writes) and counts colours.
function analyse(png) {
  let pos = 8, w = 0, h = 0, type = 0;
  const idat = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const kind = png.toString("latin1", pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (kind === "IHDR") {
      w = data.readUInt32BE(0); h = data.readUInt32BE(4); type = data[9];
      if (data[8] !== 8 || data[12] !== 0 || (type !== 2 && type !== 6)) return { width: w, height: h, error: "unsupported PNG" };
    } else if (kind === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const bpp = type === 6 ? 4 : 3, stride = w * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  const out = Buffer.alloc(stride * h);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp] : 0;
      let v = src[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      out[y * stride + x] = v & 255;
    }
  }
  // Colours by count: the commonest is the background, whatever the theme.
  const counts = new Map();
  let nonWhite = 0;
  for (let i = 0; i < out.length; i += bpp) {
    const [r, g, b] = [out[i], out[i + 1], out[i + 2]];
    const c = (r << 16) | (g << 8) | b;
    counts.set(c, (counts.get(c) || 0) + 1);
    if (r < 245 || g < 245 || b < 245) nonWhite++;
  }
  let background = 0, most = 0;
  for (const [c, n] of counts) if (n > most) { most = n; background = c; }
  return { width: w, height: h, colours: counts.size, background: "#" + background.toString(16).padStart(6, "0"),
    nonBackgroundFraction: 1 - most / (w * h), nonWhiteFraction: nonWhite / (w * h) };
}
