#!/usr/bin/env python3
"""Writes expected.json: what the original Stats2 answers for the legacy routes over docs.json.

An independent implementation of rules A2-A15 (with the X fixes the issue asks for: design
documents never listed, each document once, names validated, query values encoded), using
the original's own formatting libraries: json.dumps(indent=2, sort_keys=True) and tabulate
0.9.0 (pip install tabulate==0.9.0). `_rev` values appear as "REV"; the Rust test replaces
the real revisions with that before comparing bytes.

The documents avoid integers above 2^53 and integral floats such as 2.0: pouchdb-server (the
CouchDB of the tests) is JavaScript and cannot keep them, Apache CouchDB and SQLite can. The
formatter's handling of both is checked against Python in server/src/http/legacy/pyjson.rs.
"""
import json, re, urllib.parse
from tabulate import tabulate

docs = json.load(open("docs.json"))
for d in docs:
    d["_rev"] = "REV"
by_id = {d["_id"]: d for d in docs}
DAS = "https://cmsweb.cern.ch/das/request?view=list&limit=50&instance=prod%2Fglobal&input=dataset%3D"

def js_truthy(v):
    return v not in (None, False, 0, "") 

def emit(view, d):
    if view in ("campaigns", "requests"):
        seen, out = set(), []
        for e in d.get("Campaigns" if view == "campaigns" else "Requests") or []:
            if str(e) not in seen:
                seen.add(str(e)); out.append(e)
        return out
    if view == "outputDatasets":
        return list(d.get("OutputDatasets") or [])
    field = {"inputDatasets": "InputDataset", "prepids": "PrepID", "types": "RequestType", "processingStrings": "ProcessingString"}[view]
    v = d.get(field)
    return [v] if js_truthy(v) else []

VIEWS = [("prepid", "prepids"), ("output_dataset", "outputDatasets"), ("input_dataset", "inputDatasets"),
         ("campaign", "campaigns"), ("type", "types"), ("processing_string", "processingStrings"), ("request", "requests")]

def view_docs(view, key):
    rows = sorted((d["_id"], d) for d in docs for k in emit(view, d) if k == key)
    return [d for _, d in rows]

def listing(query, pages):
    args = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    if "workflow_name" in args:
        d = by_id.get(args["workflow_name"])
        out = [d] if d else []
    else:
        out = None
        for param, view in VIEWS:
            if param in args:
                out = view_docs(view, args[param]); break
        if out is None:
            out = [by_id[i] for i in sorted(by_id)]
        out = out[: pages * 100]
    if any(p in args for p in ("prepid", "output_dataset", "input_dataset", "request")):
        out = sorted(out, key=lambda d: "_".join(d["RequestName"].split("_")[-3:-1]))
    return out

def md(docs_):
    if not docs_:
        return ""
    rows = []
    for d in docs_:
        n, i = d.get("RequestName") or "", d.get("InputDataset") or ""
        rows.append(["[%s](https://cms-pdmv-prod.web.cern.ch/stats/?workflow_name=%s)" % (n, n) if n else "",
                     "[%s](%s%s)" % (i, DAS, i) if i else "",
                     "\n".join("- [%s](%s%s)" % (o, DAS, o) for o in d.get("OutputDatasets") or [])])
    return tabulate(rows, headers=["RequestName", "InputDataset", "OutputDatasets"], tablefmt="pipe", showindex=False)

LOCATION_SAFE = "".join(chr(c) for c in range(0x21, 0x7f) if chr(c) not in "\"'<>[]{}|\\^`&=#%+;")

def search(q):
    q = q.strip()
    if not q:
        return "/stats"
    enc = urllib.parse.quote(q, safe=LOCATION_SAFE)
    for param, view in VIEWS:
        if view_docs(view, q):
            return "/stats?%s=%s" % (param, enc)
    return "/stats?workflow_name=%s" % enc

cases = []
def case(path, status, ctype, body="", location=None):
    cases.append({"path": path, "status": status, "content_type": ctype, "body": body, "location": location})

JSON, TEXT = "application/json", "text/plain; charset=utf-8"
for d in docs:
    for prefix in ("/stats/get_json/", "/stats/api/get_json/", "/get_json/"):
        case(prefix + d["_id"], 200, JSON, json.dumps(d, indent=2, sort_keys=True))
for bad in ["", "missing_wf_250101_000000_0000", "_all_docs", "_changes", "_security", "..%2Fx", "a%20b", "%C3%A9", "x" * 10240, "_design%2F_designDoc"]:
    case("/stats/get_json/" + bad, 404, JSON, "{}")
case("/stats/get_json/a/b", 404, JSON, "{}")
queries = ["prepid=HIG-Alpha-00001", "campaign=Alpha%26Beta+2025", "campaign=Alpha&Beta", "workflow_name=amaltaro_StepChain_Zeta_250101_000000_4004",
           "type=Nothing", "", "output_dataset=%2FPrim%2FAlpha-v2%2FAODSIM", "processing_string=Alpha_v1%232", "request=Z-2",
           "input_dataset=%2FIn%2FPut-v1%2FRAW", "type=TaskChain&prepid=HIG-Alpha-00001", "prepid=", "unknown=1"]
for q in queries:
    case("/stats/api/fetch?" + q, 200, JSON, json.dumps(listing(q, 100), indent=2, sort_keys=True))
    case("/stats/md?" + q, 200, TEXT, md(listing(q, 5)))
case("/api/fetch?type=StepChain", 200, JSON, json.dumps(listing("type=StepChain", 100), indent=2, sort_keys=True))
for q in ["HIG-Alpha-00001", " /Prim/Alpha-v1/AODSIM ", "/In/Put-v1/RAW", "Alpha&Beta 2025", "Resubmission", "Alpha_v1#2", "Z-1",
          "amaltaro_StepChain_Zeta_250101_000000_4004", "nothing at all", "", "ünï\"<x>", "a+b%c;d"]:
    case("/stats/search?q=" + urllib.parse.quote_plus(q), 302, None, "", search(q))
json.dump(cases, open("expected.json", "w"), indent=1, ensure_ascii=False)
open("expected.json", "a").write("\n")
print(len(cases), "cases")
