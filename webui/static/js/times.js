// Reading and showing the server's timestamps (UTC, ISO 8601) in the reader's own zone.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const STEPS = [
  ["second", 60], ["minute", 60], ["hour", 24], ["day", 30], ["month", 12], ["year", Infinity],
];

/** Server timestamps are UTC; one written without an offset is read as UTC too. */
export function parseTime(ts) {
  const text = String(ts);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}

/** A `<time>` element showing `ts` as a date and time, `how` "absolute" or "relative". */
export function timeElement(ts, how = "absolute") {
  const when = parseTime(ts);
  const node = document.createElement("time");
  node.dateTime = when.toISOString();
  node.textContent = how === "relative" ? ago(when) : dateTime.format(when);
  node.title = dateTime.format(when);
  return node;
}

/** "just now", "5 minutes ago", "yesterday"... */
function ago(when, now = new Date()) {
  let amount = (when.getTime() - now.getTime()) / 1000;
  if (Math.abs(amount) < 45) return "just now";
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return dateTime.format(when);
}
