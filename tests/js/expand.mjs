// Expand every VEVENT series of iCalendar files with Mozilla's ical.js, as Thunderbird would.
// Usage: node expand.mjs FILE... → one JSON document on stdout:
//   {"events": [{"uid", "start", "end", "recurrence_id", "summary", "status", "method",
//                "sequence", "location", "description",
//                "attendees": [{"email", "role", "partstat", "rsvp"}]}], "errors": [...]}
// Times are UTC ISO strings. Only the VTIMEZONEs inside each file are used, so a wrong
// VTIMEZONE shows up as a wrong instant.
import ICAL from "ical.js";
import fs from "node:fs";

const LIMIT = 2000;
const out = { events: [], errors: [] };

function iso(t) {
  return new Date(t.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function attendees(comp) {
  return comp.getAllProperties("attendee").map((p) => ({
    email: String(p.getFirstValue()).replace(/^mailto:/i, "").toLowerCase(),
    role: p.getParameter("role") || null,
    partstat: p.getParameter("partstat") || null,
    rsvp: p.getParameter("rsvp") || null,
  }));
}

for (const file of process.argv.slice(2)) {
  let root;
  try {
    root = new ICAL.Component(ICAL.parse(fs.readFileSync(file, "utf8")));
  } catch (e) {
    out.errors.push({ file, error: String(e) });
    continue;
  }
  const method = root.getFirstPropertyValue("method");
  for (const tz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  }
  const vevents = root.getAllSubcomponents("vevent");
  const masters = new Map();
  const exceptions = [];
  for (const ve of vevents) {
    if (ve.hasProperty("recurrence-id")) exceptions.push(ve);
    else masters.set(ve.getFirstPropertyValue("uid"), ve);
  }
  for (const [uid, ve] of masters) {
    // Group by UID as Thunderbird does: ICAL.Event's default constructor would relate every
    // RECURRENCE-ID component of the file, whatever its UID, keyed by local time string.
    const own = exceptions.filter((ex) => ex.getFirstPropertyValue("uid") === uid);
    const ev = new ICAL.Event(ve, { exceptions: own, strictExceptions: true });
    const it = ev.iterator();
    let next;
    let n = 0;
    while ((next = it.next()) && n < LIMIT) {
      const d = ev.getOccurrenceDetails(next);
      const item = d.item;
      out.events.push({
        file, uid, method, start: iso(d.startDate), end: iso(d.endDate),
        recurrence_id: iso(d.recurrenceId), summary: item.summary,
        status: item.component.getFirstPropertyValue("status"),
        sequence: item.component.getFirstPropertyValue("sequence"),
        location: item.location || null, description: item.description || null,
        attendees: attendees(item.component),
      });
      n++;
      if (!ev.isRecurring()) break;
    }
  }
  // overrides whose master is not in this file (e.g. a single-occurrence CANCEL)
  for (const ex of exceptions) {
    const uid = ex.getFirstPropertyValue("uid");
    if (masters.has(uid)) continue;
    const ev = new ICAL.Event(ex);
    out.events.push({
      file, uid, method, start: iso(ev.startDate), end: iso(ev.endDate),
      recurrence_id: iso(ev.recurrenceId), summary: ev.summary,
      status: ex.getFirstPropertyValue("status"), sequence: ex.getFirstPropertyValue("sequence"),
      attendees: attendees(ex),
    });
  }
}
process.stdout.write(JSON.stringify(out));
