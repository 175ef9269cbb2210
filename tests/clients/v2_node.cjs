// frankfurter-js 0.1.1 (npm), a Frankfurter v2 client, unchanged but for its
// `baseUrl` option, run on `fxsnap serve` by tests/frankfurter_clients.rs:
// latest, a past date and a range. Prints one JSON object of what it returned.
// usage: NODE_PATH=…/node_modules node v2_node.cjs BASE_URL (http://127.0.0.1:PORT)
const { FrankfurterClient } = require("frankfurter-js");

async function main() {
  const client = new FrankfurterClient({ baseUrl: process.argv[2], timeout: 10000 });
  const out = {
    latest: await client.latest({ base: "USD", quotes: ["KGS", "TJS", "TMT"] }),
    historical: await client.historical("2026-04-01", { base: "USD", quotes: "KZT" }),
    range: await client.range("2026-03-01", "2026-03-31", { base: "USD", quotes: ["RUB"], providers: ["CBR"] }),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
