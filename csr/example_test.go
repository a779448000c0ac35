package csr_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/cityofaustin/atd-executive-dashboard/csr"
	"github.com/cityofaustin/atd-executive-dashboard/socrata"
	"golang.org/x/text/encoding/unicode"
)

func ExampleAppendDate() {
	for _, s := range []string{"10/3/2023 2:15:07 PM", "3/10/2024 2:30:00 AM", "12/1/2023 12:05 AM", "13/45/2023"} {
		out, ok := csr.AppendDate(nil, s)
		fmt.Println(string(out), ok)
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
	table := csr.Rows(rd, csr.NewTransformer())
	for row, err := range table.Rows {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row[csr.ColSRNumber].Interface(), row[csr.ColCreatedDate].Interface(), row[csr.ColCloseDate].Interface() == nil)
	}
	// The table is what socrata.Client.Upsert takes; as JSON:
	rd, _ = csr.NewReader(strings.NewReader(report))
	socrata.WriteJSON(os.Stdout, csr.Rows(rd, csr.NewTransformer()))
	// Output:
	// 23-00412345 2023-10-03T14:15:07 true
	// [{"service_request_sr_number":"23-00412345","department":null,"group_description":null,"sr_description":null,"method_received":null,"sr_status":null,"is_duplicate_1_0":null,"status_change_date":null,"created_date":"2023-10-03T14:15:07","overdue_on_date":null,"last_update_date":null,"close_date":null,"sr_age_days":null,"response_days":null,"open_count":null,"closed_count":null,"overdue_count":null,"closed_on_time":null,"closed_late":null,"of_days_late":null,"sr_location":null,"state_plane_x_coordinate":3114567.891,"state_plane_y_coordinate":10070123.456,"location":"POINT (-97.74204105377774 30.26631862467003)","fiscal_year":2024}]
}

func ExampleNewReader_notReport() {
	page := "<!DOCTYPE html><html><head><title>Request Rejected</title></head><body>Your support ID is 42</body></html>"
	_, err := csr.NewReader(strings.NewReader(page))
	fmt.Println(err)
	// Output: csr: the response is not the report: got an HTML page titled 'Request Rejected'
}
