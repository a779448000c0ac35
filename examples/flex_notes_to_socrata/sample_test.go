package main

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite sample/flex_notes_sample.xlsx")

// sampleRows is the embedded sample workbook's content: invented answers
// in the report's shape, including private questions that must be dropped.
var sampleRows = [][]any{
	{"Flex Notes ID", "Service Request Number", "Flex Notes Definition ID", "Service Request ID", "Flex Question", "Flex Answer"},
	{31001, "24-00000101", 701, 9100001, "Is the signal flashing?", "Yes"},
	{31002, "24-00000101", 702, 9100001, "Mobile Apps Reporter Information", "invented reporter, 512-555-0100"},
	{31003, "24-00000102", 703, 9100002, "How many lanes are blocked?", 2},
	{31004, "24-00000102", 704, 9100002, "Provide license plate number of vehicle, if known.", "TEST123"},
	{31005, "24-00000103", 705, 9100003, "What is the 9-digit citation number (top line)?", "000000000"},
	{31006, "24-00000103", 706, 9100003, "Describe the problem", "Sign knocked down at the corner"},
	{31007, "24-00000104", 707, 9100004, "Is anyone hurt?", "N/A"},
}

// TestSampleWorkbook keeps the embedded workbook in step with sampleRows
// (go test -update rewrites it).
func TestSampleWorkbook(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range sampleRows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("sample/flex_notes_sample.xlsx", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("sample rewritten; rebuild to embed it")
	}
	g, err := excelize.OpenReader(bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	got, err := g.GetRows("Sheet1", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(sampleRows) {
		t.Fatalf("embedded sample has %d rows, want %d (run go test -update)", len(got), len(sampleRows))
	}
}
