package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cityofaustin/atd-executive-dashboard/internal/jobkit"
)

// smartsheetServer serves the embedded sample sheet at /2.0/sheets/{id},
// checking the bearer token.
func smartsheetServer(t *testing.T, token string) *httptest.Server {
	t.Helper()
	body, err := sample.ReadFile("sample/sheets/6628516847478660.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errorCode":1002,"message":"Your Access Token is invalid.","refId":"r1"}`))
			return
		}
		if r.URL.Path != "/2.0/sheets/6628516847478660" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errorCode":1006,"message":"Not Found","refId":"r2"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSheetContributions(t *testing.T) {
	t.Parallel()
	const token = "ss-TOKEN-0xABCDEF"
	cfgFile := filepath.Join(t.TempDir(), "sheets.json")
	if err := os.WriteFile(cfgFile, mustRead(t, "sample/active_sheets.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      map[string]string
		file     string // --sheets content; the sample's when empty
		wantDS   string
		wantCode int
		wantText string
	}{
		{name: "added to DS", env: map[string]string{"SMARTSHEET_ACCESS_TOKEN": token}, wantDS: "190", wantText: "sheet=\"Residential DS Permits\" folder_type=DS count=3"},
		{name: "token missing", env: map[string]string{}, wantCode: 2, wantText: "SMARTSHEET_ACCESS_TOKEN"},
		{name: "config file invalid", env: map[string]string{"SMARTSHEET_ACCESS_TOKEN": token}, file: `[{"sheet_id": 1}]`, wantCode: 2, wantText: "status_column is empty"},
		{name: "token refused", env: map[string]string{"SMARTSHEET_ACCESS_TOKEN": "wrong"}, wantCode: 1, wantText: "smartsheet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			ss := smartsheetServer(t, token)
			maps.Copy(f.env, tt.env)
			f.env["SMARTSHEET_API_BASE"] = ss.URL + "/2.0"
			file := cfgFile
			if tt.file != "" {
				file = filepath.Join(t.TempDir(), "sheets.json")
				if err := os.WriteFile(file, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			logs, err := f.run(t, "--sheets", file)
			if code := jobkit.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d\n%s", code, err, tt.wantCode, logs)
			}
			printed := logs
			if err != nil {
				printed += err.Error()
			}
			if !strings.Contains(printed, tt.wantText) {
				t.Fatalf("output lacks %q:\n%s", tt.wantText, printed)
			}
			if strings.Contains(printed, token) {
				t.Fatal("the Smartsheet token was printed")
			}
			reqs := f.soc.Requests()
			if tt.wantCode == 2 {
				if n := f.s3.Count("GetObject", bucket, "") + f.s3.Count("HeadObject", bucket, ""); n != 0 {
					t.Fatalf("a configuration error after work started: %d S3 reads", n)
				}
			}
			if tt.wantCode != 0 {
				if len(reqs) != 0 {
					t.Fatalf("published despite the error: %+v", reqs)
				}
				return
			}
			if len(reqs) != 1 || len(reqs[0].Rows) != 1 || reqs[0].Rows[0]["ds"] != json.Number(tt.wantDS) {
				t.Fatalf("published %+v, want ds=%s", reqs, tt.wantDS)
			}
		})
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := sample.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSheetContributionToMissingType: DS is missing from active_permits.csv,
// so its count is unknown: the Smartsheet requests are not added (a partial
// sum would read as the count), ds stays null, and a warning says so.
func TestSheetContributionToMissingType(t *testing.T) {
	t.Parallel()
	const token = "ss-TOKEN-0xABCDEF"
	cfgFile := filepath.Join(t.TempDir(), "sheets.json")
	if err := os.WriteFile(cfgFile, mustRead(t, "sample/active_sheets.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := setup(t)
	f.s3.PutObject(t, bucket, "active_permits.csv", []byte("FOLDERTYPE,ACTIVEPERMITS\nEX,23\nRW,1462\n"))
	ss := smartsheetServer(t, token)
	f.env["SMARTSHEET_ACCESS_TOKEN"] = token
	f.env["SMARTSHEET_API_BASE"] = ss.URL + "/2.0"
	logs, err := f.run(t, "--sheets", cfgFile)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	reqs := f.soc.Requests()
	if len(reqs) != 1 || len(reqs[0].Rows) != 1 {
		t.Fatalf("requests %+v, want one upsert of one row", reqs)
	}
	if v, ok := reqs[0].Rows[0]["ds"]; !ok || v != nil {
		t.Errorf("ds = %v (sent: %v), want null", v, ok)
	}
	if !strings.Contains(logs, "smartsheet requests not added") || !strings.Contains(logs, "folder_type=DS") {
		t.Errorf("no warning for the contribution that was not added:\n%s", logs)
	}
}

// TestSampleSheetIsSmartsheetSample checks that the sheet the --sheets sample
// reads is the one smartsheet_to_s3's sample counts: one sheet, one story.
func TestSampleSheetIsSmartsheetSample(t *testing.T) {
	t.Parallel()
	const file = "6628516847478660.json"
	other, err := os.ReadFile(filepath.Join("..", "smartsheet_to_s3", "sample", "sheets", file))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, "sample/sheets/"+file); string(got) != string(other) {
		t.Errorf("sample/sheets/%s differs from smartsheet_to_s3's sample sheet of the same id", file)
	}
}
