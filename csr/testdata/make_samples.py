#!/usr/bin/env python3
"""Writes the recorded-shape 3-1-1 report samples used by the csr tests.

The real report is UTF-16 LE with a byte-order mark, tab-separated, CRLF.
The rows below are invented (no real requests or people) but follow the
report's shape: blank coordinates, blank close dates, quotes and commas in
addresses, missing-value markers, a date in the spring-forward hour.
Run: python3 testdata/make_samples.py (from csr/).
"""
import os

HEADER = ["Service Request (SR) Number", "Department", "Group Description", "SR Description",
          "Method Received", "SR Status", "Is Duplicate? (1/0)", "Status Change Date", "Created Date",
          "Overdue On Date", "Last Update Date", "Close Date", "SR Age (days)", "Response Days",
          "Open Count", "Closed Count", "Overdue Count", "Closed on Time", "Closed Late", "# of Days Late",
          "SR Location", "State Plane X Coordinate", "State Plane Y Coordinate", "Council District"]

TPW = "Transportation & Public Works"
ROWS = [
    # a closed request, every field present
    ["23-00412345", TPW, "TPW - Signals", "Traffic Signal - Maintenance", "Phone", "Closed", "0",
     "10/3/2023 2:15:07 PM", "10/1/2023 9:05:00 AM", "10/8/2023 9:05:00 AM", "10/3/2023 2:15:07 PM",
     "10/3/2023 2:15:07 PM", "2", "2.22", "0", "1", "0", "1", "0", "0",
     "1100 CONGRESS AVE, AUSTIN, TX 78701", "3114567.891", "10070123.456", "9"],
    # open: blank close date, blank coordinates
    ["23-00412346", TPW, "TPW - Street Maintenance", "Pothole Repair", "Spot311 Interface", "Open", "0",
     "9/30/2023 11:59:59 PM", "9/30/2023 8:00:00 AM", "10/7/2023 8:00:00 AM", "9/30/2023 11:59:59 PM",
     "", "5", "", "1", "0", "0", "0", "0", "", "", "", "", ""],
    # quotes and commas in the address (a quoted field with doubled quotes)
    ["23-00412347", TPW, "TPW - Sign Shop", "Sign - Street Name", "Mobile Device", "Closed", "1",
     "12/1/2023 12:00:00 AM", "12/1/2023 12:00:00 PM", "12/15/2023 12:00:00 PM", "12/2/2023 12:30 AM",
     "12/2/2023 0:30", "1", "0.5", "0", "1", "0", "1", "0", "0",
     '"500 E 7TH ST ""REAR"", AUSTIN, TX 78701"', "3116000.25", "10071500.75", "1"],
    # a quote inside an unquoted field is literal; 24-hour times; ISO dates
    ["24-00000001", TPW, "TPW - Signals", "Traffic Signal - Flashing", "Web", "Closed", "0",
     "2024-01-05 13:45:00", "2024-01-05T08:00:00", "2024-01-12 08:00", "1/5/2024 13:45:00",
     "1/5/2024 13:45", "0", "0", "0", "1", "0", "1", "0", "0",
     '12 "B" ST, AUSTIN', "3093512.25", "10080915.5", "10"],
    # missing-value markers in every kind of column
    ["24-00000002", "N/A", "NULL", "#N/A", "None", "n/a", "NA",
     "NaN", "3/10/2024 2:30:00 AM", "-nan", "<NA>", "null", "nan", "-NaN", "#NA", "1.#IND", "1.#QNAN",
     "-1.#IND", "-1.#QNAN", "#N/A N/A", "N/A", "#N/A", "10070000", ""],
    # a location with a line break inside quotes, late closure
    ["24-00000003", TPW, "TPW - Markings", "Crosswalk - Paint", "Email", "Closed", "0",
     "3/1/2024 4:05 PM", "2/1/2024 4:05 PM", "2/8/2024 4:05 PM", "3/1/2024 4:05 PM",
     "3/1/2024 4:05 PM", "29", "29", "0", "1", "1", "0", "1", "22",
     '"LAMAR BLVD\nAT 5TH ST"', "3110000", "10072000", "9"],
]


def write(name, header, rows, encoding="utf-16-le", bom=b"\xff\xfe", newline="\r\n"):
    text = newline.join("\t".join(r) for r in [header] + rows) + newline
    with open(os.path.join(os.path.dirname(__file__), name), "wb") as f:
        f.write(bom + text.encode(encoding))


write("report_sample.tsv", HEADER, ROWS)
bad = [r[:] for r in ROWS[:3]]
bad[2][8] = "13/45/2023 1:00 PM"
write("report_bad_date.tsv", HEADER, bad)
write("report_missing_columns.tsv", [h for h in HEADER if h not in ("Close Date", "SR Location")],
      [])
write("report_utf8.tsv", HEADER, ROWS[:1], encoding="utf-8", bom=b"")
write("report_utf16_be.tsv", HEADER, ROWS[:2], encoding="utf-16-be", bom=b"\xfe\xff")
