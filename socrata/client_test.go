package socrata

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/cityofaustin/atd-executive-dashboard/internal/errbody"
	"github.com/cityofaustin/atd-executive-dashboard/internal/httpapi"
	"log/slog"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		domain  string
		want    string // base URL
		wantErr bool
	}{
		{"bare host means https", "datahub.austintexas.gov", "https://datahub.austintexas.gov", false},
		{"http URL with port", "http://127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"https URL with prefix and slash", "https://example.org/soda/", "https://example.org/soda", false},
		{"surrounding space", "  data.austintexas.gov ", "https://data.austintexas.gov", false},
		{"empty", "", "", true},
		{"other scheme", "ftp://example.org", "", true},
		{"no host", "https://", "", true},
		{"credentials in URL", "https://user:pw@example.org", "", true},
		{"query", "https://example.org/?a=b", "", true},
		{"space in host", "exa mple.org", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Config{Domain: tt.domain})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%q) = nil error", tt.domain)
				}
				if !strings.HasPrefix(err.Error(), "socrata: config") && !strings.HasPrefix(err.Error(), "socrata:") {
					t.Errorf("error %q does not name socrata", err)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error leaks a password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(c.base.String(), "/"); got != tt.want {
				t.Errorf("base = %s, want %s", got, tt.want)
			}
			if got, want := c.catalog.String(), tt.want+"/api/catalog/v1"; got != want {
				t.Errorf("catalog = %s, want %s", got, want)
			}
			if c.chunkSize != DefaultChunkSize {
				t.Errorf("chunk size = %d", c.chunkSize)
			}
		})
	}
}

func TestConfigRedacts(t *testing.T) {
	t.Parallel()
	cfg := Config{Domain: "datahub.austintexas.gov", AppToken: testToken, KeyID: testKeyID, KeySecret: testSecret}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for name, s := range map[string]string{
		"String": cfg.String(), "%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "log": logs.String(),
	} {
		assertNoSecrets(t, name, s)
		if !strings.Contains(s, "datahub.austintexas.gov") || !strings.Contains(s, "REDACTED") {
			t.Errorf("%s = %s", name, s)
		}
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		where   string
		step    step
		want    int64
		wantErr error
	}{
		{"string count", "", step{file: "count_200.json"}, 1234, nil},
		{"number count", "status = 'open'", step{file: "count_200_number.json"}, 1234, nil},
		{"empty answer", "", step{body: `[]`}, 0, nil},
		{"missing dataset", "", step{status: 404, file: "error_404.json"}, 0, ErrNotFound},
		{"bad query", "x ===", step{status: 400, file: "error_400.json"}, 0, nil},
		{"not a number", "", step{body: `[{"count":"many"}]`}, 0, nil},
		{"truncated", "", step{body: `[{"count":"12"}]`, truncate: true}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, api, _ := setup(t)
			api.script(tt.step)
			got, err := c.Count(t.Context(), "abcd-1234", tt.where)
			isErr := tt.step.status >= 400 || strings.Contains(tt.step.body, "many") || tt.step.truncate
			if isErr {
				var oe *Error
				if !errors.As(err, &oe) || oe.Op != "count" || oe.Dataset != "abcd-1234" {
					t.Fatalf("err = %v, want *Error for count", err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("count = %d, want %d", got, tt.want)
			}
			r := api.requests()[0]
			testMethod(t, r, "GET")
			if r.Path != "/resource/abcd-1234.json" || r.Query.Get("$select") != "count(*) as count" || r.Query.Get("$where") != tt.where {
				t.Errorf("request %s %v", r.Path, r.Query)
			}
			if _, has := r.Query["$where"]; has != (tt.where != "") {
				t.Errorf("$where sent = %v", has)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, ct   string
		code, msg  string
		bodyPrefix string
	}{
		{"error_400.json", "application/json", "query.compiler.malformed", `Error, could not parse SoQL query "select * where"`, ""},
		{"error_403_nocode.json", "application/json", "", "You must be logged in to access this resource", ""},
		{"error_500_status.json", "application/json", "", "Internal error", ""},
		{"error_409_errorcode.json", "application/json", "conflict", "Cannot update a synced dataset manually", ""},
		{"gateway_502.html", "text/html", "", "", "HTML page: 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := mustRead(t, tt.file)
			// The pipeline's text of the body, which a SODA error replaces.
			e := httpapi.APIError{Message: errbody.Text(body, tt.ct, errbody.DefaultMax)}
			parseErrorBody(&e, body)
			want := tt.msg
			if tt.bodyPrefix != "" {
				want = tt.bodyPrefix
			}
			if e.Code != tt.code || !strings.HasPrefix(e.Message, want) || (tt.bodyPrefix == "" && e.Message != tt.msg) {
				t.Errorf("got %+v", e)
			}
		})
	}
	t.Run("discovery error string", func(t *testing.T) {
		t.Parallel()
		var e httpapi.APIError
		parseErrorBody(&e, []byte(`{"error": "offset + limit must be <= 10000"}`))
		if e.Message != "offset + limit must be <= 10000" {
			t.Errorf("got %+v", e)
		}
	})
}
