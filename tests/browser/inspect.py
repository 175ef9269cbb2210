#!/usr/bin/env python3
"""Reads a report's index.html with Python's own HTML parser and prints, as JSON:

- refs: every src, srcset and href value (with its tag and attribute), and the ids;
- tables: for each <table id>, its header texts and its body rows; a row has its class, the
  text of each cell by the cell's data-label, and the value of each element that names a command
  column (data-col): a cell's first <data value> or <time datetime> inside it, else its text; a
  <data data-col> or <time data-col> inside a cell gives its own value or datetime.

  python3 tests/browser/inspect.py DIR/index.html

Used by tests/report.rs to compare the page with the commands' CSV and to check references.
"""
import json
import sys
from html.parser import HTMLParser


class Report(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []
        self.ids = []
        self.tables = {}
        self.table = None  # the table being read
        self.section = None  # "thead" or "tbody"
        self.row = None
        self.cell = None  # {"label", "col", "text", "value"}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        for name in ("src", "href", "srcset", "data", "poster", "action"):
            if name in a:
                self.refs.append({"tag": tag, "attr": name, "value": a[name]})
        if tag == "table":
            self.table = {"headers": [], "rows": []}
            self.tables[a.get("id", f"table-{len(self.tables)}")] = self.table
        elif self.table is None:
            return
        elif tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr":
            self.row = {"class": a.get("class", ""), "cells": {}, "values": {}}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = {"label": a.get("data-label"), "col": a.get("data-col"), "text": "", "value": None}
        elif self.cell is not None:
            v = a.get("value") if tag == "data" else a.get("datetime") if tag == "time" else None
            if v is not None and a.get("data-col") and self.row is not None:
                self.row["values"][a["data-col"]] = v
            elif v is not None and self.cell["value"] is None:
                self.cell["value"] = v
        if tag == "br" and self.cell is not None:
            self.cell["text"] += " "

    def handle_endtag(self, tag):
        if self.table is None:
            return
        if tag in ("td", "th") and self.cell is not None:
            c = self.cell
            text = " ".join(c["text"].split())
            if self.section == "thead":
                self.table["headers"].append(text)
            elif self.row is not None:
                self.row["cells"][c["label"]] = text
                if c["col"]:
                    self.row["values"][c["col"]] = c["value"] if c["value"] is not None else text
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.section == "tbody":
                self.table["rows"].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def main():
    p = Report()
    with open(sys.argv[1], encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    json.dump({"refs": p.refs, "ids": p.ids, "tables": p.tables}, sys.stdout)


if __name__ == "__main__":
    main()
