package reportgen

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

var flexQuestions = []string{"Is the signal flashing?", "How many lanes are blocked?", "Describe the location", "Is anyone hurt?"}

// WriteFlexNotes writes a flex-notes workbook (xlsx, one sheet, the six
// report columns) of n data rows to w: invented, deterministic rows whose
// questions are none of the private ones, so every row is published.
func WriteFlexNotes(w io.Writer, n int) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"Flex Notes ID", "Service Request Number", "Flex Notes Definition ID",
		"Service Request ID", "Flex Question", "Flex Answer"}); err != nil {
		return err
	}
	for i := range n {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, []any{1_000_000 + i, fmt.Sprintf("25-%08d", i), 300 + i%40, 9_000_000 + i,
			flexQuestions[i%len(flexQuestions)], fmt.Sprintf("answer %d, near the corner of 5th and Main", i)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
