// One `/events` stream per browser, shared by every Stats2 tab of one origin: a browser keeps
// at most six HTTP/1.1 connections per host, and a stream per tab (and per page held in the
// back/forward cache) used them all, so the seventh tab never loaded.
//
// Protocol with the pages (app/src/ui/live.rs): a page posts {url} to join and {bye: true}
// when it is hidden, frozen or closed; the worker relays the stream's messages as {data},
// its errors as {error: true} and its (re)opens as {open: true}. The stream closes when the
// last page has left and opens again when one joins.
let source = null;
let url = null;
const ports = new Set();

function all(message) {
  ports.forEach((port) => port.postMessage(message));
}

function start() {
  if (source || !url || ports.size === 0) return;
  source = new EventSource(url);
  source.onmessage = (e) => all({ data: e.data });
  source.onerror = () => all({ error: true });
  source.onopen = () => all({ open: true });
}

function stop() {
  if (source && ports.size === 0) {
    source.close();
    source = null;
  }
}

onconnect = (e) => {
  const port = e.ports[0];
  port.onmessage = (m) => {
    if (m.data && m.data.bye) {
      ports.delete(port);
      stop();
    } else if (m.data && typeof m.data.url === "string") {
      url = m.data.url;
      ports.add(port);
      start();
    }
  };
  port.start();
};
