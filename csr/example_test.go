package csr_test

import (
	"fmt"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/csr"
	"golang.org/x/text/encoding/unicode"
)

func ExampleFormatDate() {
	for _, s := range []string{"10/3/2023 2:15:07 PM", "3/10/2024 2:30:00 AM", "12/1/2023 12:05 AM", "13/45/2023"} {
		out, ok := csr.FormatDate(s)
		fmt.Println(out, ok)
	}
	// Output:
	// 2023-10-03T14:15:07 true
	// 2024-03-10T02:30:00 true
	// 2023-12-01T00:05:00 true
	//  false
}

func ExampleStatePlaneToWGS84() {
	// Texas State Capitol area, NAD83 / Texas Central (ftUS).
	lon, lat := csr.StatePlaneToWGS84(3114567.891, 10070123.456)
	fmt.Printf("POINT (%.7f %.7f)\n", lon, lat)
	// Output: POINT (-97.7420411 30.2663186)
}

func ExampleRows() {
	header := make([]string, csr.NumColumns)
	values := make([]string, csr.NumColumns)
	for c := range csr.Column(csr.NumColumns) {
		header[c] = c.Name()
		values[c] = "N/A"
	}
	values[csr.ColSRNumber] = "23-00412345"
	values[csr.ColCreatedDate] = "10/3/2023 2:15:07 PM"
	values[csr.ColStatePlaneX] = "3114567.891"
	values[csr.ColStatePlaneY] = "10070123.456"
	text := strings.Join(header, "\t") + "\r\n" + strings.Join(values, "\t") + "\r\n"
	report, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)

	rd, err := csr.NewReader(strings.NewReader(report))
	if err != nil {
		fmt.Println(err)
		return
	}
	for row, err := range csr.Rows[map[string]any](rd) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row["service_request_sr_number"], row["created_date"], row["fiscal_year"], row["close_date"], row["location"])
	}
	// Output: 23-00412345 2023-10-03T14:15:07 2024 <nil> POINT (-97.74204105377774 30.26631862467003)
}

func ExampleNewReader_notReport() {
	page := "<!DOCTYPE html><html><head><title>Request Rejected</title></head><body>Your support ID is 42</body></html>"
	_, err := csr.NewReader(strings.NewReader(page))
	fmt.Println(err)
	// Output: csr: the response is not the report: got an HTML page titled 'Request Rejected'
}
